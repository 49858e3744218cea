"""Imported last by the step-worker fork server (see `worker_start.PRELOAD`).

Freezing the preloaded heap keeps the workers' garbage collector away from it: a full collection
in a worker would otherwise touch every inherited object and copy ~80 MiB of shared pages into each
worker (measured by benchmarks/memory_scale.py)."""

import gc

gc.collect()
gc.freeze()
