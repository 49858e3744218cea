"""train_lora + evaluate_model plumbing on a tiny random Llama with a BPE tokenizer (fast, CPU).

The tiny tokenizer, like the embedded Gemma one, has no chat template and does not add BOS.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
from datasets import Dataset

from synth_hf.evaluation import compare, evaluate_model, normalize_mcq, normalize_statements, report_markdown
from synth_hf.evaluation import report as report_mod
from synth_hf.evaluation.scoring import (
    continuation_logprobs,
    load_for_eval,
    prompt_ids,
    yes_no_scores,
)
from synth_hf.models.yesno import answer_token_ids
from synth_hf.train import PLAIN_CHAT_TEMPLATE, _prepare, detect_format, ensure_chat_template, train_lora

CORPUS = [
    "User: Assistant: True or false: Answer yes or no. Yes No yes no",
    "Metformin lowers glucose. Amoxicillin treats pneumonia. Lisinopril is an ACE inhibitor.",
]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    path = tmp_path_factory.mktemp("tiny-llama")
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<pad>", "<eos>", "<bos>", "<unk>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(CORPUS * 5, trainer)
    hf_tok = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>", unk_token="<unk>"
    )
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(hf_tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=256,
        bos_token_id=hf_tok.bos_token_id,
        eos_token_id=hf_tok.eos_token_id,
        pad_token_id=hf_tok.pad_token_id,
    )
    LlamaForCausalLM(config).save_pretrained(path)
    hf_tok.save_pretrained(path)
    return path


def _chat_rows(n: int) -> list[dict]:
    return [
        {
            "messages": [
                {"role": "user", "content": f"What treats pneumonia {i}?"},
                {"role": "assistant", "content": "Amoxicillin treats pneumonia."},
            ],
            "source_chunk": f"c{i}",  # provenance columns must not disturb training
        }
        for i in range(n)
    ]


MCQ = [
    {
        "id": "ok-dict",
        "question": "What treats pneumonia?",
        "options": {"A": "Metformin", "B": "Amoxicillin", "C": "Lisinopril"},
        "answer_idx": "B",
        "answer": "Amoxicillin",
    },
    {
        "id": "ok-list",
        "question": "Which lowers glucose?",
        "options": ["Metformin", "Lisinopril"],
        "answer": 0,
    },
    {"id": "bad-letter", "question": "q", "options": {"A": "x", "B": "y"}, "answer_idx": "F"},
    {"id": "bad-disagree", "question": "q", "options": ["x", "y"], "answer_idx": "A", "answer": "y"},
    {"id": "bad-options", "question": "q", "options": ["only one"], "answer_idx": "A"},
]
STATEMENTS = [
    {"id": "s1", "statement": "Metformin lowers glucose.", "label": "yes"},
    {"id": "s2", "statement": "Amoxicillin is an ACE inhibitor.", "label": False},
    {"id": "s3", "statement": "Lisinopril is an ACE inhibitor.", "label": 1},
    {"id": "s4", "statement": "Broken label.", "label": "maybe"},
]


# ----------------------------------------------------------------------------------- training


def test_detect_format() -> None:
    assert detect_format(Dataset.from_list(_chat_rows(1))) == "messages"
    assert detect_format(Dataset.from_list([{"prompt": "p", "completion": "c"}])) == "prompt_completion"
    with pytest.raises(ValueError, match=r"columns found: \['question', 'answer'\]"):
        detect_format(Dataset.from_list([{"question": "q", "answer": "a"}]))


def test_train_lora_rejects_unknown_columns_before_loading_a_model(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'text'"):
        train_lora(Dataset.from_list([{"text": "x"}]), tmp_path / "no-model-here", tmp_path / "out")


def test_plain_chat_template_renders_and_masks_only_the_answer(tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model)
    assert ensure_chat_template(tok) is True
    assert ensure_chat_template(tok) is False  # an existing template is kept
    msgs = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Q?"},
        {"role": "assistant", "content": "A."},
    ]
    text = tok.apply_chat_template(msgs, tokenize=False)
    assert text == "<bos>Be brief.\n\nUser: Q?\nAssistant: A.<eos>\n"
    prompt = tok.apply_chat_template(msgs[:2], tokenize=False, add_generation_prompt=True)
    assert prompt == "<bos>Be brief.\n\nUser: Q?\nAssistant:"
    out = tok.apply_chat_template(msgs, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    trained = [i for i, m in zip(out["input_ids"], out["assistant_masks"]) if m]
    assert tok.decode(trained) == " A.<eos>"


def test_prompt_completion_gets_bos(tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model)
    ds, note = _prepare(
        Dataset.from_list([{"prompt": "Q: x\nA:", "completion": " y", "id": 1}]), "prompt_completion", tok
    )
    assert note is None
    assert ds.column_names == ["prompt", "completion"]
    assert ds[0]["prompt"] == "<bos>Q: x\nA:"


def test_train_lora_messages_writes_adapter_metrics_and_card(tiny_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "adapter"
    result = train_lora(Dataset.from_list(_chat_rows(8)), tiny_model, out, max_steps=2, batch_size=4, lr=1e-2)
    assert result.global_step == 2
    for name in ("adapter_model.safetensors", "adapter_config.json", "train_metrics.json", "README.md"):
        assert (out / name).exists(), name
    metrics = json.loads((out / "train_metrics.json").read_text())
    assert metrics["dataset_format"] == "messages"
    assert metrics["chat_template"] == "plain (synth_hf)"
    assert metrics["assistant_only_loss"] is True
    assert len(metrics["loss_history"]) == 2
    assert metrics["seconds_per_step"] > 0
    from transformers import AutoTokenizer

    assert AutoTokenizer.from_pretrained(out).chat_template == PLAIN_CHAT_TEMPLATE  # eval will reuse it
    card = (out / "README.md").read_text()
    assert card.startswith("---\n") and "library_name: peft" in card
    assert "r=8, alpha=16" in card
    assert "| training length | 2 steps (fixed), 2 optimizer steps run (1.0 epochs) |" in card  # not "1.0 / 2"
    assert "| learning rate | 0.01 |" in card and "- 8 training rows (messages)" in card  # as trained


def test_train_lora_push_to_hub_uploads_the_adapter_folder(
    tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import synth_hf.hub

    calls: list[tuple[Path, str, dict]] = []

    def fake_upload(folder, repo_id, **kwargs):
        calls.append((Path(folder), repo_id, kwargs))
        return "https://huggingface.co/me/adapter/commit/1"

    monkeypatch.setattr(synth_hf.hub, "upload_folder", fake_upload)
    out = tmp_path / "pushed"
    result = train_lora(
        Dataset.from_list(_chat_rows(2)), tiny_model, out, max_steps=1, batch_size=2, push_to_hub="me/adapter"
    )
    assert result.hub_url.endswith("/commit/1")
    assert calls == [
        (out, "me/adapter", {"repo_type": "model", "commit_message": "Upload LoRA adapter (synth_hf)"})
    ]


def test_train_lora_prompt_completion_from_jsonl(tiny_model: Path, tmp_path: Path) -> None:
    data = tmp_path / "train.jsonl"
    data.write_text("\n".join(json.dumps({"prompt": f"Q{i}:", "completion": " ok"}) for i in range(4)))
    result = train_lora(data, tiny_model, tmp_path / "pc", max_steps=1, batch_size=2)
    assert result.metrics["dataset_format"] == "prompt_completion"
    assert result.metrics["assistant_only_loss"] is False


# --------------------------------------------------------------------------------- evaluation


def test_normalize_mcq_reports_malformed_rows() -> None:
    items, skipped = normalize_mcq(MCQ)
    assert [(it.id, it.answer) for it in items] == [("ok-dict", 1), ("ok-list", 0)]
    assert {s["id"] for s in skipped} == {"bad-letter", "bad-disagree", "bad-options"}
    assert "'F'" in next(s["reason"] for s in skipped if s["id"] == "bad-letter")


def test_normalize_statements_labels() -> None:
    items, skipped = normalize_statements(STATEMENTS)
    assert [it.label for it in items] == [1, 0, 1]
    assert [s["id"] for s in skipped] == ["s4"]


def test_batched_logprobs_equal_unpadded_single_passes(tiny_model: Path) -> None:
    lm = load_for_eval(tiny_model)
    tok = lm.tokenizer
    pairs = [
        (prompt_ids(tok, q), tok(" " + a, add_special_tokens=False).input_ids)
        for q, a in [
            ("What treats pneumonia?", "Amoxicillin"),
            ("Q?", "Metformin lowers glucose."),
            ("x", "no"),
        ]
    ]
    batched = continuation_logprobs(lm, pairs, batch_size=3)
    for (ctx, cont), (score, n) in zip(pairs, batched):
        ids = torch.tensor([ctx + cont])
        with torch.no_grad():
            logp = torch.log_softmax(lm.model(input_ids=ids).logits[0].float(), -1)
        expected = sum(float(logp[len(ctx) - 1 + j, t]) for j, t in enumerate(cont))
        assert n == len(cont)
        assert score == pytest.approx(expected, abs=1e-4)


def test_yes_no_scores_match_a_manual_softmax(tiny_model: Path) -> None:
    lm = load_for_eval(tiny_model)
    statements = ["Metformin lowers glucose.", "A much longer statement about amoxicillin and pneumonia."]
    scores = yes_no_scores(lm, statements, batch_size=2)
    yes_ids, no_ids = answer_token_ids(lm.tokenizer)
    for text, score in zip(statements, scores):
        ids = prompt_ids(lm.tokenizer, f"True or false: {text}\nAnswer yes or no.")
        with torch.no_grad():
            probs = torch.softmax(lm.model(input_ids=torch.tensor([ids])).logits[0, -1].float(), -1)
        yes, no = float(probs[yes_ids].sum()), float(probs[no_ids].sum())
        assert score.p_yes == pytest.approx(yes / (yes + no), abs=1e-5)
        assert score.covered_mass == pytest.approx(yes + no, abs=1e-5)


def test_mcq_sum_vs_mean_normalisation(monkeypatch: pytest.MonkeyPatch) -> None:
    # option A: 4 tokens, sum -4 (mean -1); option B: 1 token, sum -3 (mean -3); gold is A
    monkeypatch.setattr(report_mod, "score_options", lambda lm, qs, opts, bs: [[(-4.0, 4), (-3.0, 1)]])
    rows = [{"id": "q", "question": "q", "options": ["long answer", "short"], "answer_idx": "A"}]
    out = report_mod.eval_mcq(None, rows)
    assert out["accuracy_mean"] == 1.0
    assert out["accuracy_sum"] == 0.0
    assert out["gold_logprob"] == pytest.approx(-1.0)


def test_evaluate_model_base_vs_adapter_report_and_table(tiny_model: Path, tmp_path: Path) -> None:
    adapter = tmp_path / "adapter"
    train_lora(Dataset.from_list(_chat_rows(8)), tiny_model, adapter, max_steps=2, batch_size=4, lr=1e-2)
    open_qa = [{"question": "What treats pneumonia?", "answer": "Amoxicillin treats pneumonia."}]
    kwargs = {"mcq": MCQ, "open_qa": open_qa, "statements": STATEMENTS, "max_new_tokens": 8}
    base = evaluate_model(tiny_model, **kwargs)
    tuned = evaluate_model(tiny_model, adapter, out_path=tmp_path / "report.json", **kwargs)
    assert base["mcq"]["n_scored"] == 2 and base["mcq"]["n_skipped"] == 3
    assert base["calibration"]["n_scored"] == 3 and base["calibration"]["n_skipped"] == 1
    assert 0.0 <= tuned["calibration"]["ece"] <= 1.0
    assert set(tuned["open_qa"]) >= {"rougeL", "token_f1", "exact_match", "samples"}
    assert tuned["adapter"] == str(adapter)
    # the adapter must change the model: identical scores would mean it was never applied
    assert base["mcq"]["gold_logprob"] != pytest.approx(tuned["mcq"]["gold_logprob"], abs=1e-6)
    saved = json.loads((tmp_path / "report.json").read_text())
    assert saved["mcq"]["accuracy"] == tuned["mcq"]["accuracy"]
    assert (tmp_path / "report.md").read_text().startswith("**")
    table = compare(base, tuned)
    assert table.splitlines()[0] == "| metric | base | adapter | Δ | better |"
    assert "| Calibration ECE ↓ |" in table
    assert "Skipped malformed rows: mcq: 3, calibration: 1" in report_markdown(base)


def test_compare_directions() -> None:
    base = {"mcq": {"accuracy": 0.5}, "calibration": {"ece": 0.30, "brier": 0.2}}
    tuned = {"mcq": {"accuracy": 0.75}, "calibration": {"ece": 0.10, "brier": 0.25}}
    lines = compare(base, tuned).splitlines()
    assert "| MCQ accuracy (mean log-lik) ↑ | 0.500 | 0.750 | +0.250 | yes |" in lines
    assert "| Calibration ECE ↓ | 0.300 | 0.100 | -0.200 | yes |" in lines
    assert "| Calibration Brier ↓ | 0.200 | 0.250 | +0.050 | no |" in lines
    assert not any("ROUGE" in line for line in lines)  # absent on both sides -> no row


def test_evaluation_progress_off_a_terminal_is_present_and_bounded(
    tiny_model: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SYNTH_HF_PROGRESS", "1")  # pytest keeps it quiet unless asked
    statements = [{"id": f"s{i}", "statement": f"Drug {i} lowers glucose.", "label": i % 2} for i in range(40)]
    open_qa = [{"question": "What treats pneumonia?", "answer": "Amoxicillin treats pneumonia."}] * 3
    evaluate_model(tiny_model, mcq=MCQ, open_qa=open_qa, statements=statements, batch_size=4, max_new_tokens=4)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("[progress]")]
    by_task: dict[str, list[str]] = {}
    for line in lines:
        by_task.setdefault(line.split(": ", 1)[0], []).append(line)
    assert set(by_task) == {
        f"[progress] loading {tiny_model.name}",
        "[progress] scoring MCQ options",
        "[progress] generating answers",
        "[progress] scoring yes/no statements",
    }
    # 10 batches of statements, yet only a start and an end line each: bounded by the interval
    assert all(len(task_lines) == 2 for task_lines in by_task.values())
    assert by_task["[progress] scoring yes/no statements"][0].endswith("started (40 statements)")
    assert by_task["[progress] scoring yes/no statements"][1].startswith(
        "[progress] scoring yes/no statements: done, 40 statements in"
    )


def test_quiet_training_prints_progress_lines_not_the_log_dicts(tiny_model: Path, tmp_path: Path, capsys,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from synth_hf.runtime import logs

    monkeypatch.delenv(logs.LEVEL_ENV, raising=False)
    train_lora(Dataset.from_list(_chat_rows(8)), tiny_model, tmp_path / "q", max_steps=3, batch_size=4, lr=1e-2)
    quiet = capsys.readouterr()
    lines = [ln for ln in (quiet.out + quiet.err).splitlines() if "LoRA training" in ln]
    assert lines[0] == "[progress] LoRA training: 3 steps, started"
    assert lines[-1].startswith("[progress] LoRA training: step 3/3 (100%), loss ") and "s/step" in lines[-1]
    assert "'loss':" not in quiet.out + quiet.err  # transformers' per-step dict of logs
    assert not re.search(r"\b3/3 \[", quiet.err)  # nor its training bar (loading bars are the CLI's to mute)
    monkeypatch.setenv(logs.LEVEL_ENV, "INFO")  # verbose: transformers' own output
    train_lora(Dataset.from_list(_chat_rows(8)), tiny_model, tmp_path / "v", max_steps=2, batch_size=4, lr=1e-2)
    verbose = capsys.readouterr()
    assert "LoRA training" not in verbose.out + verbose.err and "'loss'" in verbose.out + verbose.err
