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
