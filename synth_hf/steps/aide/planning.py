"""Branching and budget arithmetic for AIDE hops (pure logic, unit-tested without a pipeline)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Branching:
    """Limits for the children of one node at one hop."""

    attribute_slots: int  # attributes_per_node x operations used per attribute (0 beyond attribute depth)
    persona_slots: int  # personas_per_node (0 beyond persona depth)

    @property
    def total(self) -> int:
        return self.attribute_slots + self.persona_slots


def branching_for_hop(
    hop: int,
    *,
    attribute_depth: int,
    persona_depth: int,
    attributes_per_node: int,
    operations_per_node: int,
    n_operations: int,
    personas_per_node: int,
) -> Branching:
    attr = attributes_per_node * min(operations_per_node, n_operations) if hop <= attribute_depth else 0
    persona = personas_per_node if hop <= persona_depth else 0
    return Branching(attr, persona)


def frontier_order(seed_ids: list[str]) -> list[int]:
    """Indices interleaved across seeds (1st row of each seed, then 2nd, ...) so a budget that
    cannot cover the whole frontier is still spread over every seed."""
    rank: dict[str, int] = {}
    keyed = []
    for i, seed in enumerate(seed_ids):
        keyed.append((rank.get(seed, 0), i))
        rank[seed] = rank.get(seed, 0) + 1
    return [i for _, i in sorted(keyed)]


def spread_budget(wants: list[int], budget: int | None, groups: list[str] | None = None) -> list[int]:
    """Quotas per row, at most its want, summing to at most `budget`. Slots go round-robin across
    `groups` (seeds; default: each row its own group), and inside a group to its first row until that
    row's want is met, then its next: the budget reaches every seed evenly, while each expanding parent
    fills its branching, so its one extraction call serves all its children."""
    if budget is None:
        return list(wants)
    groups = list(groups) if groups is not None else [str(i) for i in range(len(wants))]
    members: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    quotas, left = [0] * len(wants), max(0, budget)
    while left > 0:
        gave = False
        for rows in members.values():
            open_rows = [i for i in rows if quotas[i] < wants[i]]
            if left == 0 or not open_rows:
                continue
            quotas[open_rows[0]] += 1
            left -= 1
            gave = True
        if not gave:
            break
    return quotas


def split_quota(quota: int, branching: Branching) -> tuple[int, int]:
    """Split a node's quota between the attribute and persona branches, proportionally."""
    if branching.total == 0 or quota <= 0:
        return 0, 0
    quota = min(quota, branching.total)
    attr = min(branching.attribute_slots, round(quota * branching.attribute_slots / branching.total))
    persona = min(branching.persona_slots, quota - attr)
    attr = min(branching.attribute_slots, quota - persona)
    return attr, persona


def attribute_operation_pairs(
    n_attributes: int, operations: list[str], operations_per_node: int
) -> list[tuple[int, str]]:
    """(attribute index, operation) pairs, operation-major with a per-attribute rotation, so a
    truncated list still covers every attribute and several operations."""
    if not operations:
        return []
    k = min(operations_per_node, len(operations))
    return [(i, operations[(i + j) % len(operations)]) for j in range(k) for i in range(n_attributes)]


def residual_for_hop(hop: int, residual_hops: list[int]) -> bool:
    """Whether the seed is in the synthesis prompts of `hop` (hop 1: it is the parent)."""
    return hop in residual_hops


def child_id(parent_id: str, branch: str, k: int) -> str:
    return f"{parent_id}.{branch[0]}{k}"


def make_children(
    parent: dict,
    hop: int,
    operations: list[str],
    operations_per_node: int,
    residual: bool,
    evol: bool = False,
) -> list[dict]:
    """The child rows (question still empty) a planned, extracted, retrieved parent gets.
    `evol`: the Evol-Instruct-style baseline, `attr_quota` children of branch "evol" taking the
    operations in turn, with no attribute triplet and no persona."""
    from synth_hf.steps.aide.rows import new_row

    common = {
        "seed_id": parent["seed_id"],
        "parent_id": parent["row_id"],
        "hop": hop,
        "seed_question": parent["seed_question"],
        "seed_options": list(parent["seed_options"]),
        "seed_answer": parent["seed_answer"],
        "parent_question": parent["question"],
        "parent_options": list(parent["options"]),
        "residual": residual,
    }
    if evol:
        return [
            new_row(row_id=child_id(parent["row_id"], "evol", k), branch="evol",
                    operation=operations[(k - 1) % len(operations)], **common)
            for k in range(1, parent["attr_quota"] + 1)
        ] if operations else []  # fmt: skip
    children = []
    pairs = attribute_operation_pairs(len(parent["attributes"]), operations, operations_per_node)
    for k, (a, op) in enumerate(pairs[: parent["attr_quota"]], start=1):
        attr = parent["attributes"][a]
        triplet = {"head": parent["topic"], "relation": attr["relation"], "tail": attr["attribute"]}
        children.append(
            new_row(
                row_id=child_id(parent["row_id"], "attribute", k),
                branch="attribute",
                operation=op,
                attribute_triplet=triplet,
                **common,
            )
        )
    personas = list(zip(parent["personas"], parent["persona_scores"]))[: parent["persona_quota"]]
    for k, (persona, score) in enumerate(personas, start=1):
        children.append(
            new_row(
                row_id=child_id(parent["row_id"], "persona", k),
                branch="persona",
                persona=persona,
                persona_score=score,
                attribute_triplet={"head": parent["topic"], "relation": "", "tail": ""},
                **common,
            )
        )
    return children


def hop_children(
    rows: list[dict], hop: int, operations: list[str], operations_per_node: int, residual: bool, evol: bool = False
) -> list[dict]:
    """`make_children` of every row of hop `hop` - 1 in `rows`, in stream order."""
    out: list[dict] = []
    for parent in rows:
        if parent["hop"] == hop - 1:
            out += make_children(parent, hop, operations, operations_per_node, residual, evol)
    return out


def branch_counts(children: list[dict]) -> dict[str, int]:
    """A synthesis batch's ledger counters: children made, and per branch (attribute, persona, evol)."""
    per_branch = {f"children_{b}": sum(c["branch"] == b for c in children) for b in ("attribute", "persona", "evol")}
    return {"children": len(children), **per_branch}


def plan_rows(
    rows: list[dict], hop: int, branching: Branching, max_rows: int | None
) -> tuple[list[dict], dict]:
    """Set attr_quota / persona_quota on every row (only rows of hop-1 get any). With a budget,
    `rows` must be the whole stream: the budget is max_rows minus the generated rows alive."""
    rows = [{**r, "attr_quota": 0, "persona_quota": 0} for r in rows]
    frontier = [i for i, r in enumerate(rows) if r["hop"] == hop - 1]
    alive = sum(1 for r in rows if r["hop"] >= 1)
    budget = None if max_rows is None else max(0, max_rows - alive)
    order = [frontier[i] for i in frontier_order([rows[i]["seed_id"] for i in frontier])]
    expanding = 0
    seeds = [rows[i]["seed_id"] for i in order]
    for idx, quota in zip(order, spread_budget([branching.total] * len(order), budget, seeds)):
        attr, persona = split_quota(quota, branching)
        rows[idx]["attr_quota"], rows[idx]["persona_quota"] = attr, persona
        expanding += bool(attr + persona)
    planned = sum(r["attr_quota"] + r["persona_quota"] for r in rows)
    extra = {
        "frontier": len(frontier),
        "expanding": expanding,
        "leaves": len(frontier) - expanding,
        "planned_children": planned,
    }
    return rows, extra
