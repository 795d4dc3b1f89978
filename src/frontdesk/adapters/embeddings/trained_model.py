"""Reading a model directory written by `frontdesk train` (serving side: no torch).

Layout:
    encoder/       the fine-tuned encoder as int8 ONNX (what OnnxEmbedder reads)
    head.npz       labels and their unit vectors (the cosine classifier)
    model.json     scale, threshold, FAQ answer groups, label kinds
    manifest.json  format version, data hashes, parameters, versions, file hashes
    metrics.json   held-out figures and training cost
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from frontdesk.adapters.embeddings.onnx_embedder import OnnxEmbedder
from frontdesk.core.nlu.classifier import LabelClassifier
from frontdesk.core.nlu.intents import head_of
from frontdesk.errors import TrainingError

FORMAT = "frontdesk-trained-model"
FORMAT_VERSION = 1
CHECKED_FILES = ("head.npz", "model.json", "encoder/model.onnx")
RETRAIN = "retrain it with `frontdesk train` (see README, 'Training a model')"


@dataclass(frozen=True)
class TrainedModel:
    directory: Path
    embedder: OnnxEmbedder
    classifiers: dict[str, LabelClassifier]  # by head: "faq", "intent"
    manifest: dict[str, Any]
    faq_groups: dict[str, str]  # entry id -> its answer group's label
    kb_sha256: str | None  # the KB it was trained on, if any

    @property
    def model_id(self) -> str:
        return f"trained:{self.manifest['files']['encoder/model.onnx']}"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest, checked for format and version; files are checked by the caller."""
    if not directory.is_dir():
        raise TrainingError(f"{directory} is not a model directory; {RETRAIN}.")
    path = directory / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TrainingError(f"{directory} has no manifest.json; {RETRAIN}.") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TrainingError(f"{path} is broken ({exc}); {RETRAIN}.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise TrainingError(f"{directory} is not a frontdesk trained model; {RETRAIN}.")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise TrainingError(
            f"{directory} was written by another frontdesk version (model format "
            f"{version}, this version reads {FORMAT_VERSION}); {RETRAIN}."
        )
    files = manifest.get("files")
    if not isinstance(files, dict) or any(name not in files for name in CHECKED_FILES):
        raise TrainingError(f"{path} does not list its files' hashes; {RETRAIN}.")
    return manifest


def load_trained_model(directory: Path, *, threads: int = 1) -> TrainedModel:
    manifest = read_manifest(directory)
    for name in CHECKED_FILES:
        path = directory / name
        if not path.is_file() or file_sha256(path) != manifest["files"][name]:
            raise TrainingError(
                f"{path} is missing or does not match the manifest (corrupt or edited); {RETRAIN}."
            )
    config = json.loads((directory / "model.json").read_text(encoding="utf-8"))
    with np.load(directory / "head.npz") as head:
        labels = [str(label) for label in head["labels"]]
        vectors = np.asarray(head["vectors"], dtype=np.float32)
    classifiers: dict[str, LabelClassifier] = {}
    for head, threshold in config["thresholds"].items():
        rows = [i for i, label in enumerate(labels) if head_of(label) == head]
        none_cosine = config.get("none_cosines", {}).get(head)
        classifiers[head] = LabelClassifier(
            [labels[i] for i in rows],
            vectors[rows],
            float(config["scale"]),
            float(threshold),
            None if none_cosine is None else float(none_cosine),
        )
    return TrainedModel(
        directory=directory,
        embedder=OnnxEmbedder(directory / "encoder", threads=threads),
        classifiers=classifiers,
        manifest=manifest,
        faq_groups={str(k): str(v) for k, v in config.get("faq_groups", {}).items()},
        kb_sha256=manifest.get("data", {}).get("kb", {}).get("sha256"),
    )
