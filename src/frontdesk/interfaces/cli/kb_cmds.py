"""`frontdesk kb clean|export|stats`: knowledge-base tools for the shop owner."""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from frontdesk.config import load_settings
from frontdesk.core.knowledge.cleaning import CleaningReport, Similarity, clean_kb
from frontdesk.core.knowledge.export import OPENAI_MIN_EXAMPLES, export_openai_chat
from frontdesk.core.knowledge.loading import WRITABLE_SUFFIXES, load_kb, save_kb
from frontdesk.core.knowledge.model import KnowledgeBase
from frontdesk.core.knowledge.stats import KbStats, LengthStats, kb_stats
from frontdesk.errors import FrontdeskError, InputError, KnowledgeBaseError, ModelError
from frontdesk.interfaces.cli.common import console, fail, note

app = typer.Typer(no_args_is_help=True)

KbOption = Annotated[
    Path | None,
    typer.Option("--kb", help="Knowledge base file (.json, .jsonl or .csv); default: the demo KB."),
]
# A long report would scroll the interesting part away; --report has everything.
MAX_CHANGE_ROWS = 100
SHORT = 90


class ExportFormat(StrEnum):
    OPENAI_CHAT = "openai-chat"


# ----------------------------------------------------------------------------- clean


@app.command("clean")
def clean(
    source: Annotated[Path, typer.Argument(help="Knowledge base to clean.", show_default=False)],
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="Cleaned KB to write; .jsonl, .csv or .json picks the format."
        ),
    ],
    no_model: Annotated[
        bool, typer.Option("--no-model", help="Compare questions by wording only.")
    ] = False,
    report_path: Annotated[
        Path | None, typer.Option("--report", help="Also write the full report as JSON.")
    ] = None,
) -> None:
    """Normalise text, merge exact duplicates, report near-duplicates and conflicts."""
    try:
        _check_writable(output)
        kb = load_kb(source)
        similarity = _similarity(no_model)
        cleaned, report = clean_kb(kb, similarity)
        save_kb(cleaned, output)
        if report_path is not None:
            _write_report(report, report_path)
    except FrontdeskError as exc:
        fail(exc)
    _print_report(report)
    console.print(
        Text(f"wrote {output} ({report.entries_out} of {report.entries_in} entries kept)")
    )
    if report_path is not None:
        console.print(Text(f"wrote report {report_path}"))


def _check_writable(output: Path) -> None:
    # Fail before the (slow) semantic analysis, not after it.
    if output.suffix.lower() not in WRITABLE_SUFFIXES:
        raise InputError(
            f"Cannot tell which format to write {output} in; give it a .jsonl, .csv or "
            ".json extension."
        )


def _similarity(no_model: bool) -> Similarity | None:
    """The embedding model's similarity when installed; else None (lexical) with a note."""
    if no_model:
        note("--no-model: near-duplicates are found by shared wording only.")
        return None
    settings = load_settings()
    model_dir = settings.default_model_dir
    if not (model_dir / "model.onnx").is_file():
        note(
            f"no embedding model at {model_dir}: near-duplicates are found by shared "
            "wording only, so rewordings with different words are missed. Run `make setup` "
            "to export the model."
        )
        return None
    from frontdesk.adapters.embeddings.onnx_embedder import OnnxEmbedder

    try:
        embedder = OnnxEmbedder(model_dir, threads=settings.threads)
    except ModelError as exc:
        note(f"{exc.message} Comparing questions by shared wording instead.")
        return None
    return embedder.embed


