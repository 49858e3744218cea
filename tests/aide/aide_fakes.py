"""Fake-engine AIDE runs for the resume, empty-stream and budget tests (imported by FakeLLM in
distilabel's worker processes, so this folder must be on PYTHONPATH).

Call log: one line "<kind> <generation of the item>" per call to $AIDE_FAKE_LOG; $AIDE_FAKE_DELAY
seconds of sleep per call (so a run can be killed part-way)."""

from __future__ import annotations

import hashlib
import os
import time

from synth_hf.steps.aide.fake_responder import existing_item, generation, kind, last_item, respond

SEEDS = [
    {"question": "SEEDALPHA how do volcanoes form?", "answer": "magma rises through the crust"},
    {"question": "SEEDBETA why is the sky blue?", "answer": "rayleigh scattering of sunlight"},
    {"question": "SEEDGAMMA what makes tides?", "answer": "the pull of the moon"},
    {"question": "", "answer": "a seed without a question is counted, not used"},
]


def _log(prompt: str) -> None:
    path = os.environ.get("AIDE_FAKE_LOG")
    what = kind(prompt)
    if path:
        item = existing_item(prompt) if what.endswith("synthesis") else last_item(prompt)
        with open(path, "a", encoding="utf-8") as fh:  # one write per line: safe across processes
            fh.write(f"{what} {generation(item)}\n")
    delay = float(os.environ.get("AIDE_FAKE_DELAY", "0"))
    if delay:
        time.sleep(delay)


def some_unparseable(prompt: str, index: int) -> str:
    """The normal fake model, except that one synthesis reply in four is empty (a drop)."""
    _log(prompt)
    reply = respond(prompt, index)
    if (
        kind(prompt).endswith("synthesis")
        and int(hashlib.sha256(prompt.encode()).hexdigest()[:4], 16) % 4 == 0
    ):
        return ""
    return reply


def no_synthesis(prompt: str, index: int) -> str:
    """The normal fake model, except that no synthesis reply holds a question (every child is
    dropped, so hop 1 produces nothing)."""
    _log(prompt)
    return "" if kind(prompt).endswith("synthesis") else respond(prompt, index)


def config_data(out_dir: str, name: str, responder: str = "some_unparseable", **sections) -> dict:
    data = {
        "run": {"output_dir": out_dir, "name": name, "use_cache": True, "input_batch_size": 2},
        "engine": {"engine": "fake", "options": {"responder": f"aide_fakes:{responder}"}},
        "seeds": {"rows": SEEDS},
        "expansion": {"depth": 2, "attributes_per_node": 1, "operations_per_node": 2, "personas_per_node": 1},
        "personas": {"embedder": "hashing", "cache_dir": os.path.join(out_dir, "emb"), "per_seed": 2},
        "quality_report": False,
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return data
