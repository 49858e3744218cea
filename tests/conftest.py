import os

# Tests never reach the Hub: everything they load ships with the installed packages.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# distilabel forks its step workers. A child that runs torch after the parent already ran a
# multi-threaded OpenMP region deadlocks (libgomp is not fork-safe), which hung AIDE's real-model
# pipeline test when earlier tests had used torch in this process. Keep the test process
# single-threaded; each step worker restores its own thread count when it loads an engine.
import torch

torch.set_num_threads(1)
