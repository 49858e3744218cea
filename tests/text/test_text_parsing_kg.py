import pytest

from synth_hf.text.parsing import KGParse, parse_kg_records

UGLY = """Here are the entities and relationships:

Entities:
1. entity | Aspirin | Drug | A common painkiller.
2. Entity | "Headache" | symptom | Pain in the head
- ENTITY<|>Bayer<|>Organization<|>German pharmaceutical company
("entity"<|>"Willow bark"<|>"plant"<|>"Source of salicin")##
* entity ; Salicin ; compound
**entity** | **Fever** | condition |
entity | Aspirin | Drug | A common painkiller.
entity | <name> | <type> | <description>

Relations:
("relation"<|>"Aspirin"<|>"Headache"<|>"treats, relieves"<|>"Aspirin relieves headaches.")
relation | Bayer | Aspirin | manufactures
relation\tAspirin\tWillow bark\tderived from\tAspirin was first derived from willow bark.
RELATION | Aspirin | Fever | reduces ; lowers | Aspirin lowers fever | 0.9
relation | Aspirin | Aspirin | self | nonsense
the model rambles here
<|COMPLETE|>"""


def names(res: KGParse) -> list[str]:
    return [e["name"] for e in res.entities]


def test_ugly_line_output():
    res = parse_kg_records(UGLY)
    assert names(res) == ["Aspirin", "Headache", "Bayer", "Willow bark", "Salicin", "Fever"]
    ent = {e["name"]: e for e in res.entities}
    assert ent["Headache"] == {
        "name": "Headache",
        "entity_type": "symptom",
        "description": "Pain in the head",
    }
    assert ent["Salicin"]["description"] == "" and ent["Fever"]["entity_type"] == "condition"
    rel = {(r["source"], r["target"]): r for r in res.relations}
    assert set(rel) == {
        ("Aspirin", "Headache"),
        ("Bayer", "Aspirin"),
        ("Aspirin", "Willow bark"),
        ("Aspirin", "Fever"),
    }
    assert rel[("Aspirin", "Headache")]["keywords"] == ["treats", "relieves"]
    assert rel[("Aspirin", "Headache")]["description"] == "Aspirin relieves headaches."
    assert rel[("Bayer", "Aspirin")] == {
        "source": "Bayer",
        "target": "Aspirin",
        "keywords": ["manufactures"],
        "description": "",
    }
    assert rel[("Aspirin", "Fever")]["keywords"] == ["reduces", "lowers"]
    assert rel[("Aspirin", "Fever")]["description"] == "Aspirin lowers fever"  # strength dropped
    assert "the model rambles here" in res.bad_lines
    assert any("<name>" in b for b in res.bad_lines)  # echoed template is not an entity
    assert any("Aspirin | Aspirin" in b for b in res.bad_lines)  # self-loop
    assert not any("Entities:" in b or "COMPLETE" in b for b in res.bad_lines)


def test_multiple_records_joined_by_hashes_on_one_line():
    res = parse_kg_records(
        '("entity"<|>"A"<|>"t"<|>"d")##("entity"<|>"B"<|>"t"<|>"d")##("relation"<|>"A"<|>"B"<|>"k"<|>"d")'
    )
    assert names(res) == ["A", "B"] and len(res.relations) == 1


def test_description_containing_delimiter_is_kept_whole():
    res = parse_kg_records("entity | Ohm's law | law | V = I * R | relates voltage and current")
    assert res.entities[0]["description"] == "V = I * R | relates voltage and current"


def test_relation_with_three_fields_guesses_keywords_or_description():
    res = parse_kg_records(
        "relation | A | B | part of\nrelation | C | D | C is a component that sits inside D."
    )
    assert res.relations[0]["keywords"] == ["part of"] and res.relations[0]["description"] == ""
    assert res.relations[1]["keywords"] == [] and res.relations[1]["description"].startswith("C is")


def test_json_list_instead_of_lines():
    text = """```json
[
  {"type": "entity", "name": "A", "entity_type": "person", "description": "first"},
  {"entity_name": "B", "entity_type": "place"},
  {"source": "A", "target": "B", "keywords": "visits, likes", "description": "A visits B"}
]
```"""
    res = parse_kg_records(text)
    assert res.entities == [
        {"name": "A", "entity_type": "person", "description": "first"},
        {"name": "B", "entity_type": "place", "description": ""},
    ]
    assert res.relations == [
        {"source": "A", "target": "B", "keywords": ["visits", "likes"], "description": "A visits B"}
    ]


def test_json_object_with_groups_and_jsonl():
    grouped = parse_kg_records(
        '{"entities": [{"name": "A", "type": "T"}], '
        '"relationships": [{"source": "A", "target": "B", "keywords": ["x"]}]}'
    )
    assert grouped.entities == [{"name": "A", "entity_type": "T", "description": ""}]
    assert grouped.relations[0]["keywords"] == ["x"]
    jsonl = parse_kg_records('{"name": "A", "entity_type": "T"}\n{"name": "B", "entity_type": "T"}')
    assert names(jsonl) == ["A", "B"]


def test_empty_and_garbage():
    for text in ["", None, "   ", "<|COMPLETE|>"]:
        res = parse_kg_records(text)
        assert res.entities == [] and res.relations == [] and res.bad_lines == []
    res = parse_kg_records("I cannot help with that.")
    assert not res.ok and res.bad_lines == ["I cannot help with that."]


# ---------------------------------------------------------------- other layouts (issue 10, item 2)
def records(res: KGParse) -> tuple[list[tuple], list[tuple]]:
    ents = [(e["name"], e["entity_type"]) for e in res.entities]
    rels = [(r["source"], r["target"], tuple(r["keywords"])) for r in res.relations]
    return ents, rels


