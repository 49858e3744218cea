"""vLLM engine (V1 offline API): fast batched generation, native JSON, one-prefill yes/no.

vLLM is imported only inside `load()` — importing it costs several seconds and most
callers (config validation, tests, the CLI) never start an engine.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import math
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr

from synth_hf.models.base import Completion, GenParams, SynthLLM, request_seed
from synth_hf.models.embedded import EMBEDDED_LLM_NAME
from synth_hf.models.prompts import render_prompt
from synth_hf.models.resolve import is_embedded, load_error, resolve_model
from synth_hf.models.vllm_cpu import LoadPlan, applied_env, cpu_engine_env, plan_load, preload_wanted
from synth_hf.models.yesno import answer_token_ids
from synth_hf.runtime.spinner import track

# The embedded Gemma supports 32k tokens; 4k keeps the CPU KV cache (and load time) small.
EMBEDDED_MAX_MODEL_LEN = 4096
_MISSING_HINTS = ("not found", "does not exist", "no such", "repository", "snapshot", "config.json")


class VLLMEngine(SynthLLM):
    """vLLM offline engine; on CPU it gets every core and an eager/compiled start-up by workload
    (see `synth_hf.models.vllm_cpu`). Loading raises ModelNotFoundError for a missing model and
    ValueError for settings vLLM or this machine cannot run."""

    model: str | None = Field(
        default=None, description="Local folder or Hub id; None = embedded Gemma-3-270M."
    )
    device: str = Field(
        default="auto", description="'auto', 'cpu' or 'cuda'; only validated (vLLM picks its platform)."
    )
    dtype: str = Field(
        default="auto",
        description="'auto' keeps the checkpoint dtype on CPU (vLLM would down-cast float32), vLLM's choice on GPU.",
    )
    max_model_len: int | None = Field(
        default=None, description="None: 4096 for the embedded model, else the model's own."
    )
    tensor_parallel_size: int = Field(default=1, ge=1)
    gpu_memory_utilization: float = Field(default=0.85, gt=0, le=1)
    enforce_eager: bool | None = Field(
        default=None,
        description="None: chosen by `plan_load` - compiled + CUDA graphs on GPU; on CPU eager unless "
        "expected_decode_tokens is large enough to win back torch.compile's start-up (~78 s for ~9%).",
    )
    expected_decode_tokens: int | None = Field(
        default=None, ge=0, description="Tokens this engine is expected to generate in the run (load policy)."
    )
    seed: int | None = None
    cpu_kvcache_space_gb: int | None = Field(
        default=2, ge=1, description="Sets VLLM_CPU_KVCACHE_SPACE on CPU; None leaves the environment alone."
    )
    # vLLM schedules its own batches: a call split into small sub-batches idles the engine on each one's tail
    batch_size: int = Field(default=256, ge=1, description="Prompts per vLLM generate call (vLLM schedules within it).")
    trust_remote_code: bool = False
    extra_engine_args: dict[str, Any] = Field(default_factory=dict)
    native_structured_output: bool = True

    _llm: Any = PrivateAttr(None)
    _tokenizer: Any = PrivateAttr(None)
    _answer_ids: tuple[list[int], list[int]] | None = PrivateAttr(None)
    _load_s: float | None = PrivateAttr(None)
    _warm_up_s: float | None = PrivateAttr(None)
    _added_env: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def model_name(self) -> str:
        return EMBEDDED_LLM_NAME if is_embedded(self.model) else str(self.model)

    # ---- lifecycle ------------------------------------------------------------------
    def preflight(self) -> None:
        """Device and tensor parallelism fit this machine; a named model is an existing folder or a
        Hub id (nothing loaded, vLLM not imported)."""
        self._check_hardware()
        if not is_embedded(self.model):
            resolve_model(self.model)

    def load(self) -> None:
        super().load()
        if self._llm is not None:
            return
        on_gpu = self._check_hardware()  # before anything slow: GPU-only options fail fast
        path = resolve_model(self.model)
        if not on_gpu and self.cpu_kvcache_space_gb is not None:
            # Read by the engine-core process at start; the default (4 GiB+) is too much here.
            os.environ["VLLM_CPU_KVCACHE_SPACE"] = str(self.cpu_kvcache_space_gb)
        if multiprocessing.parent_process() is None or (not on_gpu and preload_wanted()):
            # The engine core would be forked from a process that may already have run torch on
            # several threads, and a forked OpenMP pool hangs. Pipeline step workers are clean
            # (started from a fork server), but only a spawned core can preload tcmalloc: on 2 cores
            # the GraphGen probe ran at 638 tok/s spawned vs 381 forked (benchmarks/graphgen_run.py).
            os.environ.setdefault("VLLM_WORKER_MULTIPROC_METHOD", "spawn")
        kwargs: dict[str, Any] = {
            "model": path,
            "dtype": self._resolved_dtype(path, on_gpu),
            "tensor_parallel_size": self.tensor_parallel_size,
            "gpu_memory_utilization": self.gpu_memory_utilization,
            "enforce_eager": self.load_plan(on_gpu).enforce_eager,
            "trust_remote_code": self.trust_remote_code,
        }
        max_len = self.max_model_len or (EMBEDDED_MAX_MODEL_LEN if is_embedded(self.model) else None)
        if max_len:
            kwargs["max_model_len"] = max_len
        if self.seed is not None:
            kwargs["seed"] = self.seed
        kwargs.update(self.extra_engine_args)

        from vllm import LLM

        # vLLM's engine processes copy the environment when they start: all cores, and the preload
        # only where they exec a fresh interpreter (spawn); a forked child cannot preload anything.
        spawned = os.environ.get("VLLM_WORKER_MULTIPROC_METHOD") == "spawn"
        self._added_env = {} if on_gpu else cpu_engine_env(preload=None if spawned else [])
        started = time.perf_counter()
        mode = "eager" if kwargs["enforce_eager"] else "compiled"
        try:  # elapsed time in the main process (off in pipeline workers, whose stage row shows it)
            with applied_env(self._added_env), track(f"loading {self.model_name} (vLLM, {mode})", heartbeat=True):
                llm = LLM(**kwargs)
        except OSError as err:  # missing files / unreachable Hub id
            raise load_error(self.model, err) from err
        except ValueError as err:
            # vLLM also raises ValueError for bad settings (e.g. max_model_len); only a
            # missing model should read as "unknown model".
            if any(hint in str(err).lower() for hint in _MISSING_HINTS):
                raise load_error(self.model, err) from err
            raise ValueError(f"vLLM could not start '{self.model_name}': {err}") from err
        self._llm = llm
        self._tokenizer = llm.get_tokenizer()
        self._warm_up_s = self._warm_up()
        self._load_s = time.perf_counter() - started

    def _warm_up(self) -> float:
        """Seconds of one 2-token request through the new engine, with the yes/no answer tokens'
        logprobs where the tokenizer has them: its first-request set-up is paid in the load, not by
        the first batch (the local server does the same, `synth_hf.models.serve.warm_up`). Best
        effort: a failure is logged and left to the first real call to report."""
        from vllm import SamplingParams

        started = time.perf_counter()
        try:
            extra: dict[str, Any] = {}
            with contextlib.suppress(ValueError):  # no single-token yes/no: a generation-only model
                self._answer_ids = self._answer_ids or answer_token_ids(self._tokenizer)
                extra["logprob_token_ids"] = self._answer_ids[0] + self._answer_ids[1]
            prompt = [{"prompt_token_ids": self._tokenizer.encode("Water boils at")}]
            self._llm.generate(prompt, SamplingParams(max_tokens=2, temperature=0.0, **extra), use_tqdm=False)
        except Exception as err:  # noqa: BLE001 - never fails a load that succeeded
            logging.getLogger("synth_hf").warning("%s: warm-up request failed: %s", self.model_name, err)
        return time.perf_counter() - started

    def load_plan(self, on_gpu: bool | None = None) -> LoadPlan:
        """Eager or compiled start-up for this engine and why (`plan_load`); `on_gpu` None checks
        the hardware (cheap, loads nothing)."""
        if on_gpu is None:
            on_gpu = self._check_hardware()
        return plan_load(
            on_gpu=on_gpu,
            enforce_eager=self.enforce_eager,
            expected_decode_tokens=self.expected_decode_tokens,
        )

    def engine_load(self) -> dict:
        """The `engine_load` summary entry: the plan, plus load seconds (with the first request's,
        `warm_up_s`) and the variables synth_hf added once loaded."""
        info = {"engine": f"vllm:{self.model_name}", **self.load_plan().as_dict()}
        if self._load_s is not None:
            info |= {"load_s": round(self._load_s, 1), "warm_up_s": round(self._warm_up_s or 0.0, 1),
                     "env": dict(self._added_env)}  # fmt: skip
        return info

    def unload(self) -> None:
        """V1 runs the engine core in a child process: shut it down explicitly, otherwise
        its memory (weights + KV cache) lingers until interpreter exit and a second
        `load()` in the same process would double the footprint."""
        llm, self._llm, self._tokenizer, self._answer_ids = self._llm, None, None, None
        if llm is not None:
            engine = getattr(llm, "llm_engine", None)
            core = getattr(engine, "engine_core", None)
            if core is not None:
                core.shutdown()
            del llm, engine, core
            gc.collect()
            try:
                from vllm.distributed.parallel_state import cleanup_dist_env_and_memory

                cleanup_dist_env_and_memory()
            except (ImportError, RuntimeError) as err:  # best effort: often nothing to clean on CPU
                logging.getLogger(__name__).debug("vLLM cleanup skipped: %s", err)
        super().unload()

    def _check_hardware(self) -> bool:
        import torch

        gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if self.device.startswith("cuda") and gpus == 0:
            raise ValueError(
                f"device='{self.device}' was requested but no CUDA GPU is available on this machine"
            )
        if self.device not in ("auto", "cpu") and not self.device.startswith("cuda"):
            raise ValueError(f"Unsupported device '{self.device}' for vLLM: use 'auto', 'cpu' or 'cuda'")
        on_gpu = gpus > 0 and self.device != "cpu"
        if self.tensor_parallel_size > 1 and self.tensor_parallel_size > gpus:
            raise ValueError(
                f"tensor_parallel_size={self.tensor_parallel_size} needs that many GPUs; "
                f"{gpus} CUDA GPU(s) available on this machine"
            )
        return on_gpu

    def _resolved_dtype(self, path: str, on_gpu: bool) -> str:
        if self.dtype != "auto" or on_gpu:
            return self.dtype
        # On CPU vLLM's "auto" turns float32 checkpoints into bf16, which shifts p(yes) by
        # several points against the transformers engine; keep the checkpoint's dtype.
        try:
            config = json.loads((Path(path) / "config.json").read_text())
        except (OSError, ValueError):
            return "auto"
        dtype = config.get("torch_dtype") or config.get("dtype")
        return dtype if dtype in ("float32", "bfloat16", "float16") else "auto"

    @property
    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            self.load()
        return self._tokenizer

    # ---- primitives -----------------------------------------------------------------
    def _token_prompts(self, prompts: list[list[dict]]) -> list[dict]:
        """Tokenize here (not in vLLM) so BOS handling matches the transformers engine:
        a rendered chat template already has BOS, a plain prompt gets the tokenizer's."""
        tok = self._tokenizer
        add_special = not (getattr(tok, "chat_template", None) and self.use_chat_template is not False)
        return [
            {
                "prompt_token_ids": tok.encode(
                    render_prompt(p, tok, self.use_chat_template), add_special_tokens=add_special
                )
            }
            for p in prompts
        ]

    def _complete(self, prompts: list[list[dict]], params: GenParams) -> list[Completion]:
        from vllm import SamplingParams

        if self._llm is None:
            self.load()
        extra: dict[str, Any] = {}
        if params.json_schema is not None:
            from vllm.sampling_params import StructuredOutputsParams

            extra["structured_outputs"] = StructuredOutputsParams(json=params.json_schema)
        sampling = [  # one per prompt: each distinct prompt samples its own stream (request_seed)
            SamplingParams(
                n=params.n,
                max_tokens=params.max_new_tokens,
                temperature=params.temperature,
                top_p=params.top_p if params.temperature > 0 else 1.0,
                stop=params.stop or None,
                seed=request_seed(params.seed, prompt),
                **extra,
            )
            for prompt in prompts
        ]
        outputs = self._llm.generate(self._token_prompts(prompts), sampling, use_tqdm=False)
        return [
            Completion(
                texts=[o.text for o in out.outputs],
                input_tokens=len(out.prompt_token_ids or []),
                output_tokens=[len(o.token_ids) for o in out.outputs],
            )
            for out in outputs
        ]

    def _answer_token_probs(self, prompts: list[list[dict]]) -> list[tuple[float, float]]:
        from vllm import SamplingParams

        if self._llm is None:
            self.load()
        if self._answer_ids is None:
            self._answer_ids = answer_token_ids(self._tokenizer)
        yes_ids, no_ids = self._answer_ids
        # One prefill per prompt: 1 token, and logprobs of exactly our answer ids
        # (vLLM returns raw log-softmax values, before temperature).
        sampling = SamplingParams(max_tokens=1, temperature=0.0, logprob_token_ids=yes_ids + no_ids)
        outputs = self._llm.generate(self._token_prompts(prompts), sampling, use_tqdm=False)
        self._scored_prompt_tokens += sum(len(out.prompt_token_ids or []) for out in outputs)
        masses = []
        for out in outputs:
            logprobs = out.outputs[0].logprobs
            if not logprobs:
                raise RuntimeError("vLLM returned no logprobs for the answer token")
            first = logprobs[0]  # the sampled token is included too; only our ids count
            yes = sum(math.exp(first[i].logprob) for i in yes_ids if i in first)
            no = sum(math.exp(first[i].logprob) for i in no_ids if i in first)
            masses.append((yes, no))
        return masses
