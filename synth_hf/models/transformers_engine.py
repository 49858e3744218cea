"""transformers engine: batched left-padded generation and one-pass yes/no scoring."""

from __future__ import annotations

from typing import Any

from pydantic import Field, PrivateAttr

from synth_hf.models.base import Completion, GenParams, SynthLLM
from synth_hf.models.embedded import EMBEDDED_LLM_NAME
from synth_hf.models.prompts import render_prompt
from synth_hf.models.resolve import check_device, is_embedded, load_error, resolve_model
from synth_hf.models.yesno import answer_token_ids
from synth_hf.runtime.spinner import track


class TransformersEngine(SynthLLM):
    model: str | None = Field(default=None, description="Local folder or Hub id; None = embedded Gemma-3-270M.")
    device: str = "auto"
    dtype: str = "auto"
    batch_size: int = Field(default=8, ge=1)
    trust_remote_code: bool = False

    _model: Any = PrivateAttr(None)
    _tokenizer: Any = PrivateAttr(None)
    _answer_ids: tuple[list[int], list[int]] | None = PrivateAttr(None)

    @property
    def model_name(self) -> str:
        return EMBEDDED_LLM_NAME if is_embedded(self.model) else str(self.model)

    def preflight(self) -> None:
        """The device exists and a named model is an existing folder or a Hub id (nothing loaded)."""
        if self.device != "auto":
            import torch

            try:
                torch.device(self.device)
            except RuntimeError as err:
                raise ValueError(f"device={self.device!r} is not a torch device ({err})") from err
            check_device(self.device)
        if not is_embedded(self.model):
            resolve_model(self.model)

    def load(self) -> None:
        super().load()
        if self._model is not None:
            return
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        device = self.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        check_device(device)
        # elapsed time in the main process (off in pipeline workers, whose stage row shows it)
        with track(f"loading {self.model_name} (transformers)", heartbeat=True):
            path = resolve_model(self.model)
            try:
                tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=self.trust_remote_code)
                model = AutoModelForCausalLM.from_pretrained(
                    path, dtype=self.dtype, trust_remote_code=self.trust_remote_code
                )
            except (OSError, ValueError) as err:
                raise load_error(self.model, err) from err
        tokenizer.padding_side = "left"
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        self._tokenizer, self._model = tokenizer, model.to(device).eval()

    def unload(self) -> None:
        self._model = self._tokenizer = None
        super().unload()

    @property
    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            self.load()
        return self._tokenizer

    def _encode(self, prompts: list[list[dict]]) -> Any:
        texts = [render_prompt(p, self._tokenizer, self.use_chat_template) for p in prompts]
        # Rendered chat templates already carry BOS; plain prompts need the tokenizer's.
        add_special = not (self._tokenizer.chat_template and self.use_chat_template is not False)
        return self._tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=add_special).to(
            self._model.device
        )

    def _complete(self, prompts: list[list[dict]], params: GenParams) -> list[Completion]:
        import torch

        if self._model is None:
            self.load()
        batch = self._encode(prompts)
        kwargs: dict[str, Any] = {
            "max_new_tokens": params.max_new_tokens,
            "num_return_sequences": params.n,
            "pad_token_id": self._tokenizer.pad_token_id,
        }
        if params.temperature > 0:
            kwargs.update(do_sample=True, temperature=params.temperature, top_p=params.top_p)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if params.stop:
            kwargs.update(stop_strings=params.stop, tokenizer=self._tokenizer)
        if params.seed is not None:
            torch.manual_seed(params.seed)
        with torch.inference_mode():
            out = self._model.generate(**batch, **kwargs)
        new_tokens = out[:, batch["input_ids"].shape[1] :]
        prompt_lengths = batch["attention_mask"].sum(dim=1).tolist()
        results = []
        for i, prompt_len in enumerate(prompt_lengths):
            texts, counts = [], []
            for seq in new_tokens[i * params.n : (i + 1) * params.n]:
                ids = [t for t in seq.tolist() if t != self._tokenizer.pad_token_id]
                if self._tokenizer.eos_token_id in ids:
                    ids = ids[: ids.index(self._tokenizer.eos_token_id)]
                texts.append(_cut_at_stop(self._tokenizer.decode(ids, skip_special_tokens=True), params.stop))
                counts.append(len(ids))
            results.append(Completion(texts=texts, input_tokens=int(prompt_len), output_tokens=counts))
        return results

    def _answer_token_probs(self, prompts: list[list[dict]]) -> list[tuple[float, float]]:
        import torch

        if self._model is None:
            self.load()
        if self._answer_ids is None:
            self._answer_ids = answer_token_ids(self._tokenizer)
        yes_ids, no_ids = self._answer_ids
        batch = self._encode(prompts)
        self._scored_prompt_tokens += int(batch["attention_mask"].sum())
        with torch.inference_mode():
            # Left padding puts every prompt's last token at position -1.
            logits = self._model(**batch, logits_to_keep=1).logits[:, -1, :].float()
        probs = torch.softmax(logits, dim=-1)
        yes = probs[:, yes_ids].sum(dim=1).tolist()
        no = probs[:, no_ids].sum(dim=1).tolist()
        return list(zip(yes, no))


def _cut_at_stop(text: str, stops: list[str]) -> str:
    cut = len(text)
    for stop in stops:
        pos = text.find(stop)
        if pos != -1:
            cut = min(cut, pos)
    return text[:cut]
