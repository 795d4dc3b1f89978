"""`frontdesk train`: check the data, fine-tune, export, calibrate, write the model dir.

Every input is checked before the first training step. The model directory is built
beside its destination and swapped in at the end, so a failed or interrupted run
never leaves half a model where a working one was.
"""

from __future__ import annotations

import importlib
import json
import platform
import random
import resource
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from frontdesk.adapters.embeddings.export import build_onnx, source_model_dir, verify_source
from frontdesk.adapters.embeddings.onnx_embedder import OnnxEmbedder
from frontdesk.adapters.embeddings.trained_model import (
    FORMAT,
    FORMAT_VERSION,
    file_sha256,
    read_manifest,
)
from frontdesk.adapters.index_cache import kb_fingerprint
from frontdesk.adapters.training.examples import (
    Example,
    faq_examples,
    is_out_of_scope,
    load_utterances,
    split_held_out,
)
from frontdesk.adapters.training.finetune import (
    FinetuneParams,
    encode,
    finetune,
    load_encoder,
)
from frontdesk.adapters.training.thresholds import (
    HeldOutPrediction,
    HeldOutScore,
    choose_threshold,
    score,
)
from frontdesk.core.knowledge.index import answer_groups
from frontdesk.core.knowledge.loading import load_kb
from frontdesk.core.knowledge.model import KnowledgeBase
from frontdesk.core.knowledge.offtopic import OFF_TOPIC
from frontdesk.core.nlu.classifier import LabelClassifier
from frontdesk.core.nlu.intents import FAQ_PREFIX, HEADS, head_of, is_faq_label
from frontdesk.core.ports import FloatArray
from frontdesk.errors import TrainingError

