"""`frontdesk train` and `--model` as a shop owner uses them: a tiny real training run
(one step on CPU), the model directory it writes, and every refusal."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from frontdesk.adapters.training.examples import Example
from frontdesk.bootstrap import DEMO_KB
from tests.integration.test_cli_answer import run

DEMO_INTENTS = DEMO_KB.parent / "intents.csv"
TINY_LABELS = ("cancel_order", "contact_human_agent", "track_order")


def _tiny_intents(path: Path) -> Path:
    with DEMO_INTENTS.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["label"] in TINY_LABELS]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows([r["text"], r["label"]] for r in rows)
    return path


def _tiny_kb(path: Path) -> Path:
    lines = DEMO_KB.read_text(encoding="utf-8").splitlines()[:4]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Path:
    work = tmp_path_factory.mktemp("train")
    out = work / "model"
    result = run(
        "train",
        "--kb", str(_tiny_kb(work / "kb.jsonl")),
        "--intents", str(_tiny_intents(work / "intents.csv")),
        "--epochs", "1",
        "-o", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "model written to" in result.stdout
    return out


def test_model_dir_holds_model_thresholds_manifest_and_metrics(trained: Path) -> None:
    for name in ("encoder/model.onnx", "encoder/tokenizer.json", "head.npz", "model.json"):
        assert (trained / name).is_file(), name
    manifest = json.loads((trained / "manifest.json").read_text())
    assert manifest["format"] == "frontdesk-trained-model"
    assert manifest["parameters"]["epochs"] == 1 and manifest["parameters"]["seed"] == 0
    assert len(manifest["data"]["kb"]["file_sha256"]) == 64
    assert len(manifest["data"]["intents"]["sha256"]) == 64
    assert {"torch", "onnxruntime", "sentence_transformers"} <= set(manifest["versions"])
    metrics = json.loads((trained / "metrics.json").read_text())
    assert set(metrics["held_out"]) == {"faq", "intent"}
    assert metrics["held_out"]["faq"]["out_of_scope"] > 0  # off-topic questions calibrate
    assert metrics["train_seconds"] > 0 and metrics["peak_rss_mb"] > 0
    thresholds = json.loads((trained / "model.json").read_text())["thresholds"]
    assert set(thresholds) == {"faq", "intent"}


def test_ask_with_a_trained_model_reports_the_intent(trained: Path) -> None:
    result = run("ask", "can I talk to a real person please", "--model", str(trained), "--json")
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["intent"]["name"] == "contact_human_agent"
    assert 0.0 < reply["intent"]["confidence"] <= 1.0


def test_the_faq_classifier_is_used_only_for_the_kb_it_learned(trained: Path) -> None:
    own_kb = trained.parent / "kb.jsonl"
    same = run("ask", "how can I track my parcel", "--model", str(trained), "--kb", str(own_kb))
    assert same.returncode == 0, same.stderr
    assert "another knowledge base" not in same.stderr
    other = run("ask", "how can I track my parcel", "--model", str(trained))  # the demo KB
    assert other.returncode == 0, other.stderr
    assert "trained on another knowledge base" in other.stderr


def test_chat_and_eval_take_the_model(trained: Path, tmp_path: Path) -> None:
    chat = run("chat", "--model", str(trained), stdin="where is my order\n/quit\n")
    assert chat.returncode == 0, chat.stderr
    assert "intent track_order" in chat.stdout
    eval_set = tmp_path / "set.jsonl"
    eval_set.write_text(
        '{"kind": "faq", "text": "how do I track my parcel", "accept": ["orders-track"]}\n'
        '{"kind": "oos", "text": "who won the world cup in 1966", "accept": []}\n',
        encoding="utf-8",
    )
    result = run("eval", "--set", str(eval_set), "--model", str(trained), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["turns"] == 2


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / "manifest.json").write_text("{not json"), "manifest.json is broken"),
        (
            lambda d: (d / "manifest.json").write_text(
                json.dumps({**json.loads((d / "manifest.json").read_text()), "format_version": 99})
            ),
            "another frontdesk version",
        ),
        (lambda d: (d / "head.npz").write_bytes(b"edited"), "does not match the manifest"),
        (lambda d: (d / "manifest.json").unlink(), "has no manifest.json"),
    ],
    ids=["broken-manifest", "other-version", "edited-file", "no-manifest"],
)
def test_a_damaged_model_dir_is_refused_with_what_to_do(
    trained: Path, tmp_path: Path, damage: object, message: str
) -> None:
    copy = tmp_path / "model"
    shutil.copytree(trained, copy)
    damage(copy)  # type: ignore[operator]
    result = run("ask", "hello there", "--model", str(copy))
    assert result.returncode == 2
    assert message in result.stderr and "frontdesk train" in result.stderr
    assert "Traceback" not in result.stderr


def test_model_and_tfidf_retriever_are_refused_together(trained: Path) -> None:
    result = run("ask", "hello", "--model", str(trained), "--retriever", "tfidf")
    assert result.returncode == 2 and "do not go together" in result.stderr


def _train(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run("train", *args, "-o", str(tmp_path / "out"))


def _csv(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("sentence,tag\nhello,greet\n", "no text / utterance / instruction column"),
        ("text,label\ncancel it,cancel\ncancel now,cancel\nhi,greet\n", "single example (greet)"),
        (b"text,label\ncaf\xe9 order,track\n", "is not UTF-8"),
        ("text,label\n", "has a header but no rows"),
        ("text,label\n,track\n", "line 2: the text is empty"),
        ("text,label\nhi,faq:1\nhello,faq:1\n", "may not start with 'faq:'"),
    ],
    ids=["missing-columns", "one-example", "not-utf8", "no-rows", "empty-text", "reserved"],
)
def test_bad_intents_fail_before_training(
    tmp_path: Path, content: str | bytes, message: str
) -> None:
    result = _train(tmp_path, "--intents", str(_csv(tmp_path / "i.csv", content)))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "fine-tuning" not in result.stderr  # refused before any training started
    assert not (tmp_path / "out").exists()


def test_empty_kb_and_no_data_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "kb.jsonl"
    empty.write_text("", encoding="utf-8")
    result = _train(tmp_path, "--kb", str(empty))
    assert result.returncode == 2 and "kb.jsonl" in result.stderr
    nothing = _train(tmp_path)
    assert nothing.returncode == 2 and "Nothing to train on" in nothing.stderr


def test_training_never_overwrites_a_directory_that_is_not_a_model(tmp_path: Path) -> None:
    precious = tmp_path / "out"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me", encoding="utf-8")
    result = _train(tmp_path, "--intents", str(_tiny_intents(tmp_path / "i.csv")))
    assert result.returncode == 2 and "not a trained model directory" in result.stderr
    assert (precious / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_training_never_overwrites_the_base_model(model_dir: Path, tmp_path: Path) -> None:
    before = (model_dir / "manifest.json").read_bytes()
    intents = _tiny_intents(tmp_path / "i.csv")
    result = run("train", "--intents", str(intents), "-o", str(model_dir))
    assert result.returncode == 2 and "not a trained model directory" in result.stderr
    assert (model_dir / "manifest.json").read_bytes() == before


def test_a_failed_retrain_leaves_the_old_model_working(trained: Path, tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(trained, copy)
    before = (copy / "manifest.json").read_bytes()
    bad = _csv(tmp_path / "bad.csv", "text,label\nonly one,lonely\n")
    result = run("train", "--intents", str(bad), "-o", str(copy))
    assert result.returncode == 2
    assert (copy / "manifest.json").read_bytes() == before
    assert run("ask", "where is my order", "--model", str(copy)).returncode == 0


def _two_labels(first: str, second: str) -> list[Example]:
    """Eight short texts: four cancelling an order, four asking where it is."""
    texts = {
        first: ["cancel my order", "stop my order", "call off the purchase", "cancel it"],
        second: ["where is my parcel", "track my order", "order status", "is it shipped"],
    }
    return [Example(text, label) for label, group in texts.items() for text in group]


def test_training_is_reproducible_with_a_seed(model_dir: Path) -> None:
    from frontdesk.adapters.embeddings.export import source_model_dir
    from frontdesk.adapters.training.finetune import FinetuneParams, finetune, load_encoder

    examples = _two_labels("a", "b")
    params = FinetuneParams(epochs=1, batch_size=4, seed=7)
    runs = [
        finetune(load_encoder(source_model_dir(), 32), examples, ["a", "b"], params)
        for _ in range(2)
    ]
    assert runs[0].losses == runs[1].losses
    np.testing.assert_allclose(runs[0].label_vectors, runs[1].label_vectors, atol=1e-6)


def test_anchored_faq_examples_stay_near_the_base_model() -> None:
    """Training on a few rule-made texts must refine the encoder, not forget what it
    knows: anchored examples drift from their base embedding far less."""
    from frontdesk.adapters.embeddings.export import source_model_dir
    from frontdesk.adapters.training.finetune import (
        FinetuneParams,
        encode,
        finetune,
        load_encoder,
    )

    examples = _two_labels("faq:a", "faq:b")
    texts = [e.text for e in examples]
    base = encode(load_encoder(source_model_dir(), 32), texts)
    params = FinetuneParams(epochs=3, batch_size=4, learning_rate=5e-4, seed=3)

    def drift(anchored: bool) -> float:
        result = finetune(
            load_encoder(source_model_dir(), 32),
            examples,
            ["faq:a", "faq:b"],
            params,
            anchored_labels=[anchored, anchored],
        )
        after = encode(result.model, texts)
        return float(np.mean(1.0 - np.sum(base * after, axis=1)))

    free, anchored = drift(False), drift(True)
    assert anchored < free / 2, (anchored, free)
