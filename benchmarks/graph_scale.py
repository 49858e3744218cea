"""Scale benchmark for the GraphGen graph layer: merge_records + partition on a synthetic extraction.

    python benchmarks/graph_scale.py                 # 1,000,000 relations, ~200k entities
    python benchmarks/graph_scale.py --edges 20000   # quick run

The synthetic extraction mimics what per-chunk LLM extraction yields: power-law entity popularity,
10 relations per chunk, one entity record per (entity, chunk) mention with a few description variants,
surface-form noise (case, quotes) that normalisation must merge, ~1% of entities only seen as relation
endpoints, and the occasional self-loop. Targets (full run): merge + partition < 60 s, peak RSS < 4 GiB.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synth_hf.graph import EntityRecord, RelationRecord, merge_records, partition

RELATIONS_PER_CHUNK = 10


def peak_rss_mib() -> float:
    # ru_maxrss is KiB on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def synthesize(n_edges: int, n_entities: int, seed: int) -> tuple[list[EntityRecord], list[RelationRecord]]:
    rng = np.random.default_rng(seed)
    popularity = np.arange(1, n_entities + 1, dtype=np.float64) ** -0.8  # power-law-ish degrees
    popularity /= popularity.sum()
    shuffle = rng.permutation(n_entities)  # popularity uncorrelated with the id
    src = shuffle[rng.choice(n_entities, n_edges, p=popularity)]
    tgt = shuffle[rng.choice(n_entities, n_edges, p=popularity)]
    base = [f"Entity {i}" for i in range(n_entities)]
    forms = [(b, b.upper(), f'"{b}"') for b in base]  # surface noise merged by normalize_name
    variant = rng.choice(3, size=(n_edges, 2), p=[0.8, 0.1, 0.1])
    vocab = [f"kw{i}" for i in range(2000)]
    kw = rng.integers(0, len(vocab), size=(n_edges, 2))
    chunk_ids = [f"chunk-{c:07d}" for c in range(n_edges // RELATIONS_PER_CHUNK + 1)]
    relations = [
        RelationRecord(forms[s][vs], forms[t][vt], [vocab[k1], vocab[k2]],
                       f"{base[s]} is related to {base[t]} (fact {i})", chunk_ids[i // RELATIONS_PER_CHUNK])
        for i, (s, t, (vs, vt), (k1, k2)) in enumerate(zip(src.tolist(), tgt.tolist(), variant.tolist(),
                                                           kw.tolist()))
    ]
    # One entity record per (entity, chunk) mention, except ~1% never extracted (implicit nodes).
    chunk_of = np.arange(n_edges) // RELATIONS_PER_CHUNK
    mentions = np.unique(np.concatenate([chunk_of * n_entities + src, chunk_of * n_entities + tgt]))
    ment_chunk, ment_ent = np.divmod(mentions, n_entities)
    keep = ment_ent % 100 != 0
    ment_chunk, ment_ent = ment_chunk[keep], ment_ent[keep]
    desc_variant = rng.integers(0, 4, size=ment_ent.size)
    types = ["PERSON", "ORGANIZATION", "LOCATION", "CONCEPT", "EVENT"]
    descriptions = [[f"{b} is a thing, take {k}." for k in range(4)] for b in base]
    entities = [
        EntityRecord(forms[e][0], types[e % 5], descriptions[e][d], chunk_ids[c])
        for e, c, d in zip(ment_ent.tolist(), ment_chunk.tolist(), desc_variant.tolist())
    ]
    return entities, relations


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edges", type=int, default=1_000_000, help="number of relation records")
    parser.add_argument("--entities", type=int, default=None, help="distinct entities (default edges / 5)")
    parser.add_argument("--method", default="bfs")
    parser.add_argument("--max-units", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="also print the results as one JSON line")
    args = parser.parse_args(argv)
    n_entities = args.entities or max(2, args.edges // 5)
    results: dict[str, float] = {"relations": args.edges, "entities_distinct": n_entities}

    t0, c0 = time.perf_counter(), time.process_time()
    entities, relations = synthesize(args.edges, n_entities, args.seed)
    results["entity_records"] = len(entities)
    results["synthesize_s"] = time.perf_counter() - t0
    results["synthesize_cpu_s"] = time.process_time() - c0
    results["rss_after_synthesize_mib"] = peak_rss_mib()
    print(f"synthesize: {results['synthesize_s']:.2f} s wall, {results['synthesize_cpu_s']:.2f} s CPU  ({len(entities):,} entity records, "
          f"{len(relations):,} relation records)  peak RSS {results['rss_after_synthesize_mib']:.0f} MiB")

    t1, c1 = time.perf_counter(), time.process_time()
    kg, stats = merge_records(entities, relations)
    results["merge_s"] = time.perf_counter() - t1
    results["merge_cpu_s"] = time.process_time() - c1
    del entities, relations, stats.dropped[:]
    gc.collect()
    results["rss_after_merge_mib"] = peak_rss_mib()
    print(f"merge:      {results['merge_s']:.2f} s wall, {results['merge_cpu_s']:.2f} s CPU  -> {kg.num_nodes:,} nodes, {kg.num_edges:,} edges "
          f"({stats.implicit_nodes} implicit, {stats.self_loops} self-loops, "
          f"{stats.duplicate_relations:,} duplicate relations)  peak RSS {results['rss_after_merge_mib']:.0f} MiB")

    t2, c2 = time.perf_counter(), time.process_time()
    parts = partition(kg, args.method, max_units=args.max_units, seed=args.seed)
    results["partition_s"] = time.perf_counter() - t2
    results["partition_cpu_s"] = time.process_time() - c2
    results["rss_peak_mib"] = peak_rss_mib()
    sizes = np.array([sg.num_units for sg in parts]) if parts else np.zeros(1)
    print(f"partition:  {results['partition_s']:.2f} s wall, {results['partition_cpu_s']:.2f} s CPU  ({args.method}, max_units={args.max_units}) -> "
          f"{len(parts):,} subgraphs, mean {sizes.mean():.2f} units, "
          f"{parts.stats.units_covered:,}/{parts.stats.num_units:,} units covered  "
          f"peak RSS {results['rss_peak_mib']:.0f} MiB")
    results["subgraphs"] = len(parts)
    results["merge_plus_partition_s"] = results["merge_s"] + results["partition_s"]
    results["merge_plus_partition_cpu_s"] = results["merge_cpu_s"] + results["partition_cpu_s"]
    results["total_s"] = time.perf_counter() - t0
    print(f"total:      merge+partition {results['merge_plus_partition_s']:.2f} s wall "
          f"({results['merge_plus_partition_cpu_s']:.2f} s CPU), "
          f"with synthesis {results['total_s']:.2f} s; peak RSS {results['rss_peak_mib'] / 1024:.2f} GiB")
    if args.json:
        print(json.dumps(results))
    return results


if __name__ == "__main__":
    main()
