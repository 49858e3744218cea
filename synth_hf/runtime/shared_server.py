"""One local vLLM server of the embedded model standing in for a run's in-process engines.

Both recipes (GraphGen, AIDE) run their pipeline inside `shared_embedded_server`: every role whose
engine is the embedded in-process default (`transformers`, no model) is pointed at one temporary
OpenAI-compatible server, so the model loads once and all steps share its continuous batching.
Roles naming another engine or model are left as configured. The server stops when the block ends,
so training and evaluation after it get every core. What a re-run uses stays the configured config:
`SharedServer.record` writes that as the run's `config.yaml` (with a note) and adds the server's
start-up report to `summary.json` under `engine_load`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synth_hf.config import EngineConfig

SERVER_CONCURRENCY = 16  # requests in flight from each step to the shared server


def is_embedded_in_process(engine: Any) -> bool:
    """True for an `EngineConfig` that runs the embedded model in this process (`transformers`
    engine, no model named); its options (batch size, retries) do not change that."""
    return isinstance(engine, EngineConfig) and engine.engine == "transformers" and engine.model is None


def served_engine(url: str, replaced: EngineConfig) -> EngineConfig:
    """The OpenAI-compatible engine pointing at `url` that stands in for `replaced`: the options
    every engine understands (e.g. `structured_retries`, `max_new_tokens`) carry over; `batch_size`
    and in-process options (device, dtype) do not, since the server batches requests itself."""
    from synth_hf.models.base import SynthLLM

    common = set(SynthLLM.model_fields) - {"batch_size"}
    kept = {k: v for k, v in replaced.options.items() if k in common}
    from synth_hf.models.embedded import EMBEDDED_LLM_NAME

    # labels and cards name the model, not a temporary localhost URL
    shown = f"{EMBEDDED_LLM_NAME} via local vLLM server"
    # the embedded model is a base model: /completions at once, not a refused chat request and a warning
    return EngineConfig(engine="openai", options={**kept, "base_url": url, "concurrency": SERVER_CONCURRENCY,
                                                  "display_name": shown, "use_completions_api": True})  # fmt: skip


def _fields(roles: Sequence[str]) -> str:
    return ", ".join(f"`{role}`" for role in roles)


@dataclass
class SharedServer:
    """The outcome of `shared_embedded_server`: `config` is what to run (served roles point at the
    server), `configured` what was asked for (what a re-run uses), `roles` the roles served
    (empty: nothing was started), `server` the `LocalServer` (None when none was started)."""

    config: Any
    configured: Any
    roles: list[str] = field(default_factory=list)
    server: Any = None
    started_by: str = "synth_hf"

    def note(self) -> str:
        """The comment heading the run's `config.yaml` after a served run."""
        return (
            f"This run's {_fields(self.roles)} used one temporary local vLLM server of the embedded model\n"
            f"({self.started_by}); re-running this file uses the in-process engines below instead."
        )

    def record(self, result: Any) -> None:
        """After the pipeline ran: add the server's `engine_load` entry (mode, reason, load s, cores as
        vLLM reports them) to `result.summary` and its `summary.json`, print it, and write the configured
        config as the run's `config.yaml` (the server's URL dies with it). Does nothing when no server ran."""
        if self.server is None:
            return
        from synth_hf.runtime.artifacts import record_config
        from synth_hf.summary import save_summary

        entry = self.server.engine_load()
        result.summary["engine_load"] = {**(result.summary.get("engine_load") or {}), "server": entry}
        save_summary(result.summary, Path(result.run_dir) / "summary.json")
        print(f"engine load (server): {entry['mode']}, {entry['load_s']} s - {entry['reason']}", flush=True)
        record_config(result.run_dir, self.configured, note=self.note())


@contextlib.contextmanager
def shared_embedded_server(
    config: Any,
    roles: Sequence[str],
    *,
    enabled: bool = True,
    log_path: str | Path | None = None,
    started_by: str = "synth_hf",
    extra_args: list[str] | None = None,
    schemas: Sequence[dict] | None = None,
) -> Iterator[SharedServer]:
    """Serve the embedded model for the `roles` (field names of the pydantic `config`) whose engine is
    the embedded in-process default, for the duration of the block.

    Yields a `SharedServer`. Nothing is started when `enabled` is False or no role qualifies (a role
    set to None, e.g. an AIDE grader that follows the synthesizer, is not one; it follows the served
    role). `extra_args` go to the server's command line (e.g. `serve.SEEDED_SERVER_ARGS` for a pipeline
    that seeds its sampling, as AIDE does). `schemas`: the JSON schemas the run will send, compiled in
    the server's start (None: those the served roles send, `synth_hf.pipelines.schemas.native_schemas`).
    The server's log goes to `log_path`; it always stops when the block ends. Raises what
    `synth_hf.models.serve.start_local_vllm_server` raises (RuntimeError, TimeoutError) when the
    server cannot start.
    """
    from synth_hf.models import serve
    from synth_hf.workflow import log

    served = [role for role in roles if is_embedded_in_process(getattr(config, role))] if enabled else []
    if not served:
        yield SharedServer(config=config, configured=config, started_by=started_by)
        return
    log("serve", f"starting a local vLLM server of the embedded model for {_fields(served)} (~1 min)")
    from synth_hf.pipelines.schemas import native_schemas

    schemas = native_schemas(config, served) if schemas is None else list(schemas)
    with serve.start_local_vllm_server(log_path=log_path, extra_args=extra_args, warm_schemas=schemas) as server:
        warmed = server.warmed or {}
        compiled = f", {warmed['schemas']} JSON schemas compiled" if warmed.get("schemas") else ""
        said = f", first requests {warmed['warm_up_s']} s{compiled}" if warmed.get("ok") else ""
        log("serve", f"{server.plan.mode} start in {server.load_s:.0f} s{said} ({server.plan.reason}); "
            f"cores: {server.core_report()}")  # fmt: skip
        update = {role: served_engine(server.url, getattr(config, role)) for role in served}
        yield SharedServer(config.model_copy(update=update), config, served, server, started_by)
    log("serve", "local vLLM server stopped")
