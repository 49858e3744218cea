"""Memory scaling of the GraphGen pipeline: peak memory of the whole process tree at N and 10*N documents.

    python benchmarks/memory_scale.py                          # 20 and 200 docs, sequential and streaming
    python benchmarks/memory_scale.py --docs 20 --modes sequential --out mem.json

Runs GraphGen on the rule-based fake engines (tests/graphgen/graphgen_fakes.py) over `many_docs(n)`,
one fresh subprocess per (mode, size) so peaks never carry over. distilabel runs every step in a pool
worker forked from a fork server and passes batches through a multiprocessing Manager, so the sampler
(a thread here, outside the measured tree) walks the driver and all its descendants every --interval s.
Summed RSS counts the pages that the forked workers still share with the fork server once per process;
summed PSS (from /proc/<pid>/smaps_rollup) splits shared pages between their users and is the honest total.
QA counts scale with the corpus (the fake config's 16 per 20 docs; --fixed-generation keeps 16), so every
stage grows 10x. --batch-size defaults to 16, not the fake config's 4: distilabel re-serialises the whole
pipeline after every batch, which makes the batch count, not the data, set the wall time.

Process roles: driver (runs pipeline.run(): distilabel's batch manager and write buffer), forkserver,
manager (the first child of the fork server: holds every inter-step queue), workers (the pool, one per
step; the step each worker runs at each sample comes from a log written by the workers themselves).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAKES = ROOT / "tests" / "graphgen"
# The fake engines import their responders by module name ("graphgen_fakes:respond") in the workers.
for _p in (str(ROOT), str(FAKES)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

STEP_LOG_ENV = "MEMSCALE_STEP_LOG"
MODES = {"sequential": True, "streaming": False}
MIB = 2**20
GEN_REF_DOCS = 20  # the fake config's QA counts (16 in all) are planned per this many docs


def _install_step_log() -> None:
    """Log 'pid start|end step time' from inside each step worker.

    The fork server preloads `__main__` (see synth_hf/distilabel_compat/worker_start.py), i.e. imports this file
    as `__mp_main__`, so patching distilabel's step wrapper here reaches every worker it forks. Pool
    workers are reused across steps, so a pid alone does not name a step."""
    path = os.environ.get(STEP_LOG_ENV)
    if not path:
        return
    from distilabel.pipeline import step_wrapper

    original = step_wrapper._StepWrapper.run
    if getattr(original, "_memscale", False):
        return

    def run(self):  # type: ignore[no-untyped-def]
        def note(event: str) -> None:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(f"{os.getpid()} {event} {self.step.name} {time.time():.3f}\n")

        note("start")
        try:
            return original(self)
        finally:
            note("end")

    run._memscale = True  # type: ignore[attr-defined]
    step_wrapper._StepWrapper.run = run


if __name__ == "__mp_main__":
    _install_step_log()


# ---------------------------------------------------------------- child: one GraphGen run


def child(n_docs: int, out_dir: str, mode: str, scale: float, batch_size: int) -> None:
    from graphgen_fakes import fake_config, many_docs

    from synth_hf.pipelines.graphgen import run_graphgen

    docs = many_docs(n_docs)
    overrides = {"sequential_steps": MODES[mode], "run.use_cache": False, "run.input_batch_size": batch_size}
    config = fake_config(out_dir, docs, **overrides)
    planned = {k: max(1, round(v * scale)) for k, v in config.generation.modes.items()}
    config = config.with_overrides({"generation.modes": planned})
    started = time.time()
    result = run_graphgen(config)
    wall = time.time() - started
    summary = result.summary
    stages = summary.get("stages", {})
    info = {
        "docs": len(docs),
        "chunks": stages.get("chunk", {}).get("out"),
        "graph_nodes": summary.get("graph", {}).get("nodes"),
        "graph_edges": summary.get("graph", {}).get("edges"),
        "planned": sum(summary.get("planned", {}).values()),
        "rows": len(result.dataset),
        "llm_calls": summary.get("llm_calls"),
        "wall_s": round(wall, 1),
        "rows_out_by_step": {k: v.get("out") for k, v in stages.items()},
    }
    (Path(out_dir) / "child_result.json").write_text(json.dumps(info), encoding="utf-8")


# ---------------------------------------------------------------- parent: sample the child's tree

Sample = dict[int, tuple[int, int, int | None, int | None, float]]  # pid -> (ppid, rss, pss, uss, cpu s)
TICKS = os.sysconf("SC_CLK_TCK")


def _read_mem(pid: int) -> tuple[int, int | None, int | None] | None:
    """(rss, pss, uss) in bytes from smaps_rollup; (VmRSS, None, None) where that is unreadable."""
    fields: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                key, _, rest = line.partition(":")
                if key in ("Rss", "Pss", "Private_Clean", "Private_Dirty"):
                    fields[key] = int(rest.split()[0]) * 1024
        return fields["Rss"], fields["Pss"], fields["Private_Clean"] + fields["Private_Dirty"]
    except (OSError, KeyError, ValueError):
        pass
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024, None, None
    except OSError:
        pass
    return None  # gone


def _cpu_s(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0.0


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                kids.extend(int(k) for k in fh.read().split())
    except FileNotFoundError:
        if os.path.exists(f"/proc/{pid}/task"):  # a kernel without .../children: ask psutil
            try:
                import psutil

                kids = [p.pid for p in psutil.Process(pid).children()]
            except Exception:  # noqa: BLE001 - no psutil, or the process just exited
                kids = []
    except OSError:
        pass
    return kids


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class TreeSampler(threading.Thread):
    """Every `interval` s, one Sample of `root` and all its descendants. Runs in this (unmeasured)
    process, so a busy driver cannot delay its own samples."""

    def __init__(self, root: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.samples: list[tuple[float, Sample]] = []
        self.cmdlines: dict[int, str] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            tick = time.time()
            snap: Sample = {}
            todo = [(self.root, 0)]
            while todo:
                pid, ppid = todo.pop()
                mem = _read_mem(pid)
                if mem is None:
                    continue
                snap[pid] = (ppid, *mem, _cpu_s(pid))
                # A process caught between fork and exec still shows its parent's command line.
                if self.cmdlines.get(pid, "") in ("", self.cmdlines.get(ppid)):
                    self.cmdlines[pid] = _cmdline(pid)
                todo.extend((k, pid) for k in _children(pid))
            if snap:
                self.samples.append((tick, snap))
            self.stop.wait(max(0.0, self.interval - (time.time() - tick)))


def _roles(sampler: TreeSampler, step_pids: set[int]) -> dict[int, str]:
    parent = {pid: v[0] for _, snap in sampler.samples for pid, v in snap.items()}
    first_seen: dict[int, float] = {}
    for t, snap in sampler.samples:
        for pid in snap:
            first_seen.setdefault(pid, t)
    roles = {sampler.root: "driver"}
    servers = {
        p for p, cmd in sampler.cmdlines.items() if "forkserver" in cmd and parent.get(p) == sampler.root
    }
    forked = sorted((p for p in parent if parent[p] in servers), key=lambda p: (first_seen[p], p))
    # mp.Manager() is entered before the pool in distilabel's LocalPipeline.run: its server comes first.
    manager = next((p for p in forked if p not in step_pids), None)
    for pid in parent:
        if pid == sampler.root:
            continue
        if pid in servers:
            roles[pid] = "forkserver"
        elif pid == manager:
            roles[pid] = "manager"
        elif pid in forked:
            roles[pid] = "worker"
        elif "resource_tracker" in sampler.cmdlines.get(pid, ""):
            roles[pid] = "resource_tracker"
        else:
            roles[pid] = "other"
    return roles


def _step_spans(log: Path) -> dict[int, list[tuple[float, float, str]]]:
    """pid -> [(start, end, step)] from the workers' log; an unfinished step runs to the end."""
    spans: dict[int, list[tuple[float, float, str]]] = {}
    started: dict[tuple[int, str], float] = {}
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    for line in lines:
        pid_s, event, step, t_s = line.split()
        pid, t = int(pid_s), float(t_s)
        if event == "start":
            started[(pid, step)] = t
        else:
            spans.setdefault(pid, []).append((started.pop((pid, step), t), t, step))
    for (pid, step), t in started.items():
        spans.setdefault(pid, []).append((t, float("inf"), step))
    return spans