ASPIRIN = ([("Aspirin", "drug"), ("Headache", "symptom")], [("Aspirin", "Headache", ("treats",))])

LAYOUTS = {
    # the reported case: our own record lines written as a markdown table, with header and rule
    "markdown_table_own_records": """| record | name | type | description |
|---|---|---|---|
| entity | Aspirin | drug | A painkiller. |
| entity | Headache | symptom | Pain in the head |
| relation | Aspirin | Headache | treats | Aspirin treats headaches |""",
    "markdown_tables_with_titled_columns": """### Entities
| Name | Entity Type | Description |
|:-----|:----:|-----|
| **Aspirin** | drug | A painkiller. |
| Headache | symptom | |

### Relationships
| Source | Target | Relationship | Description |
| --- | --- | --- | --- |
| Aspirin | Headache | treats | Aspirin treats headaches. |""",
    "table_without_outer_pipes": """Name | Type | Description
Aspirin | drug | A painkiller.
Headache | symptom | Pain in the head

Source | Target | Keywords
Aspirin | Headache | treats""",
    "key_value_blocks": """- name: Aspirin
  type: drug
  description: A painkiller.
- name: Headache
  type: symptom

Relation 1:
Source: Aspirin
Target: Headache
Relationship: treats""",
    "key_value_inline_bold_numbered": """1. **Name:** Aspirin, **Type:** drug, **Description:** A painkiller
2. Entity: Headache; Type: symptom
3. Source: Aspirin; Target: Headache; Keywords: treats""",
    "bullets_under_headings": """**Entities**
- Aspirin (drug): A painkiller.
- Headache (symptom) - Pain in the head
**Relations**
- Aspirin -[treats]-> Headache: Aspirin treats headaches""",
    "numbered_own_records": """1) entity | Aspirin | drug | A painkiller.
2) entity | Headache | symptom | Pain
3) relation | Aspirin | Headache | treats | d""",
    "json_lines": """{"name": "Aspirin", "type": "drug"}
{"name": "Headache", "type": "symptom"}
{"source": "Aspirin", "target": "Headache", "keywords": "treats"}""",
    "fenced_json_object": """Sure! Here is the graph:
```json
{"entities": [{"name": "Aspirin", "type": "drug"}, {"name": "Headache", "type": "symptom"}],
 "relations": [{"source": "Aspirin", "target": "Headache", "keywords": ["treats"]}]}
```""",
    "pretty_json_mixed_into_lines": """entity | Aspirin | drug | A painkiller.
{
  "name": "Headache",
  "type": "symptom",
  "description": "uses | and { } inside a string"
}
relation | Aspirin | Headache | treats | d""",
    "json_arrays_in_our_field_order": """["entity", "Aspirin", "drug", "A painkiller."]
["entity", "Headache", "symptom"]
["relation", "Aspirin", "Headache", "treats", "d"]""",
}


@pytest.mark.parametrize("text", LAYOUTS.values(), ids=list(LAYOUTS))
def test_every_layout_gives_the_same_records(text):
    res = parse_kg_records(text)
    assert records(res) == ASPIRIN, res
    assert res.reason == "ok" and res.unparseable_records == 0, res.unparseable_lines


def test_table_header_and_rule_are_not_records_or_bad_lines():
    res = parse_kg_records(LAYOUTS["markdown_table_own_records"])
    assert res.bad_lines == []
    assert all(e["name"].lower() not in {"name", "record"} for e in res.entities)
    # a header written as our own line format is a header too, not an entity called "name"
    res = parse_kg_records("entity | name | type | description\nentity | Aspirin | drug | d")
    assert [e["name"] for e in res.entities] == ["Aspirin"] and res.bad_lines == []


def test_table_rows_with_more_cells_than_header_keep_the_rest_in_the_last_column():
    res = parse_kg_records("| Name | Type | Description |\n|---|---|---|\n| Ohm's law | law | V = I | R |")
    assert res.entities[0]["description"] == "V = I | R"


def test_unparseable_records_are_counted_apart_from_prose():
    prose = parse_kg_records("I cannot help with that.\nThe text is about medicine.")
    assert prose.reason == "no_records" and prose.unparseable_records == 0 and len(prose.bad_lines) == 2

    broken = parse_kg_records(
        "Entities:\n"
        "- Aspirin treats pain when taken daily, doctors say.\n"  # bullet under a heading, no shape
        "entity Aspirin\n"  # record word, no delimiter
        "relation | Aspirin\n"  # too few fields
        "| foo | bar | baz |\n"  # table row without a header
        '{"colour": "red"}\n'  # JSON that is no record
        "Name: \n"  # empty key-value block
        "{\n"  # JSON block that never closes
        '  "oops": '
    )
    assert broken.reason == "unparseable_records" and not broken.ok
    assert broken.unparseable_records == 7, broken.unparseable_lines
    assert set(broken.unparseable_lines) <= set(broken.bad_lines)

    mixed = parse_kg_records("entity | Aspirin | drug | d\nentity Headache\nthat is all")
    assert mixed.reason == "ok" and mixed.unparseable_lines == ["entity Headache"]
    assert mixed.bad_lines == ["entity Headache", "that is all"]


def test_kv_heading_and_free_forms_do_not_eat_prose():
    res = parse_kg_records("Here are the records:\nThe text mentions a drug.\nNote that this is all.")
    assert not res.ok and res.unparseable_records == 0
    # without a section heading a short line is prose, not an entity
    assert not parse_kg_records("- Fever").ok
    assert [e["name"] for e in parse_kg_records("Entities:\n- Fever").entities] == ["Fever"]
    # "Entity: A | t | d" stays a record line, not a key-value pair with a piped value
    assert records(parse_kg_records("Entity: Aspirin | drug | d"))[0] == [("Aspirin", "drug")]
