"""`frontdesk eval`: run an evaluation set through the assistant and report the metrics;
with --report, write report.md, report.json and charts. `frontdesk eval compare` is in
eval_compare.py."""

from __future__ import annotations

import json
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from frontdesk.bootstrap import build_assistant, default_kb_path
from frontdesk.config import Settings, load_settings
from frontdesk.core.engine import Assistant
from frontdesk.core.knowledge.loading import load_kb
from frontdesk.core.nlu.intents import IntentDetector
from frontdesk.core.nlu.text import normalise
from frontdesk.errors import EvaluationError, FrontdeskError
from frontdesk.evaluation.conversations import (
    NO_CONVERSATIONS,
    SHIPPED_CONVERSATIONS,
    ConversationScript,
    load_conversation_scripts,
)
from frontdesk.evaluation.datasets import EvalItem, load_eval_set
from frontdesk.evaluation.intent_eval import (
    IntentReader,
    IntentScore,
    LabelledText,
    load_labelled_texts,
    score_intents,
)
from frontdesk.evaluation.metrics import compute_metrics
from frontdesk.evaluation.report import failures_table, find_failures, metrics_table
from frontdesk.evaluation.report_data import (
    EvalReport,
    Evaluated,
    FileRef,
    build_report,
    display_path,
)
from frontdesk.evaluation.report_markdown import extra_rows
from frontdesk.evaluation.runner import AssistantLike, EvalRun, Prediction, run_eval
from frontdesk.evaluation.script_runs import run_scripts
from frontdesk.interfaces.cli import eval_compare
from frontdesk.interfaces.cli.common import ModelOption, console, err_console, fail


class RetrieverChoice(StrEnum):
    AUTO = "auto"
    ONNX = "onnx"
    TFIDF = "tfidf"


def register(app: typer.Typer) -> None:
    # A group whose callback is the evaluation itself: `frontdesk eval --set …` runs
    # it, `frontdesk eval compare A B` runs the subcommand instead.
    group = typer.Typer(add_completion=False, subcommand_metavar="[compare A.json B.json]")
    group.callback(invoke_without_command=True)(eval_command)
    eval_compare.register(group)
    app.add_typer(group, name="eval")


def eval_command(
    ctx: typer.Context,
    eval_set: Annotated[
        Path | None,
        typer.Option("--set", help="Evaluation set (.jsonl) with faq/oos/smalltalk/dialogue."),
    ] = None,
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
    report: Annotated[
        Path | None,
        typer.Option(
            "--report", help="Write report.md, report.json and PNG charts to this directory."
        ),
    ] = None,
    conversations: Annotated[
        str | None,
        typer.Option(
            "--conversations",
            help="Scripted booking/escalation conversations (.jsonl) for the report "
            "(default: the shipped ones; 'none' skips them).",
        ),
    ] = None,
    intents: Annotated[
        Path | None,
        typer.Option(
            "--intents",
            help="Labelled texts (text,label CSV) for the report's intent accuracy; "
            "needs a model trained with intents.",
        ),
    ] = None,
) -> None:
    """Evaluate the assistant on a labelled set; --report DIR writes a full report."""
    if ctx.invoked_subcommand is not None:
        return
    if eval_set is None:
        fail(
            EvaluationError(
                "Missing option --set: the evaluation set (.jsonl) to run. "
                "To compare two reports: frontdesk eval compare A.json B.json."
            )
        )
    written: list[Path] = []
    made: EvalReport | None = None
    try:
        # Load every input before the assistant: a typo in a file should fail in
        # milliseconds, not after the embedding model has loaded.
        items = load_eval_set(eval_set)
        if report is None and (conversations is not None or intents is not None):
            raise EvaluationError(
                "--conversations and --intents add sections to the report: add --report DIR."
            )
        settings = load_settings()
        kb_path = kb if kb is not None else default_kb_path(settings)
        scripts_path = _scripts_path(conversations) if report is not None else None
        scripts = None if scripts_path is None else load_conversation_scripts(scripts_path)
        labelled = None if intents is None else load_labelled_texts(intents)
        assistant = build_assistant(
            kb_path,
            retriever=retriever.value if retriever is not None else None,
            trained_model=model,
        )
        reader = None if labelled is None else _intent_reader(assistant)
        if scripts is not None and not isinstance(assistant, Assistant):
            raise EvaluationError(
                "Scripted conversations need the full assistant; use --conversations none."
            )
        run = _run_with_progress(assistant, items)
        if predictions is not None:
            _write_predictions(predictions, run.predictions)
        if report is not None:
            evaluated = Evaluated(
                kb=FileRef.of(kb_path),
                eval_set=FileRef.of(eval_set),
                model=_model_label(model or settings.trained_model),
                retriever=retriever.value if retriever is not None else settings.retriever,
                embedder=_embedder_label(assistant),
                answers=_answers_label(settings),
                conversations=None if scripts_path is None else FileRef.of(scripts_path),
                intents=None if intents is None else FileRef.of(intents),
            )
            made = _make_report(
                assistant, run, items, kb_path, evaluated, scripts, settings, labelled, reader
            )
            # matplotlib loads only for a report: every other command starts 0.7 s sooner.
            from frontdesk.evaluation.report_files import write_report

            written = write_report(made, report)
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
        if made is not None:
            console.print(_extras_table(made))
        console.print(
            f"{run.items} items, {len(run.predictions)} turns in {run.wall_s:.2f} s "
            f"({run.warmup_calls} warm-up calls not timed)"
        )
    if show_errors:
        failures = find_failures(run.predictions)
        # With --json the failures go to stderr so stdout stays one JSON document.
        (err_console if as_json else console).print(failures_table(failures, limit=show_errors))
    if written:
        names = ", ".join(path.name for path in written)
        (err_console if as_json else console).print(
            escape(f"report written to {report}: {names}"), soft_wrap=True
        )