def _step_of(spans: dict[int, list[tuple[float, float, str]]], pid: int, t: float) -> tuple[str, bool] | None:
    """The last step `pid` started by time t, and whether it was still running then."""
    best = None
    for a, b, step in spans.get(pid, ()):
        if a - 0.3 <= t and (best is None or a > best[0]):  # 0.3 s: log line vs sample tick
            best = (a, b, step)
    return (best[2], t <= best[1] + 0.3) if best else None


def _mib(b: float | None) -> float | None:
    return None if b is None else round(b / MIB, 1)


def _trio(mem: list[int]) -> dict[str, float | None]:
    return dict(zip(("rss", "pss", "uss"), (_mib(x) for x in mem)))


def analyse(sampler: TreeSampler, log: Path) -> dict:
    spans = _step_spans(log)
    roles = _roles(sampler, set(spans))
    samples = sampler.samples
    has_pss = all(v[2] is not None for _, snap in samples for v in snap.values())
    tree = [(t, *(sum(v[i] or 0 for v in snap.values()) for i in (1, 2, 3))) for t, snap in samples]
    peak_at = max(tree, key=lambda x: x[2])[0] if tree else 0.0
    by_role: dict[str, list[int]] = {}  # role -> peak summed [rss, pss, uss]
    running: dict[str, list[int]] = {}  # step -> peak [rss, pss, uss] of its worker while it ran
    after: dict[str, list[int]] = {}  # step -> [rss, pss, uss] its worker kept after it, last sample
    cpu: dict[int, float] = {}
    top_worker = (0, 0, 0, None)  # rss, pss, uss, step
    for t, snap in samples:
        sums: dict[str, list[int]] = {}
        for pid, (_, rss, pss, uss, cpu_s) in snap.items():
            mem = [rss, pss or 0, uss or 0]
            role = roles.get(pid, "other")
            sums[role] = [a + b for a, b in zip(sums.get(role, [0, 0, 0]), mem)]
            cpu[pid] = max(cpu.get(pid, 0.0), cpu_s)
            if role != "worker":
                continue
            at = _step_of(spans, pid, t)
            if rss > top_worker[0]:
                top_worker = (*mem, at[0] if at else None)
            if at and at[1]:
                running[at[0]] = [max(a, b) for a, b in zip(running.get(at[0], [0, 0, 0]), mem)]
            elif at:
                after[at[0]] = mem
        for role, mem in sums.items():
            by_role[role] = [max(a, b) for a, b in zip(by_role.get(role, [0, 0, 0]), mem)]
    cpu_by_role: dict[str, float] = {}
    for pid, c in cpu.items():
        cpu_by_role[roles.get(pid, "other")] = cpu_by_role.get(roles.get(pid, "other"), 0.0) + c
    t0 = samples[0][0] if samples else 0.0
    starts = sorted((a, step) for v in spans.values() for a, _, step in v)
    # Tree PSS and driver RSS when each step starts (first sample after it): how the totals build up.
    at_start: dict[str, dict[str, float | None]] = {}
    for a, step in starts:
        t, snap = next(((t, snap) for t, snap in samples if t >= a), samples[-1])
        tree_pss = sum(v[2] or 0 for v in snap.values())
        at_start[step] = {"tree_pss": _mib(tree_pss), "driver_rss": _mib(snap.get(sampler.root, (0, 0))[1])}
    floor = [x[2] for x in tree if starts and x[0] < starts[0][0]]
    return {
        "samples": len(samples),
        "processes_max": max((len(s) for _, s in samples), default=0),
        "pss_readable": has_pss,
        "peak_tree_pss_mib": _mib(max(x[2] for x in tree)) if has_pss and tree else None,
        "peak_tree_uss_mib": _mib(max(x[3] for x in tree)) if has_pss and tree else None,
        "peak_tree_rss_mib": _mib(max((x[1] for x in tree), default=0)),
        "peak_tree_pss_at_s": round(peak_at - t0, 1),
        "tree_pss_before_first_step_mib": _mib(max(floor)) if floor else None,
        "when_step_started_mib": at_start,
        "peak_parent_rss_mib": _mib(by_role.get("driver", [0])[0]),
        "peak_parent_pss_mib": _mib(by_role.get("driver", [0, 0])[1]) if has_pss else None,
        "peak_worker_rss_mib": _mib(top_worker[0]),
        "peak_worker_pss_mib": _mib(top_worker[1]) if has_pss else None,
        "peak_worker_step": top_worker[3],
        "peak_by_role_mib": {role: _trio(m) for role, m in sorted(by_role.items())},
        "cpu_s_by_role": {role: round(c, 1) for role, c in sorted(cpu_by_role.items())},
        "worker_peak_while_running_mib": {step: _trio(m) for step, m in running.items()},
        "worker_kept_after_step_mib": {step: _trio(m) for step, m in after.items()},
    }


