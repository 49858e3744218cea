"""Training and evaluation get every core back when something earlier shrank torch's pool."""

from __future__ import annotations

import pytest
import torch

from synth_hf.compute_threads import usable_cores, use_all_cores


@pytest.fixture
def restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.mark.skipif(usable_cores() < 2, reason="needs 2 or more cores")
def test_a_shrunk_pool_is_restored_to_every_core(monkeypatch, restore_threads) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    torch.set_num_threads(1)  # what vLLM does to its scheduler process
    assert use_all_cores() == usable_cores() == torch.get_num_threads()


def test_the_users_omp_num_threads_is_kept(monkeypatch, restore_threads) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)
    assert use_all_cores() == 1 == torch.get_num_threads()
