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
