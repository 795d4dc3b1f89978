"""report.md: the evaluation report for people, rendered from the same EvalReport as
report.json, with the charts beside it."""

from __future__ import annotations

from collections.abc import Sequence

from frontdesk.evaluation.confusion import ConfusedPair
from frontdesk.evaluation.conversations import ScriptKind
from frontdesk.evaluation.outcomes import Outcome
from frontdesk.evaluation.report import metric_rows
from frontdesk.evaluation.report_data import LATENCY_CHART, OUTCOMES_CHART, EvalReport, FileRef
from frontdesk.evaluation.script_scores import ScriptResult, TurnCounts

_OUTCOME_HEADERS = {
    Outcome.RIGHT: "answered right",
    Outcome.WRONG: "answered wrong",
    Outcome.CLARIFIED: "clarified",
    Outcome.ABSTAINED: "abstained",
    Outcome.SMALLTALK: "small talk",
    Outcome.OTHER: "other",
}
_CELL_CHARS = 90


def render_markdown(report: EvalReport) -> str:
    sections = [
        _header(report),
        _headline(report),
        _outcomes(report),
        _latency(report),
        _categories(report),
        _entry_confusions(report),
        _intents(report),
        _lengths(report),
        _booking(report),
        _escalation(report),
        _cost(report),
    ]
    return "\n".join(s for s in sections if s).rstrip() + "\n"


def _header(r: EvalReport) -> str:
    e, m = r.evaluated, r.metrics
    kb_what = f"{r.kb_entries} entries, " + (
        f"{r.kb_categories} categories" if r.kb_categories else "no categories"
    )
    set_what = (
        f"{r.run.items} items ({m.faq} faq, {m.oos} out of scope, {m.smalltalk} small talk, "
        f"{m.dialogues} dialogues of {m.dialogue_turns} turns)"
    )
    rows = [
        ("knowledge base", _file(e.kb, kb_what)),
        ("model", f"{e.model}; retriever {e.retriever} ({e.embedder})"),
        ("answers", e.answers),
        ("evaluation set", _file(e.eval_set, set_what)),
    ]
    if e.conversations is not None and r.scripts is not None:
        booking = sum(s.kind is ScriptKind.BOOKING for s in r.scripts)
        what = (
            f"{len(r.scripts)} scripts ({booking} booking, {len(r.scripts) - booking} escalation)"
        )
        rows.append(("scripted conversations", _file(e.conversations, what)))
    if e.intents is not None and r.intents is not None:
        rows.append(("intents", _file(e.intents, f"{r.intents.examples} labelled texts")))
    lines = [
        f"# Evaluation of {_cell(e.eval_set.file)} on {_cell(e.kb.file)}",
        "",
        f"Made by `frontdesk eval` on {r.created_at}. Figures are computed from this run; "
        "report.json holds them all, with the details behind each table.",
        "",
        "| | |",
        "| --- | --- |",
        *[f"| {name} | {value} |" for name, value in rows],
        "",
    ]
    return "\n".join(lines)


def extra_rows(r: EvalReport) -> list[tuple[str, str, str]]:
    """The report's figures beyond the set's metrics, as (metric, value, over) rows."""
    rows: list[tuple[str, str, str]] = []
    if r.categories is not None:
        answered = f"{r.categories.answered} faq answers"
        rows.append(("category accuracy", _pct(r.categories.accuracy), answered))
    else:
        rows.append(("category accuracy", "n/a", "the knowledge base has no categories"))
    if r.intents is not None:
        rows.append(("intent accuracy", _pct(r.intents.accuracy), f"{r.intents.examples} texts"))
    booking, escalation = r.booking, r.escalation
    if booking is not None and booking.scripts:
        effort = f"{_num(booking.turns_mean)} turns, {_num(booking.seconds_mean, 3)} s"
        over = f"mean of {booking.booked} booked of {booking.scripts} booking scripts"
        rows.append(("booking effort", effort, over))
    if escalation is not None and escalation.scripts:
        handed = f"{escalation.escalated} handed over"
        rows.append(("escalation precision", _pct(escalation.precision), handed))
        wanted = f"{escalation.should_escalate} of {escalation.scripts} scripts want a person"
        rows.append(("escalation recall", _pct(escalation.recall), wanted))
        checked = f"{escalation.trigger_checked} hand-overs naming one"
        rows.append(("escalation trigger agreement", _pct(escalation.trigger_agreement), checked))
    return rows