# Candidate cosines for the "none of these" logit; None is a plain softmax.
NONE_COSINES = (None, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
STAGES = ("checking data", "fine-tuning", "exporting to ONNX", "calibrating", "writing")


class Progress(Protocol):
    def stage(self, name: str, total: int | None = None) -> None: ...

    def advance(self, done: int, detail: str = "") -> None: ...


class _Silent:
    def stage(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, done: int, detail: str = "") -> None:
        pass


@dataclass(frozen=True)
class TrainRequest:
    out_dir: Path
    kb_path: Path | None = None
    intents_path: Path | None = None
    holdout_path: Path | None = None  # labelled held-out set; else a seeded split
    params: FinetuneParams = field(default_factory=FinetuneParams)
    holdout_fraction: float = 0.15


@dataclass
class TrainingData:
    labels: list[str]
    train: list[Example]
    held_out: list[Example]
    faq_groups: dict[str, str]
    data_facts: dict[str, Any]


def train(request: TrainRequest, progress: Progress | None = None) -> dict[str, Any]:
    """Run every stage; returns the metrics written to ``metrics.json``."""
    progress = progress or _Silent()
    started = time.perf_counter()
    _check_destination(request.out_dir)
    progress.stage(STAGES[0])
    inputs = read_inputs(request)  # before the model loads: bad data fails in seconds
    source = source_model_dir()
    source_hashes = verify_source(source)
    encoder = load_encoder(source, request.params.max_tokens)
    data = prepare_data(request, inputs, encoder)
    request.out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=request.out_dir.parent, prefix=".train-") as tmp_name:
        tmp = Path(tmp_name)
        steps = max(1, len(data.train) // request.params.batch_size) * request.params.epochs
        progress.stage(STAGES[1], steps)
        result = finetune(
            encoder,
            data.train,
            data.labels,
            request.params,
            on_step=lambda done, _total, loss: progress.advance(done, f"loss {loss:.3f}"),
            label_heads=[HEADS.index(head_of(label)) for label in data.labels],
            anchored_labels=[is_faq_label(label) for label in data.labels],
        )
        train_seconds = time.perf_counter() - started
        progress.stage(STAGES[2])
        onnx_facts = _export(result.model, tmp)
        progress.stage(STAGES[3], len(data.held_out))
        embedder = OnnxEmbedder(tmp / "encoder", threads=request.params.threads)
        vectors = {e.text: embedder.encode(e.text)[0] for e in _advancing(data.held_out, progress)}
        scores: dict[str, HeldOutScore] = {}
        for head in sorted({head_of(label) for label in data.labels}):
            calibrated = _calibrate_head(head, vectors, data, result.label_vectors, request)
            # No held-out examples (--holdout-fraction 0): accept the best label always.
            scores[head] = calibrated or HeldOutScore.uncalibrated()
        progress.stage(STAGES[4])
        metrics = _metrics(data, scores, result.losses, train_seconds, started)
        _write_model(tmp, request, data, result.label_vectors, scores, metrics)
        _write_manifest(tmp, request, data, source_hashes, onnx_facts)
        _swap_in(tmp, request.out_dir)
    return metrics


def _check_destination(out_dir: Path) -> None:
    """Refuse to replace a directory that is not a trained model (the base model's
    directory included): training must never eat files."""
    if not out_dir.exists() or (out_dir.is_dir() and not any(out_dir.iterdir())):
        return
    try:
        read_manifest(out_dir)
    except TrainingError as exc:
        raise TrainingError(
            f"{out_dir} exists and is not a trained model directory; choose a new "
            "path or an empty directory, so nothing of yours is overwritten."
        ) from exc


@dataclass(frozen=True)
class Inputs:
    kb: KnowledgeBase | None
    utterances: list[Example]
    holdout: list[Example] | None


def read_inputs(request: TrainRequest) -> Inputs:
    """Load and check every input file; raises before any training starts."""
    if request.kb_path is None and request.intents_path is None:
        raise TrainingError("Nothing to train on: give --kb FAQ and/or --intents FILE.csv.")
    if request.holdout_path is not None and request.intents_path is None:
        raise TrainingError("--holdout is a held-out set for --intents; give both or neither.")
    kb = load_kb(request.kb_path) if request.kb_path is not None else None
    utterances: list[Example] = []
    holdout: list[Example] | None = None
    if request.intents_path is not None:
        utterances = load_utterances(request.intents_path)
        _check_label_names(request.intents_path, utterances)
    if request.holdout_path is not None:
        holdout = load_utterances(request.holdout_path, min_per_label=1)
        known = {u.label for u in utterances}
        unknown = sorted({e.label for e in holdout if not is_out_of_scope(e.label)} - known)
        if unknown:
            raise TrainingError(
                f"{request.holdout_path} has labels that {request.intents_path} lacks: "
                f"{', '.join(unknown[:10])}; every held-out label needs training examples."
            )
    n_labels = len({u.label for u in utterances if not is_out_of_scope(u.label)})
    if kb is None and n_labels < 2:
        raise TrainingError(
            f"{request.intents_path} has {n_labels} label(s); an intent model needs at least 2."
        )
    return Inputs(kb, utterances, holdout)


def prepare_data(request: TrainRequest, inputs: Inputs, encoder: Any) -> TrainingData:
    rng = random.Random(request.params.seed)
    facts: dict[str, Any] = {}
    kb = inputs.kb
    train: list[Example] = []
    held_out: list[Example] = []
    groups: dict[str, str] = {}
    if kb is not None and request.kb_path is not None:
        groups = _faq_groups(kb, encoder)
        train, held_out = faq_examples(kb, groups, rng)
        facts["kb"] = {
            "path": str(request.kb_path),
            "file_sha256": file_sha256(request.kb_path),
            "sha256": kb_fingerprint(kb),
            "entries": len(kb),
            "answer_groups": len(set(groups.values())),
        }
    if request.intents_path is not None:
        facts["intents"] = _file_facts(request.intents_path, inputs.utterances)
        if inputs.holdout is None or request.holdout_path is None:
            more_train, more_held = split_held_out(inputs.utterances, request.holdout_fraction, rng)
        else:
            more_train = [u for u in inputs.utterances if not is_out_of_scope(u.label)]
            more_held = inputs.holdout
            facts["holdout"] = _file_facts(request.holdout_path, more_held)
        train += more_train
        held_out += more_held
    if kb is not None and not any(is_out_of_scope(e.label) for e in held_out):
        # A shop assistant must learn where its knowledge ends: generic off-topic
        # questions stand in for out-of-scope when the data has none.
        held_out += [Example(text, "oos") for text in OFF_TOPIC]
    labels = sorted({e.label for e in train})
    facts["train_examples"] = len(train)
    facts["held_out_examples"] = len(held_out)
    facts["labels"] = len(labels)
    return TrainingData(labels, train, held_out, groups, facts)


def _faq_groups(kb: KnowledgeBase, encoder: Any) -> dict[str, str]:
    """Entries with near-identical answers share a label: they answer alike, so a
    classifier must not be taught to tell them apart."""
    vectors = encode(encoder, [e.answer for e in kb])
    group_ids = answer_groups(vectors)
    first: dict[int, str] = {}
    for entry, group in zip(kb, group_ids, strict=True):
        first.setdefault(int(group), entry.id)
    return {
        entry.id: FAQ_PREFIX + first[int(group)] for entry, group in zip(kb, group_ids, strict=True)
    }


def _check_label_names(path: Path, utterances: Sequence[Example]) -> None:
    clashing = sorted({u.label for u in utterances if u.label.startswith(FAQ_PREFIX)})
    if clashing:
        raise TrainingError(
            f"{path}: labels may not start with {FAQ_PREFIX!r} (reserved for FAQ "
            f"answers): {', '.join(clashing[:5])}; rename them."
        )


def _file_facts(path: Path, examples: Sequence[Example]) -> dict[str, Any]:
    return {
        "path": str(path),
        "sha256": file_sha256(path),
        "rows": len(examples),
        "labels": len({e.label for e in examples}),
    }


def _export(model: Any, tmp: Path) -> dict[str, Any]:
    model.save(str(tmp / "fp32"))
    (tmp / "encoder").mkdir()
    facts = build_onnx(tmp / "fp32", tmp / "encoder")
    manifest = {"model": "frontdesk-trained all-MiniLM-L6-v2", **facts}
    _write_json(tmp / "encoder" / "manifest.json", manifest)
    shutil.rmtree(tmp / "fp32")
    return facts


def _advancing(examples: Sequence[Example], progress: Progress) -> Iterator[Example]:
    for i, example in enumerate(examples, start=1):
        yield example
        if i % 50 == 0 or i == len(examples):
            progress.advance(i)


def _calibrate_head(
    head: str,
    vectors: dict[str, FloatArray],
    data: TrainingData,
    label_vectors: FloatArray,
    request: TrainRequest,
) -> HeldOutScore | None:
    """The "none" logit and threshold that do best on the held-out examples."""
    best: HeldOutScore | None = None
    for none_cosine in NONE_COSINES:
        predictions = _held_out_predictions(
            head, vectors, data, label_vectors, request, none_cosine
        )
        if not predictions:
            return None
        result = score(predictions, choose_threshold(predictions), none_cosine)
        if best is None or result.objective > best.objective:
            best = result
    return best


def _held_out_predictions(
    head: str,
    vectors: dict[str, FloatArray],
    data: TrainingData,
    label_vectors: FloatArray,
    request: TrainRequest,
    none_cosine: float | None,
) -> list[HeldOutPrediction]:
    """One head's held-out examples, scored through the int8 serving path (the
    threshold must fit what serves): its own labelled texts and the out-of-scope ones.
    The other head's texts are left out: "can I cancel my order?" is an FAQ question
    and a cancel_order request at once, so it is no negative for either."""
    rows = [i for i, label in enumerate(data.labels) if head_of(label) == head]
    if not rows:
        return []
    labels = [data.labels[i] for i in rows]
    classifier = LabelClassifier(
        labels, label_vectors[rows], request.params.scale, 0.0, none_cosine
    )
    predictions = []
    for example in data.held_out:
        oos = is_out_of_scope(example.label)
        if not oos and head_of(example.label) != head:
            continue
        best = classifier.classify(vectors[example.text], top=1)
        predictions.append(
            HeldOutPrediction(None if oos else example.label, best.best, best.confidence)
        )
    return predictions


def _metrics(
    data: TrainingData,
    scores: dict[str, HeldOutScore],
    losses: Sequence[float],
    train_seconds: float,
    started: float,
) -> dict[str, Any]:
    return {
        "held_out": {head: result.as_dict() for head, result in scores.items()},
        "loss_first": round(losses[0], 4) if losses else None,
        "loss_last": round(float(np.mean(losses[-20:])), 4) if losses else None,
        "train_seconds": round(train_seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **data.data_facts,
    }


def _write_model(
    tmp: Path,
    request: TrainRequest,
    data: TrainingData,
    label_vectors: FloatArray,
    scores: dict[str, HeldOutScore],
    metrics: dict[str, Any],
) -> None:
    np.savez(tmp / "head.npz", labels=np.array(data.labels), vectors=label_vectors)
    config = {
        "scale": request.params.scale,
        "thresholds": {head: result.threshold for head, result in scores.items()},
        "none_cosines": {head: result.none_cosine for head, result in scores.items()},
        "faq_groups": data.faq_groups,
    }
    _write_json(tmp / "model.json", config)
    _write_json(tmp / "metrics.json", metrics)


def _write_manifest(
    tmp: Path,
    request: TrainRequest,
    data: TrainingData,
    source_hashes: dict[str, str],
    onnx_facts: dict[str, Any],
) -> None:
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "base_model": {"name": "sentence-transformers/all-MiniLM-L6-v2", **source_hashes},
        "parameters": {
            **request.params.as_dict(),
            "holdout_fraction": request.holdout_fraction,
        },
        "data": data.data_facts,
        "versions": _versions(),
        "encoder": onnx_facts,
        "files": {
            name: file_sha256(tmp / name)
            for name in ("head.npz", "model.json", "encoder/model.onnx", "metrics.json")
        },
    }
    _write_json(tmp / "manifest.json", manifest)


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in ("frontdesk", "torch", "sentence_transformers", "transformers", "onnxruntime"):
        try:
            versions[name] = str(importlib.import_module(name).__version__)
        except (ImportError, AttributeError):
            versions[name] = "unknown"
    return versions


def _swap_in(tmp: Path, out_dir: Path) -> None:
    if out_dir.exists():
        old = out_dir.with_name(out_dir.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out_dir)
    tmp.mkdir()  # TemporaryDirectory removes its own path on exit
