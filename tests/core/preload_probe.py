"""Run by test_core_worker_start: which modules a fresh step worker already holds from the fork
server's preload, before any step is unpickled in it. argv = module names; prints a JSON list."""

import json
import sys


def loaded(names: list[str]) -> list[bool]:
    return [name in sys.modules for name in names]


if __name__ == "__main__":
    from synth_hf.distilabel_compat import worker_start

    worker_start.use_fork_server(True)
    from distilabel.pipeline import local

    with local._NoDaemonPool(1) as pool:
        print(json.dumps(pool.apply(loaded, (sys.argv[1:],))))
