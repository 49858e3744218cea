"""`synth-hf models`: the engines available here; prepares the embedded default model."""

from __future__ import annotations

import argparse
import json

from synth_hf.cli.args import add_command


def _models(args: argparse.Namespace) -> int:
    from synth_hf.models import available_engines
    from synth_hf.models.embedded import (
        embedded_embedder_dir,
        embedded_model_dir,
        ensure_embedded_model,
        is_prepared,
    )

    print("engines:")
    for name, state in available_engines().items():
        print(f"  {name:<13} {state}")
    if args.prepare:
        was_ready = is_prepared()
        path = ensure_embedded_model()
        print(f"embedded LLM:  {path} ({'cached' if was_ready else 'converted now'})")
    else:
        print(f"embedded LLM:  {embedded_model_dir()} ({'ready' if is_prepared() else 'not prepared yet'})")
    try:
        print(f"embedder:      {embedded_embedder_dir()}")
    except RuntimeError as err:
        print(f"embedder:      missing ({err})")
    if args.json:
        print(json.dumps(available_engines()))
    return 0


def register_cli(sub: argparse._SubParsersAction) -> None:
    models = add_command(
        sub, "models", _models, help="list engines and prepare the embedded default model",
        description="List the engines usable here and convert the embedded model once (cached).",
    )  # fmt: skip
    models.add_argument("--no-prepare", dest="prepare", action="store_false", help="do not convert the embedded model")
    models.add_argument("--json", action="store_true", help="also print the engine list as JSON")