def _make_report(
    assistant: AssistantLike,
    run: EvalRun,
    items: list[EvalItem],
    kb_path: Path,
    evaluated: Evaluated,
    scripts: list[ConversationScript] | None,
    settings: Settings,
    labelled: list[LabelledText] | None,
    reader: tuple[IntentReader, tuple[str, ...]] | None,
) -> EvalReport:
    # The assistant's own knowledge base when it has one: exactly what answered.
    kb_data = assistant.answerer.index.kb if isinstance(assistant, Assistant) else load_kb(kb_path)
    results = None
    if scripts is not None and isinstance(assistant, Assistant):
        results = run_scripts(assistant, scripts, settings)
    score: IntentScore | None = None
    if labelled is not None and reader is not None:
        score = score_intents(labelled, reader[0], reader[1])
    return build_report(run, items, kb_data, evaluated, scripts=results, intents=score)


def _scripts_path(option: str | None) -> Path | None:
    if option is None:
        return SHIPPED_CONVERSATIONS
    if option.strip().lower() == NO_CONVERSATIONS:
        return None
    return Path(option)


def _intent_reader(assistant: AssistantLike) -> tuple[IntentReader, tuple[str, ...]]:
    """How the report asks the model for an intent: as the assistant does (the same
    normalised text, nothing below the model's threshold)."""
    detector = getattr(assistant, "intents", None)
    if not isinstance(detector, IntentDetector):
        raise EvaluationError(
            "--intents: the model reports no intents. Train one with `frontdesk train "
            "--intents FILE.csv -o DIR` and evaluate it with --model DIR."
        )
    max_chars = int(getattr(assistant, "max_chars", 2000))

    def read(text: str) -> str | None:
        found = detector.detect(normalise(text)[:max_chars])
        return None if found is None else found.name

    return read, tuple(detector.classifier.labels)


def _model_label(directory: Path | None) -> str:
    return "base" if directory is None else display_path(directory)


def _embedder_label(assistant: AssistantLike) -> str:
    index = getattr(getattr(assistant, "answerer", None), "index", None)
    name = str(getattr(getattr(index, "embedder", None), "name", "unknown"))
    # The ONNX embedder names its directory: this machine's path, not for a report.
    return re.sub(r"\s*\([^()]*[/\\][^()]*\)$", "", name)


def _answers_label(settings: Settings) -> str:
    if settings.llm_provider == "local":
        return "local: the knowledge base's own answers"
    return f"{settings.llm_model} through an OpenAI-compatible API"


def _extras_table(made: EvalReport) -> Table:
    table = Table(title="Report")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("over", style="dim")
    for row in extra_rows(made):
        table.add_row(*row)
    return table


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