def _headline(r: EvalReport) -> str:
    rows = [*metric_rows(r.metrics), *extra_rows(r)]
    lines = ["## Headline figures", "", "| metric | value | over |", "| --- | ---: | --- |"]
    lines += [f"| {name} | {value} | {over} |" for name, value, over in rows]
    return "\n".join(lines) + "\n"


def _outcomes(r: EvalReport) -> str:
    headers = [_OUTCOME_HEADERS[o] for o in Outcome]
    lines = [
        "## What each kind of line came to",
        "",
        f"![Outcomes per kind of line]({OUTCOMES_CHART})",
        "",
        "| line kind | turns | " + " | ".join(headers) + " |",
        "| --- | ---: | " + " | ".join("---:" for _ in headers) + " |",
    ]
    for kind, counts in r.outcomes.items():
        cells = " | ".join(str(counts.get(o.value, 0)) for o in Outcome)
        lines.append(f"| {kind} | {sum(counts.values())} | {cells} |")
    return "\n".join(lines) + "\n"


def _latency(r: EvalReport) -> str:
    m = r.metrics
    return "\n".join(
        [
            "## Latency",
            "",
            f"![Latency histogram]({LATENCY_CHART})",
            "",
            f"Per turn, over {m.turns} turns ({r.run.warmup_calls} warm-up calls not timed): "
            f"p50 {_ms(m.latency_p50_ms)}, p95 {_ms(m.latency_p95_ms)}, "
            f"p99 {_ms(m.latency_p99_ms)}, max {_ms(m.latency_max_ms)}.",
            "",
        ]
    )


def _categories(r: EvalReport) -> str:
    lines = ["## Categories", ""]
    if r.categories is None or r.category_confusions is None:
        lines += ["Category accuracy: n/a — the knowledge base has no categories.", ""]
        return "\n".join(lines)
    c = r.categories
    lines += [
        f"Category accuracy: {_pct(c.accuracy)} ({c.right} of {c.answered} faq answers came "
        "from a category of an accepted entry).",
        "",
    ]
    lines += _pairs_table(r.category_confusions, "category", "first seen at", texts=False)
    return "\n".join(lines)


def _entry_confusions(r: EvalReport) -> str:
    lines = ["## Most confused entries", ""]
    lines += _pairs_table(r.entry_confusions, "entry", "first seen at", texts=True)
    return "\n".join(lines)


def _intents(r: EvalReport) -> str:
    lines = ["## Intents", ""]
    if r.intents is None:
        lines += [
            "Not measured: run with `--intents FILE.csv` and a model trained with intents.",
            "",
        ]
        return "\n".join(lines)
    i = r.intents
    lines += [f"Intent accuracy: {_pct(i.accuracy)} ({i.right} of {i.examples} texts).", ""]
    if i.unknown_labels:
        lines += [
            "Labels the model was not trained on: " + ", ".join(i.unknown_labels) + ".",
            "",
        ]
    lines += _pairs_table(i.confusions, "intent", "first text", texts=False)
    return "\n".join(lines)


def _lengths(r: EvalReport) -> str:
    lines = [
        "## Conversation length",
        "",
        "| conversations | count | mean turns | max | turns: count |",
        "| --- | ---: | ---: | ---: | --- |",
        _length_row("dialogues in the set", r.dialogue_lengths),
    ]
    for kind, label in (
        (ScriptKind.BOOKING, "booking scripts (customer turns)"),
        (ScriptKind.ESCALATION, "escalation scripts (customer turns)"),
    ):
        counts = r.script_lengths(kind)
        if counts is not None and counts.conversations:
            lines.append(_length_row(label, counts))
    return "\n".join(lines) + "\n"


