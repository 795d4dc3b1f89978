"""On-disk cache of built indexes and calibrations under FRONTDESK_HOME/cache.

Building an index runs the model over every entry; calibration runs it over the
reference phrasings. Both depend only on their inputs, so they are keyed by a hash
of those inputs and reused: `frontdesk ask` then starts in well under a second.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from frontdesk.core.files import write_atomically
from frontdesk.core.knowledge.calibration import Calibration, ConfidenceModel, LabelledMessage
from frontdesk.core.knowledge.index import KnowledgeIndex
from frontdesk.core.knowledge.model import KnowledgeBase
from frontdesk.core.ports import Embedder

log = logging.getLogger(__name__)
FORMAT_VERSION = "3"


@functools.cache
def _code_fingerprint() -> str:
    """Cached vectors are only as current as the code that made and scored them."""
    from frontdesk.adapters.embeddings import onnx_embedder, tfidf_embedder
    from frontdesk.core.knowledge import calibration, index, offtopic, ranking, scoring

    digest = hashlib.sha256()
    modules = (onnx_embedder, tfidf_embedder, calibration, index, offtopic, ranking, scoring)
    for module in modules:
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:16]


def kb_fingerprint(kb: KnowledgeBase) -> str:
    digest = hashlib.sha256(FORMAT_VERSION.encode())
    for e in kb.entries:
        record = [e.id, e.question, e.answer, e.category, *e.alt_questions]
        digest.update(json.dumps(record, ensure_ascii=False).encode())
    return digest.hexdigest()[:24]


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join((FORMAT_VERSION, *parts)).encode()).hexdigest()[:24]


def _store(path: Path, data: bytes) -> None:
    """A cache that cannot be written costs speed, never an answer."""
    try:
        write_atomically(path, data)
    except OSError as exc:
        log.warning("cannot write cache file %s (%s); continuing without it", path, exc)


class IndexCache:
    def __init__(self, root: Path, model_id: str) -> None:
        self.root = root
        self.model_id = model_id

    def index(self, kb: KnowledgeBase, embedder: Embedder) -> KnowledgeIndex:
        key = _key(self.model_id, kb_fingerprint(kb), _code_fingerprint())
        path = self.root / f"index-{key}.npz"
        if path.is_file():
            try:
                with np.load(path, allow_pickle=False) as data:
                    arrays = {name: data[name] for name in KnowledgeIndex.ARRAYS}
                    idf = json.loads(str(data["idf"]))
                return KnowledgeIndex.restore(kb, embedder, arrays, idf)
            except (OSError, KeyError, ValueError):
                path.unlink(missing_ok=True)  # a corrupt cache is rebuilt, never trusted
        index = KnowledgeIndex(kb, embedder)
        arrays, idf = index.state()
        buffer = io.BytesIO()
        np.savez(buffer, idf=np.asarray(json.dumps(idf)), **arrays)  # type: ignore[arg-type]
        _store(path, buffer.getvalue())
        return index

    def calibration_path(
        self, reference: KnowledgeBase, messages: Sequence[LabelledMessage]
    ) -> Path:
        labels = hashlib.sha256(
            json.dumps([[m.text, m.entry_id] for m in messages]).encode()
        ).hexdigest()
        key = _key(self.model_id, kb_fingerprint(reference), labels, _code_fingerprint())
        return self.root / f"calibration-{key}.json"

    def load_calibration(
        self, reference: KnowledgeBase, messages: Sequence[LabelledMessage]
    ) -> Calibration | None:
        path = self.calibration_path(reference, messages)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            model = raw["model"]
            return Calibration(
                ConfidenceModel(
                    weights=tuple(float(w) for w in model["weights"]),
                    bias=float(model["bias"]),
                    mean=tuple(float(m) for m in model["mean"]),
                    scale=tuple(float(s) for s in model["scale"]),
                ),
                float(raw["answer_threshold"]),
                float(raw["clarify_threshold"]),
                {k: float(v) for k, v in raw["stats"].items()},
            )
        except (OSError, KeyError, ValueError, TypeError):
            return None

    def save_calibration(
        self,
        reference: KnowledgeBase,
        messages: Sequence[LabelledMessage],
        calibration: Calibration,
    ) -> None:
        model = calibration.model
        raw = {
            "model": {
                "weights": list(model.weights),
                "bias": model.bias,
                "mean": list(model.mean),
                "scale": list(model.scale),
            },
            "answer_threshold": calibration.answer_threshold,
            "clarify_threshold": calibration.clarify_threshold,
            "stats": calibration.stats,
        }
        _store(self.calibration_path(reference, messages), json.dumps(raw).encode())