def measure(mode: str, n_docs: int, scale: float, batch_size: int, interval: float, workdir: Path) -> dict:
    out_dir = workdir / f"{mode}_{n_docs}"
    out_dir.mkdir(parents=True)
    log = out_dir / "steps.log"
    env = {**os.environ, STEP_LOG_ENV: str(log), "PYTHONPATH": os.pathsep.join([str(ROOT), str(FAKES)])}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(n_docs), str(out_dir), mode]
    cmd += [str(scale), str(batch_size)]
    started = time.time()
    with open(out_dir / "child.log", "w", encoding="utf-8") as child_log:
        proc = subprocess.Popen(cmd, env=env, stdout=child_log, stderr=subprocess.STDOUT, cwd=ROOT)
        sampler = TreeSampler(proc.pid, interval)
        sampler.start()
        rc = proc.wait()
    sampler.stop.set()
    sampler.join()
    if rc != 0:
        tail = (out_dir / "child.log").read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"{mode} run with {n_docs} docs failed (rc {rc}):\n{tail}")
    info = json.loads((out_dir / "child_result.json").read_text(encoding="utf-8"))
    return {"mode": mode, **info, "process_s": round(time.time() - started, 1), **analyse(sampler, log)}


def _growth(small: dict, big: dict, key: str, what: str) -> dict:
    """big - small for every entry of small[key] / big[key] (dicts of {rss, pss, uss})."""
    out = {}
    for name in sorted(set(small[key]) | set(big[key])):
        a, b = small[key].get(name, {}), big[key].get(name, {})
        out[name] = round((b.get(what) or 0) - (a.get(what) or 0), 1)
    return out