def _booking(r: EvalReport) -> str:
    summary = r.booking
    if r.scripts is None or summary is None:
        return "## Booking effort\n\nNot measured: scripted conversations were skipped.\n"
    runs = [s for s in r.scripts if s.kind is ScriptKind.BOOKING]
    if not runs:
        return ""
    lines = [
        "## Booking effort",
        "",
        f"{summary.booked} of {summary.scripts} scripts booked ({summary.within_goal} within "
        f"their goal); mean {_num(summary.turns_mean)} customer turns and "
        f"{_num(summary.seconds_mean, 3)} s of the assistant's time to the confirmation.",
        "",
        "| script | turns | goal | seconds | result |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for s in runs:
        goal = "—" if s.max_turns is None else str(s.max_turns)
        lines.append(f"| {_cell(s.name)} | {s.turns} | {goal} | {s.seconds:.3f} | {_result(s)} |")
    return "\n".join(lines) + "\n"


def _escalation(r: EvalReport) -> str:
    score = r.escalation
    if r.scripts is None or score is None:
        return "## Escalation\n\nNot measured: scripted conversations were skipped.\n"
    runs = [s for s in r.scripts if s.kind is ScriptKind.ESCALATION]
    if not runs:
        return ""
    missed = [s for s in runs if not s.passed]
    lines = [
        "## Escalation",
        "",
        f"Over {score.scripts} scripts, {score.should_escalate} of which should reach a person: "
        f"precision {_pct(score.precision)} ({score.true_positives} of {score.escalated} "
        f"hand-overs were wanted), recall {_pct(score.recall)} ({score.true_positives} of "
        f"{score.should_escalate} reached a person), trigger agreement "
        f"{_pct(score.trigger_agreement)} (of {score.trigger_checked} that name one).",
        "",
    ]
    if not missed:
        lines += ["Every escalation script did what it expects.", ""]
        return "\n".join(lines)
    lines += [
        f"Scripts that did not do what they expect ({len(missed)} of {len(runs)}):",
        "",
        "| script | expected | got |",
        "| --- | --- | --- |",
    ]
    for s in missed:
        lines.append(f"| {_cell(s.name)} | {_expected(s)} | {_cell(s.problem)} |")
    return "\n".join(lines) + "\n"


def _cost(r: EvalReport) -> str:
    rows = [
        row for row in metric_rows(r.metrics) if row[0] in {"cost per 1,000 turns", "LLM tokens"}
    ]
    lines = ["## Cost", ""]
    lines += [f"- {name}: {value}, over {over}" for name, value, over in rows]
    return "\n".join(lines) + "\n"


def _pairs_table(
    pairs: Sequence[ConfusedPair], what: str, example: str, *, texts: bool
) -> list[str]:
    if not pairs:
        return [f"No {what} was answered in place of another.", ""]
    lines = [
        f"| count | expected {what} | answered {what} | {example} |",
        "| ---: | --- | --- | --- |",
    ]
    for p in pairs:
        expected = _labelled(p.expected, p.expected_text) if texts else _cell(p.expected)
        got = _labelled(p.got, p.got_text) if texts else _cell(p.got)
        lines.append(f"| {p.count} | {expected} | {got} | {_cell(p.example)} |")
    return [*lines, ""]


def _length_row(label: str, counts: TurnCounts) -> str:
    spread = ", ".join(f"{turns}: {n}" for turns, n in sorted(counts.counts.items()))
    most = "—" if counts.max is None else str(counts.max)
    return f"| {label} | {counts.conversations} | {_num(counts.mean)} | {most} | {spread or '—'} |"


def _result(s: ScriptResult) -> str:
    return "booked" if s.passed else "**" + _cell(s.problem) + "**"


def _expected(s: ScriptResult) -> str:
    if not s.expected_escalated:
        return "stays with the assistant"
    return "a person" + (f" ({s.expected_trigger})" if s.expected_trigger else "")


def _labelled(entry_id: str, text: str) -> str:
    return f"`{_cell(entry_id)}` {_cell(text)}" if text else f"`{_cell(entry_id)}`"


def _file(ref: FileRef, what: str) -> str:
    return f"`{_cell(ref.file)}`, {what}; sha256 `{ref.sha256[:12]}…`"


def _cell(text: str) -> str:
    """Table-safe: one line, no column breaks, not too long."""
    flat = " ".join(text.split()).replace("|", "\\|")
    return flat if len(flat) <= _CELL_CHARS else flat[: _CELL_CHARS - 1] + "…"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f} %"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} ms"


def _num(value: float | None, places: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{places}f}"
