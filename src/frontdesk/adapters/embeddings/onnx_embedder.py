"""all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime + tokenizers: no torch at serve time."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from frontdesk.core.ports import FloatArray
from frontdesk.errors import ModelError

MAX_TOKENS = 256
DIM = 384


def _normalise(matrix: FloatArray) -> FloatArray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    normalised: FloatArray = (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
    return normalised


class OnnxEmbedder:
    """Sentence and token embeddings from the exported model directory."""

    def __init__(self, model_dir: Path, *, threads: int = 1, verify: bool = True) -> None:
        onnx_path = model_dir / "model.onnx"
        tokenizer_path = model_dir / "tokenizer.json"
        if not onnx_path.is_file() or not tokenizer_path.is_file():
            raise ModelError(f"No exported model in {model_dir}; run `make setup` to export it.")
        self.manifest = self._read_manifest(model_dir, onnx_path, verify)
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        # The shipped tokenizer.json pads every text to 128 tokens; we pad per batch.
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_TOKENS)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self._session = ort.InferenceSession(
                str(onnx_path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"Cannot load {onnx_path}: {exc}") from exc
        self._input_names = {i.name for i in self._session.get_inputs()}
        model = str(self.manifest.get("model", "all-MiniLM-L6-v2")).rsplit("/", 1)[-1]
        self.name = f"{model} int8 ONNX ({model_dir})"

    @staticmethod
    def _read_manifest(model_dir: Path, onnx_path: Path, verify: bool) -> dict[str, Any]:
        """The export's manifest; with ``verify``, the model file must match its hash,
        so a truncated or swapped file fails loudly instead of answering badly."""
        manifest_path = model_dir / "manifest.json"
        if not verify and not manifest_path.exists():
            return {}  # mid-export: the manifest is written after this check
        try:
            manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelError(
                f"{manifest_path} is missing or unreadable; run `make setup` to re-export."
            ) from exc
        if verify:
            digest = hashlib.sha256(onnx_path.read_bytes()).hexdigest()
            if digest != manifest.get("onnx_sha256"):
                raise ModelError(
                    f"{onnx_path} does not match its manifest (corrupt or replaced); "
                    "run `make setup` to re-export it."
                )
        return manifest

    def fit(self, corpus: Sequence[str]) -> None:
        """Nothing to learn: the model is pre-trained."""

    def _hidden(self, text: str) -> tuple[FloatArray, list[str]]:
        """One text, one model run. Never batched: dynamic int8 quantisation scales
        activations over the whole batch, so a text's vector would depend on its
        neighbours and KB entries would not match queries (which come one at a time)."""
        encoding = self._tokenizer.encode(text)
        ids = np.asarray([encoding.ids], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = np.asarray(self._session.run(None, feeds)[0][0], dtype=np.float32)
        return hidden, list(encoding.tokens)

    def embed(self, texts: Sequence[str]) -> FloatArray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.vstack([self.encode(text)[0] for text in texts])

    def encode(self, text: str) -> tuple[FloatArray, list[str], FloatArray]:
        hidden, tokens = self._hidden(text)
        sentence = _normalise(hidden.mean(axis=0, keepdims=True))[0]
        keep = [i for i, tok in enumerate(tokens) if tok not in ("[CLS]", "[SEP]")]
        return sentence, [tokens[i] for i in keep], _normalise(hidden[keep])
