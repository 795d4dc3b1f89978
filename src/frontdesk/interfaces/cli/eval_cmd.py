"""`frontdesk eval`: run an evaluation set through the assistant and report the metrics."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from frontdesk.bootstrap import build_assistant, default_kb_path
from frontdesk.config import load_settings
from frontdesk.errors import EvaluationError, FrontdeskError
from frontdesk.evaluation.datasets import EvalItem, load_eval_set
from frontdesk.evaluation.metrics import compute_metrics
from frontdesk.evaluation.report import failures_table, find_failures, metrics_table
from frontdesk.evaluation.runner import AssistantLike, EvalRun, Prediction, run_eval
from frontdesk.interfaces.cli.common import ModelOption, console, err_console, fail


class RetrieverChoice(StrEnum):
    AUTO = "auto"
    ONNX = "onnx"
    TFIDF = "tfidf"


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_command)


def eval_command(
    eval_set: Annotated[
        Path,
        typer.Option("--set", help="Evaluation set (.jsonl) with faq/oos/smalltalk/dialogue."),
    ],
    kb: Annotated[
        Path | None,
        typer.Option(
            "--kb", help="Knowledge base file (default: FRONTDESK_KB_PATH or the demo KB)."
        ),
    ] = None,
    predictions: Annotated[
        Path | None,
        typer.Option("--predictions", help="Write one JSON line per turn to this file."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the metrics as JSON instead of a table.")
    ] = False,
    retriever: Annotated[
        RetrieverChoice | None,
        typer.Option(
            "--retriever", help="Retriever to use (default: FRONTDESK_RETRIEVER, else auto)."
        ),
    ] = None,
    show_errors: Annotated[
        int, typer.Option("--show-errors", min=0, help="List up to N failed turns.")
    ] = 0,
    model: ModelOption = None,
) -> None:
    """Evaluate the FAQ assistant on a labelled set: accuracy, abstention, latency."""
    try:
        # Load the set before the assistant: a typo in the set should fail in
        # milliseconds, not after the embedding model has loaded.
        items = load_eval_set(eval_set)
        kb_path = kb if kb is not None else default_kb_path(load_settings())
        assistant = build_assistant(
            kb_path,
            retriever=retriever.value if retriever is not None else None,
            trained_model=model,
        )
        run = _run_with_progress(assistant, items)
        if predictions is not None:
            _write_predictions(predictions, run.predictions)
    except FrontdeskError as exc:
        fail(exc)
    except OSError as exc:  # e.g. the predictions file cannot be written
        fail(EvaluationError(f"Cannot write {exc.filename or 'a file'}: {exc.strerror}."))

    metrics = compute_metrics(run.predictions)
    if as_json:
        typer.echo(json.dumps(metrics.as_dict(), indent=2))
    else:
        # File names may contain [brackets]; Rich would read them as markup.
        title = escape(f"Evaluation of {eval_set.name} on {kb_path.name}")
        console.print(metrics_table(metrics, title=title))
        console.print(
            f"{run.items} items, {len(run.predictions)} turns in {run.wall_s:.2f} s "
            f"({run.warmup_calls} warm-up calls not timed)"
        )
    if show_errors:
        failures = find_failures(run.predictions)
        # With --json the failures go to stderr so stdout stays one JSON document.
        (err_console if as_json else console).print(failures_table(failures, limit=show_errors))


def _run_with_progress(assistant: AssistantLike, items: list[EvalItem]) -> EvalRun:
    # Shown only on a terminal: in CI logs and pipes a redrawn bar is just noise.
    with Progress(
        TextColumn("evaluating"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as progress:
        task = progress.add_task("eval", total=len(items))
        return run_eval(
            assistant,
            items,
            on_progress=lambda done, _total: progress.update(task, completed=done),
        )


def _write_predictions(path: Path, rows: tuple[Prediction, ...]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row.as_record(), ensure_ascii=False) + "\n")
