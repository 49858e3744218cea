import os

# Tests never reach the Hub: everything they load ships with the installed packages.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


import pytest
from harness import on_worker_path


@pytest.fixture(scope="module")
def fakes_on_worker_path(request):
    """The requesting test module's folder on PYTHONPATH, so step workers import its fake responders."""
    with on_worker_path(request.path.parent):
        yield


@pytest.fixture(autouse=True)
def _console_log_level_per_test():
    """`synth-hf -v` sets SYNTH_HF_LOG_LEVEL for its process (one command per process outside tests);
    in one pytest process a `main([..., "-v"])` would leave every later test's console verbose."""
    before = os.environ.get("SYNTH_HF_LOG_LEVEL")
    yield
    if before is None:
        os.environ.pop("SYNTH_HF_LOG_LEVEL", None)
    else:
        os.environ["SYNTH_HF_LOG_LEVEL"] = before


def pytest_sessionfinish(session, exitstatus):
    session.config._synth_hf_exitstatus = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    # After every test has run and the summary is printed, interpreter teardown (torch/vLLM native
    # threads, forked workers) once segfaulted in CI after "978 passed": end with pytest's own status.
    status = getattr(config, "_synth_hf_exitstatus", None)
    if status is not None:
        import sys

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