def compare(small: dict, big: dict, factor: int) -> dict:
    key = "peak_tree_pss_mib" if small.get("peak_tree_pss_mib") else "peak_tree_rss_mib"
    names = ("peak_tree_pss_mib", "peak_tree_uss_mib", "peak_tree_rss_mib", "peak_parent_rss_mib")
    ratios = {
        k: round(big[k] / small[k], 2) for k in (*names, "peak_worker_rss_mib") if small.get(k) and big.get(k)
    }
    extra_docs = big["docs"] - small["docs"]
    delta = {
        k: round(big[k] - small[k], 1) for k in names if small.get(k) is not None and big.get(k) is not None
    }
    per_doc_kib = delta[key] * 1024 / extra_docs if extra_docs else 0.0
    verdict = (
        f"{key} {small[key]:.0f} -> {big[key]:.0f} MiB for {factor}x docs (x{ratios.get(key, 0):.2f}): "
        f"{'sublinear' if ratios.get(key, factor) < factor else 'NOT sublinear'}; "
        f"+{delta[key]:.0f} MiB = {per_doc_kib:.0f} KiB per extra doc, of which summed RSS "
        f"+{delta.get('peak_tree_rss_mib', 0):.0f} MiB (the rest is pages that stopped being shared)"
    )
    return {
        "ratio_big_over_small": ratios,
        "delta_mib": delta,
        # Per process, USS (private pages) is the growth measure: PSS also moves when other processes
        # stop sharing a page. USS up with RSS flat = pages copied on write, not new data.
        "uss_growth_by_role_mib": _growth(small, big, "peak_by_role_mib", "uss"),
        "rss_growth_by_role_mib": _growth(small, big, "peak_by_role_mib", "rss"),
        "worker_uss_growth_by_step_mib": _growth(small, big, "worker_peak_while_running_mib", "uss"),
        "worker_rss_growth_by_step_mib": _growth(small, big, "worker_peak_while_running_mib", "rss"),
        "verdict": verdict,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--docs", type=int, default=20, help="base corpus size N (the big run is N * --factor)"
    )
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--modes", default="sequential,streaming", help="comma list of sequential, streaming")
    # distilabel's driver re-serialises the pipeline after every batch (0.2-0.4 s here): with the fake
    # config's 4 the 200-doc run takes 5 minutes instead of 80 s.
    parser.add_argument("--batch-size", type=int, default=16, help="run.input_batch_size")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between memory samples")
    parser.add_argument(
        "--fixed-generation",
        action="store_true",
        help="plan the same QA count at every size (default: scale)",
    )
    parser.add_argument("--keep", help="keep the run folders here instead of a temporary folder")
    parser.add_argument("--out", help="write the JSON results here")
    parser.add_argument(
        "--child", nargs=5, metavar=("N", "DIR", "MODE", "SCALE", "BATCH"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child:
        n, out_dir, mode, scale, batch = args.child
        child(int(n), out_dir, mode, float(scale), int(batch))
        return {}
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = sorted(set(modes) - set(MODES))
    if unknown:
        parser.error(f"unknown modes {unknown}; known: {sorted(MODES)}")
    sizes = [args.docs, args.docs * args.factor]
    results: dict = {
        "sizes": sizes,
        "batch_size": args.batch_size,
        "generation_scaled": not args.fixed_generation,
        "interval_s": args.interval,
        "cpus": os.cpu_count(),
        "modes": {},
    }
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="memscale_") as tmp:
        workdir = Path(args.keep) if args.keep else Path(tmp)
        for mode in modes:
            runs = []
            for n in sizes:
                scale = 1.0 if args.fixed_generation else n / GEN_REF_DOCS
                run = measure(mode, n, scale, args.batch_size, args.interval, workdir)
                print(
                    f"[memscale] {mode} {n} docs: {run['wall_s']} s, {run['rows']} rows, tree PSS "
                    f"{run['peak_tree_pss_mib']} MiB, tree RSS {run['peak_tree_rss_mib']} MiB, driver RSS "
                    f"{run['peak_parent_rss_mib']} MiB",
                    file=sys.stderr,
                    flush=True,
                )
                runs.append(run)
            results["modes"][mode] = {"runs": runs, **compare(runs[0], runs[1], args.factor)}
    results["total_s"] = round(time.time() - started, 1)
    print(json.dumps(results, indent=2))
    for mode, res in results["modes"].items():
        print(f"{mode}: {res['verdict']}")
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
