"""`frontdesk feedback export`: the agents' verdicts on the assistant as training data
and knowledge-base suggestions (core/escalation/feedback_export.py says what goes
where and why)."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from frontdesk.bootstrap import default_kb_path
from frontdesk.core.escalation.feedback_export import (
    ESCALATION_EXAMPLES,
    KB_ADDITIONS,
    KB_SUGGESTIONS,
    KB_WITH_FEEDBACK,
    TRAINING_PAIRS,
    FeedbackExport,
    collect,
    escalation_examples_csv,
    kb_additions_jsonl,
    kb_suggestions_jsonl,
    merged_kb,
    training_pairs_csv,
)
from frontdesk.core.escalation.report import day_start, parse_day, zone
from frontdesk.core.knowledge.loading import load_kb, save_kb
from frontdesk.core.knowledge.model import KnowledgeBase
from frontdesk.errors import FrontdeskError, InputError
from frontdesk.interfaces.cli.common import console, fail, note
from frontdesk.interfaces.cli.escalation_cmds import DAY_S, case_stores, shop_timezone, write_text

app = typer.Typer(no_args_is_help=True)
HISTORY_LIMIT = 5000

# (file, rows, what it is) for the summary table.
Written = list[tuple[str, int, str]]


@app.command("export")
def export(
    out: Annotated[Path, typer.Option("-o", "--out", help="Directory to write the files to.")],
    since: Annotated[
        str | None, typer.Option("--since", help="First day of feedback (YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Last day of feedback (YYYY-MM-DD), included.")
    ] = None,
    kb: Annotated[
        Path | None,
        typer.Option("--kb", help="The shop's knowledge base (default: the one the server uses)."),
    ] = None,
) -> None:
    """Write training pairs and knowledge-base suggestions from the agents' feedback.

    training_pairs.csv (text,label for `frontdesk train --intents`: messages whose right
    entry stands for an account intent); kb_additions.jsonl and kb_with_feedback.jsonl
    (messages answered wrongly, as alternative questions of the right entry: FAQ labels
    are reserved in --intents, so FAQ examples go through `frontdesk train --kb`);
    escalation_examples.csv (escalate/other, the escalation detector's format);
    kb_suggestions.jsonl (new answers the agents wrote, entries answered wrongly).
    """
    try:
        written, found = _export(out, since, until, kb)
    except FrontdeskError as exc:
        fail(exc)
    _print_summary(out, written, found)


def _export(
    out: Path, since: str | None, until: str | None, kb_path: Path | None
) -> tuple[Written, FeedbackExport]:
    start_day = None if since is None else parse_day(since, "--since")
    end_day = None if until is None else parse_day(until, "--until")
    _check_out(out)
    with case_stores() as (settings, cases, conversations):
        tz = zone(shop_timezone(settings))
        start = 0.0 if start_day is None else day_start(start_day, tz)
        end = time.time() + DAY_S if end_day is None else day_start(end_day + timedelta(1), tz)
        if end <= start:
            raise InputError(f"--since ({since}) must be on or before --until ({until}).")
        kb = load_kb(kb_path or default_kb_path(settings))
        found = collect(
            cases.feedback(start, end),
            cases.get,
            lambda conversation: conversations.events(conversation, 0, HISTORY_LIMIT),
            kb,
        )
    return _write_files(out, found, kb), found


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file; -o names a directory to write the files to.")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"Cannot create {out}: {exc.strerror or exc}.") from exc


def _write_files(out: Path, found: FeedbackExport, kb: KnowledgeBase) -> Written:
    written: Written = []
    if found.intent_pairs:  # `frontdesk train` refuses a CSV with a header and no rows
        write_text(out / TRAINING_PAIRS, training_pairs_csv(found))
        written.append((TRAINING_PAIRS, len(found.intent_pairs), "intent examples (--intents)"))
    write_text(out / KB_ADDITIONS, kb_additions_jsonl(found, kb))
    written.append((KB_ADDITIONS, len(found.alt_questions), "alternative questions"))
    merged = merged_kb(kb, found)
    if merged.added:
        _save(merged.kb, out / KB_WITH_FEEDBACK)
        written.append(
            (
                KB_WITH_FEEDBACK,
                len(merged.kb),
                f"KB entries, {merged.added} alt question(s) added (--kb)",
            )
        )
    if merged.unknown:
        note(
            f"entries not in {kb.source}: {', '.join(merged.unknown)}; their messages are "
            f"in {KB_ADDITIONS} only"
        )
    write_text(out / ESCALATION_EXAMPLES, escalation_examples_csv(found))
    written.append((ESCALATION_EXAMPLES, len(found.escalation_examples), "escalate/other examples"))
    write_text(out / KB_SUGGESTIONS, kb_suggestions_jsonl(found, kb))
    suggestions = len(found.new_answers) + len(found.wrong_entries)
    written.append((KB_SUGGESTIONS, suggestions, "new answers and wrongly answered entries"))
    return written


def _save(kb: KnowledgeBase, path: Path) -> None:
    try:
        save_kb(kb, path)
    except OSError as exc:
        raise InputError(f"Cannot write {path}: {exc.strerror or exc}.") from exc


def _print_summary(out: Path, written: Written, found: FeedbackExport) -> None:
    table = Table(title=f"Feedback export to {out}", title_justify="left")
    table.add_column("file")
    table.add_column("rows", justify="right")
    table.add_column("what")
    for name, rows, what in written:
        table.add_row(name, str(rows), what)
    console.print(table)
    console.print(
        f"{found.read} piece(s) of feedback read; {len(found.new_answers)} new answer(s), "
        f"{len(found.wrong_entries)} entry(ies) answered wrongly, {len(found.skipped)} skipped.",
        soft_wrap=True,
    )
    if not found.intent_pairs:
        note(
            f"{TRAINING_PAIRS} not written: no wrong answer named an entry that stands for "
            "an account intent; FAQ examples are in the KB files"
        )
    for skipped in found.skipped[:10]:
        note(f"skipped {skipped.verdict} on case {skipped.case_id}: {skipped.reason}")
