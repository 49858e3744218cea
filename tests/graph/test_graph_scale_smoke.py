import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "graph_scale.py"


def test_graph_scale_benchmark_small_run(capsys):
    spec = importlib.util.spec_from_file_location("graph_scale_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results = module.main(["--edges", "3000", "--seed", "1"])
    out = capsys.readouterr().out
    assert "merge:" in out and "partition:" in out and "peak RSS" in out
    assert results["relations"] == 3000 and results["subgraphs"] > 0
    assert results["entity_records"] > 3000  # one per (entity, chunk) mention
