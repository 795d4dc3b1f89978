"""`frontdesk model export|info`: the local embedding model."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from frontdesk.config import load_settings
from frontdesk.errors import FrontdeskError, ModelError
from frontdesk.interfaces.cli.common import console, fail

app = typer.Typer(no_args_is_help=True)


@app.command("export")
def export_model(
    force: Annotated[bool, typer.Option("--force", help="Export even if current.")] = False,
) -> None:
    """Export all-MiniLM-L6-v2 to int8 ONNX (needs the `export` extra: torch)."""
    from frontdesk.adapters.embeddings.export import export

    out_dir = load_settings().default_model_dir
    try:
        manifest = export(out_dir, force=force)
    except FrontdeskError as exc:
        fail(exc)
    console.print(f"model ready: {out_dir} (min cosine vs fp32 {manifest['min_cosine_vs_fp32']})")


@app.command("info")
def info() -> None:
    """Where the model is and what its manifest says."""
    out_dir = load_settings().default_model_dir
    manifest_path = out_dir / "manifest.json"
    if not manifest_path.is_file():
        fail(ModelError(f"No exported model in {out_dir}; run `make setup`."))
    console.print_json(json.dumps(json.loads(manifest_path.read_text(encoding="utf-8"))))


@app.command("warm")
def warm() -> None:
    """Build the calibration and the demo KB's index now, so the first answer is quick."""
    from frontdesk.bootstrap import build_assistant

    try:
        assistant = build_assistant()
    except FrontdeskError as exc:
        fail(exc)
    for note in assistant.startup_notes:
        console.print(f"[yellow]warning:[/] {note}")
    details = assistant.describe()
    console.print(
        f"calibrated: answer at confidence ≥ {details['answer_threshold']}, "
        f"clarify at ≥ {details['clarify_threshold']}"
    )