def _write_report(report: CleaningReport, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
        path.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise KnowledgeBaseError(
            f"Cannot write the report {path}: {exc.strerror}.", detail=str(exc)
        ) from exc


def _print_report(report: CleaningReport) -> None:
    thresholds = report.thresholds
    console.print(
        Text(
            f"{report.entries_in} entries in, {report.entries_out} out · {report.method} "
            f"similarity (near-duplicate ≥ {thresholds.near_duplicate:.2f}, related ≥ "
            f"{thresholds.related:.2f}, answers differ < {thresholds.answers_differ:.2f})"
        )
    )
    console.print(_changes_table(report))
    console.print(_groups_table(report))
    console.print(_conflicts_table(report))


def _changes_table(report: CleaningReport) -> Table | Text:
    if not report.changes:
        return Text("No changes: the text was already clean and had no exact duplicates.")
    table = Table(title=f"Changes ({len(report.changes)})", title_justify="left")
    table.add_column("entry", no_wrap=True)
    table.add_column("change", no_wrap=True)
    table.add_column("detail")
    for change in report.changes[:MAX_CHANGE_ROWS]:
        kind = str(change.kind)
        if change.merged_into is not None:
            kind += f" → {change.merged_into}"
        table.add_row(Text(change.entry_id), kind, Text(change.detail))
    hidden = len(report.changes) - MAX_CHANGE_ROWS
    if hidden > 0:
        table.caption = f"… {hidden} more; write them all with --report FILE.json"
    return table


def _groups_table(report: CleaningReport) -> Table | Text:
    if not report.near_duplicate_groups:
        return Text("No near-duplicate questions.")
    table = Table(
        title=f"Near-duplicate questions ({len(report.near_duplicate_groups)} groups): "
        "merge them or make them clearly different",
        title_justify="left",
    )
    table.add_column("ids", no_wrap=True)
    table.add_column("questions")
    table.add_column("similarity", no_wrap=True)
    for group in report.near_duplicate_groups:
        lines = "\n".join(f"{i}: {q}" for i, q in zip(group.ids, group.questions, strict=True))
        table.add_row(
            Text(", ".join(group.ids)),
            Text(lines),
            f"{group.min_similarity:.2f}–{group.max_similarity:.2f}",
        )
    return table


def _conflicts_table(report: CleaningReport) -> Table | Text:
    if not report.conflicts:
        return Text("No conflicting answers found.")
    table = Table(
        title=f"Possible conflicts ({len(report.conflicts)}): similar questions, different "
        "answers; decide which is right",
        title_justify="left",
    )
    table.add_column("ids", no_wrap=True)
    table.add_column("first entry")
    table.add_column("second entry")
    table.add_column("why")
    for conflict in report.conflicts:
        table.add_row(
            Text(" vs ".join(conflict.ids)),
            _question_and_answer(conflict.questions[0], conflict.answers[0]),
            _question_and_answer(conflict.questions[1], conflict.answers[1]),
            Text(f"questions {conflict.question_similarity:.2f}; {conflict.reason}"),
        )
    return table


def _question_and_answer(question: str, answer: str) -> Text:
    text = Text()
    text.append(f"Q: {_shorten(question)}\n", style="bold")
    text.append(f"A: {_shorten(answer)}")
    return text


def _shorten(text: str, width: int = SHORT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


# ---------------------------------------------------------------------------- export


@app.command("export")
def export(
    output: Annotated[Path, typer.Argument(help="JSONL file to write.", show_default=False)],
    format_: Annotated[
        ExportFormat, typer.Option("--format", help="Training-data format.")
    ] = ExportFormat.OPENAI_CHAT,
    kb: KbOption = None,
    system: Annotated[
        str | None, typer.Option("--system", help="System prompt for every record.")
    ] = None,
) -> None:
    """Write the knowledge base as chat fine-tuning data (one record per entry)."""
    try:
        path = _kb_path(kb)
        knowledge = load_kb(path)
        count = export_openai_chat(knowledge, output, system_prompt=system)
    except FrontdeskError as exc:
        fail(exc)
    console.print(Text(f"wrote {count} {format_.value} records from {path} to {output}"))
    if count < OPENAI_MIN_EXAMPLES:
        note(f"OpenAI fine-tuning needs at least {OPENAI_MIN_EXAMPLES} examples.")


# ----------------------------------------------------------------------------- stats


@app.command("stats")
def stats(kb: KbOption = None) -> None:
    """Size, categories, lengths and duplicates, then the assistant's thresholds."""
    try:
        path = _kb_path(kb)
        knowledge = load_kb(path)
        summary = kb_stats(knowledge)
    except FrontdeskError as exc:
        fail(exc)
    _print_stats(knowledge, summary)
    # Imported here: building the assistant loads the model, which `clean` never needs.
    from frontdesk.bootstrap import build_assistant

    try:
        assistant = build_assistant(kb_path=path)
        described = assistant.describe()
    except FrontdeskError as exc:
        fail(exc)
    console.print(
        _pairs_table(
            "Assistant: retriever and thresholds (calibrated on the demo shop's labelled messages)",
            described.items(),
        )
    )


def _kb_path(kb: Path | None) -> Path:
    if kb is not None:
        return kb
    from frontdesk.bootstrap import default_kb_path

    return default_kb_path(load_settings())


def _print_stats(kb: KnowledgeBase, summary: KbStats) -> None:
    overview: list[tuple[str, object]] = [
        ("file", kb.source),
        ("entries", summary.entries),
        ("alternative questions", summary.alt_questions),
        ("exact duplicate questions", summary.exact_duplicates),
        ("near-duplicate groups (by wording)", summary.near_duplicate_groups),
    ]
    console.print(_pairs_table("Knowledge base", overview))
    lengths = Table(title="Lengths", title_justify="left")
    for column in ("", "min", "mean", "max"):
        lengths.add_column(column, justify="left" if not column else "right")
    rows: list[tuple[str, LengthStats]] = [
        ("question words", summary.question_words),
        ("question characters", summary.question_chars),
        ("answer words", summary.answer_words),
        ("answer characters", summary.answer_chars),
    ]
    for name, values in rows:
        lengths.add_row(name, str(values.min), f"{values.mean:.1f}", str(values.max))
    console.print(lengths)
    console.print(_pairs_table("Categories", summary.categories.items(), header="entries"))


def _pairs_table(
    title: str, pairs: Iterable[tuple[str, object]], *, header: str = "value"
) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("name")
    table.add_column(header, overflow="fold")
    for name, value in pairs:
        table.add_row(Text(name), Text(_format_value(value)))
    return table


def _format_value(value: object) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.3f}"
    return str(value)
