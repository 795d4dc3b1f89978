"""`frontdesk train`: fine-tune the encoder and a classifier on a KB and/or intents."""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from frontdesk.errors import FrontdeskError, TrainingError
from frontdesk.interfaces.cli.common import console, err_console, fail


class _RichProgress:
    """One bar per stage, on stderr so stdout keeps the result."""

    def __init__(self) -> None:
        self._bars = Progress(
            TextColumn("{task.description:<18}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[detail]}"),
            console=err_console,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> _RichProgress:
        self._bars.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._finish()
        self._bars.stop()

    def _finish(self) -> None:
        if self._task is not None:
            task = self._bars.tasks[-1]
            self._bars.update(self._task, completed=task.total or 1, total=task.total or 1)

    def stage(self, name: str, total: int | None = None) -> None:
        self._finish()
        self._task = self._bars.add_task(name, total=total, detail="")

    def advance(self, done: int, detail: str = "") -> None:
        if self._task is not None:
            self._bars.update(self._task, completed=done, detail=detail)


def register(app: typer.Typer) -> None:
    app.command("train")(train)


def train(
    out: Annotated[Path, typer.Option("-o", "--out", help="Model directory to write.")],
    kb: Annotated[Path | None, typer.Option(help="FAQ file (Kaggle JSON, CSV, JSONL).")] = None,
    intents: Annotated[
        Path | None, typer.Option(help="Labelled utterances, CSV with columns text,label.")
    ] = None,
    holdout: Annotated[
        Path | None,
        typer.Option(help="Held-out text,label CSV for calibration (default: a seeded split)."),
    ] = None,
    holdout_fraction: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=0.5,
            help="Share of each label held out for calibration when --holdout is not given "
            "(0 trains on everything and never says 'none of these').",
        ),
    ] = 0.15,
    epochs: Annotated[int, typer.Option(min=1, max=50, help="Passes over the data.")] = 3,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same model.")] = 0,
    threads: Annotated[int, typer.Option(min=1, max=64, help="CPU threads for torch.")] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="Print metrics as JSON.")] = False,
) -> None:
    """Fine-tune the local model on your FAQ and intents (CPU), calibrate, export to ONNX."""
    try:
        from frontdesk.adapters.training.finetune import FinetuneParams
        from frontdesk.adapters.training.pipeline import TrainRequest
        from frontdesk.adapters.training.pipeline import train as run_training
    except ImportError as exc:  # torch is an install-time extra
        fail(TrainingError(f"Training needs the export extra ({exc.name}); run `make setup`."))
    request = TrainRequest(
        out_dir=out.expanduser(),
        kb_path=kb,
        intents_path=intents,
        holdout_path=holdout,
        params=FinetuneParams(epochs=epochs, seed=seed, threads=threads),
        holdout_fraction=holdout_fraction,
    )
    try:
        with _RichProgress() as progress:
            metrics = run_training(request, progress)
    except FrontdeskError as exc:
        fail(exc)
    except KeyboardInterrupt:
        # The model is built beside its destination, so nothing half-written remains.
        err_console.print(f"interrupted: {out} was not changed.")
        raise typer.Exit(130) from None
    if as_json:
        console.print_json(json.dumps(metrics))
        return
    _print_summary(out, metrics)


def _print_summary(out: Path, metrics: dict[str, Any]) -> None:
    console.print(f"model written to {out}")
    for head, held in metrics["held_out"].items():
        if not held["in_scope"]:
            console.print(f"held-out {head}: none (trained on everything, not calibrated)")
            continue
        oos = held["oos_recall"]
        console.print(
            f"held-out {head}: accuracy {held['accuracy']:.3f}, accepted and right "
            f"{held['in_scope_accuracy']:.3f}, out-of-scope recall "
            f"{'n/a' if oos is None else f'{oos:.3f}'} (threshold {held['threshold']:.3f})"
        )
    console.print(
        f"training {metrics['train_seconds']} s, total {metrics['total_seconds']} s, "
        f"peak RSS {metrics['peak_rss_mb']} MB"
    )
    console.print(f'use it: frontdesk ask --model {out} "your question"')
