"""`frontdesk escalations report`: what went to people, week by week, and what the
agents said of the assistant's handling, as tables with text bar charts (or JSON, or
one CSV row per case)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.escalation_store import SqlCaseStore
from frontdesk.adapters.storage.migrate import upgrade
from frontdesk.adapters.storage.store import SqlConversationStore
from frontdesk.bootstrap import default_escalation_path
from frontdesk.config import Settings, load_settings
from frontdesk.core.escalation.config import load_escalation_rules
from frontdesk.core.escalation.model import CaseQuery, TriggerKind, Verdict
from frontdesk.core.escalation.report import (
    DEFAULT_WEEKS,
    MIN_FEEDBACK_FOR_HINT,
    EscalationReport,
    Period,
    build_report,
    case_rows,
    check_weeks,
    parse_day,
    period_of,
    rows_csv,
    today_in,
    zone,
)
from frontdesk.core.files import write_atomically
from frontdesk.errors import FrontdeskError, InputError
from frontdesk.interfaces.cli.common import console, fail, note

app = typer.Typer(no_args_is_help=True)

BAR_WIDTH = 30
TOP_TOPICS = 10
_EIGHTHS = " ▏▎▍▌▋▊▉"
_SPARKS = "▁▂▃▄▅▆▇█"
TRIGGER_STYLE = {
    TriggerKind.ASKED.value: "blue",
    TriggerKind.FRUSTRATED.value: "red",
    TriggerKind.FAILING.value: "yellow",
    TriggerKind.SENSITIVE.value: "magenta",
}
SHORT_TRIGGER = {
    TriggerKind.ASKED.value: "asked",
    TriggerKind.FRUSTRATED.value: "frustrated",
    TriggerKind.FAILING.value: "failing",
    TriggerKind.SENSITIVE.value: "sensitive",
}
SHORT_VERDICT = {
    Verdict.RIGHT.value: "right",
    Verdict.WRONG.value: "wrong",
    Verdict.NEEDLESS.value: "needless",
    Verdict.LATE.value: "too late",
}
DAY_S = 86400.0


# -- the database and the shop's clock ---------------------------------------------------


@contextmanager
def case_stores() -> Iterator[tuple[Settings, SqlCaseStore, SqlConversationStore]]:
    """The settings and the case and conversation stores on FRONTDESK_DATABASE_URL."""
    settings = load_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database)
    try:
        upgrade(engine)
        cases, conversations = SqlCaseStore(engine), SqlConversationStore(engine)
        try:
            yield settings, cases, conversations
        finally:
            cases.close()
            conversations.close()  # releases its lock file (and disposes the engine)
    finally:
        engine.dispose()


def shop_timezone(settings: Settings) -> str:
    """The timezone of the shop's support hours (escalation.toml), which weeks and
    dates are read in."""
    return load_escalation_rules(default_escalation_path(settings)).hours.timezone.key


# -- the command ------------------------------------------------------------------------


@app.command("report")
def report(
    weeks: Annotated[
        int, typer.Option("--weeks", help="How many ISO weeks (1–104).")
    ] = DEFAULT_WEEKS,
    until: Annotated[
        str | None,
        typer.Option("--until", help="A day (YYYY-MM-DD) in the last week shown; default today."),
    ] = None,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Also write one row per case to this CSV file.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Escalations per week by trigger and topic, rising topics, repeat customers,
    outcomes, CSAT and the agents' feedback per trigger, with tuning hints."""
    try:
        built, rows = read_report(weeks, until)
        if csv_path is not None:
            write_text(csv_path, rows_csv(rows))
    except FrontdeskError as exc:
        fail(exc)
    if as_json:
        console.print_json(json.dumps(built.as_dict()))
        return
    if csv_path is not None:
        note(f"wrote {len(rows)} case row(s) to {csv_path}")
    print_report(built)


def read_report(weeks: int, until: str | None) -> tuple[EscalationReport, list[dict[str, object]]]:
    check_weeks(weeks)
    last_day = None if until is None else parse_day(until, "--until")
    with case_stores() as (settings, cases, _):
        timezone = shop_timezone(settings)
        period = period_of(weeks, last_day or today_in(timezone, time.time()), timezone)
        found = cases.cases(CaseQuery(period.since, period.until))
        # Feedback and ratings of these cases may come after the period ends.
        later = max(period.until, time.time()) + DAY_S
        verdicts = cases.feedback(period.since, later)
        ratings = cases.ratings(period.since, later)
    built = build_report(found, verdicts, ratings, period)
    ids = {c.id for c in found}
    rows = case_rows(
        found,
        [f for f in verdicts if f.case_id in ids],
        [r for r in ratings if r.case_id in ids],
    )
    return built, rows


def write_text(path: Path, text: str) -> None:
    try:
        write_atomically(path, text.encode("utf-8"))
    except OSError as exc:
        raise InputError(f"Cannot write {path}: {exc.strerror or exc}.") from exc


# -- printing ---------------------------------------------------------------------------


def print_report(built: EscalationReport) -> None:
    console.print(_title(built), soft_wrap=True)
    if built.total == 0:
        console.print("No escalations in this period.")
        return
    console.print(_weekly_table(built))
    console.print(_topics_table(built))
    console.print(_rising_table(built))
    if built.rising:
        console.print(Text(built.rising_rule, style="dim"), soft_wrap=True)
    console.print(_repeat_table(built))
    console.print(_outcomes_table(built))
    console.print(_feedback_table(built))


def _title(built: EscalationReport) -> Text:
    period = built.period
    first, last = period.weeks[0], period.weeks[-1]
    span = first if first == last else f"{first} to {last}"
    visitors = f", {built.visitor_cases} from visitors" if built.visitor_cases else ""
    return Text.assemble(
        ("Escalations ", "bold"),
        f"{span} ({len(period.weeks)} week(s), {_day(period.since, period)} to "
        f"{_day(period.until - 1, period)}, {period.timezone}): ",
        (f"{built.total} case(s)", "bold"),
        visitors,
    )


def _day(at: float, period: Period) -> str:
    return datetime.fromtimestamp(at, zone(period.timezone)).strftime("%Y-%m-%d")


def bar(value: float, maximum: float, width: int = BAR_WIDTH) -> str:
    """A horizontal bar in eighths of a block: value ÷ maximum of ``width`` cells."""
    if maximum <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / maximum * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


def sparkline(values: Sequence[int]) -> str:
    top = max(values, default=0)
    if top <= 0:
        return _SPARKS[0] * len(values)
    return "".join(_SPARKS[round(v / top * (len(_SPARKS) - 1))] for v in values)


def stacked_bar(counts: dict[str, int], maximum: int, width: int = BAR_WIDTH) -> Text:
    """One bar per week, a coloured stretch per trigger; the stretches' edges are
    rounded from running totals, so the whole bar's length stays true."""
    text = Text()
    if maximum <= 0:
        return text
    done, edge = 0, 0
    for kind, style in TRIGGER_STYLE.items():
        done += counts.get(kind, 0)
        end = round(done / maximum * width)
        if counts.get(kind, 0) and end == edge:
            end += 1  # a trigger with cases is never invisible
        text.append("█" * (end - edge), style=style)
        edge = end
    return text


def _legend() -> Text:
    text = Text()
    for kind, style in TRIGGER_STYLE.items():
        text.append("█ ", style=style)
        text.append(f"{SHORT_TRIGGER[kind]}  ")
    return text


def _weekly_table(built: EscalationReport) -> Table:
    table = Table(title="Cases per week by trigger", caption=_legend(), title_justify="left")
    table.add_column("week")
    for kind in TRIGGER_STYLE:
        table.add_column(SHORT_TRIGGER[kind], justify="right")
    table.add_column("total", justify="right", style="bold")
    table.add_column("")
    most = max((w.total for w in built.weekly), default=0)
    for week in built.weekly:
        counts = [str(week.counts[kind] or "·") for kind in TRIGGER_STYLE]
        table.add_row(week.week, *counts, str(week.total), stacked_bar(week.counts, most))
    table.add_row("all", *(str(built.by_trigger[k]) for k in TRIGGER_STYLE), str(built.total), "")
    return table


def _topics_table(built: EscalationReport) -> Table:
    shown = built.topics[:TOP_TOPICS]
    title = f"Top topics ({len(shown)} of {len(built.topics)})"
    table = Table(title=title, title_justify="left")
    table.add_column("topic", overflow="fold", max_width=48)
    table.add_column("cases", justify="right")
    table.add_column("", style="green")
    table.add_column("per week", style="dim")
    most = shown[0].total if shown else 0
    for topic in shown:
        table.add_row(
            topic.label, str(topic.total), bar(topic.total, most), sparkline(topic.weekly)
        )
    return table


def _rising_table(built: EscalationReport) -> Table | Text:
    if not built.rising:
        return Text(f"Rising topics: none. {built.rising_rule}", style="dim")
    table = Table(title="Rising topics", title_justify="left")
    for name in ("topic", "recent", "before", "per week now", "per week before", "change"):
        table.add_column(name, justify="left" if name == "topic" else "right")
    for topic in built.rising:
        change = "new" if topic.factor is None else f"×{topic.factor:g}"
        table.add_row(
            topic.label,
            str(topic.recent),
            str(topic.before),
            f"{topic.recent_per_week:g}",
            f"{topic.before_per_week:g}",
            change,
        )
    return table


def _repeat_table(built: EscalationReport) -> Table | Text:
    if not built.repeat_customers:
        return Text("Repeat customers: none (two or more cases in the period).", style="dim")
    table = Table(title="Repeat customers", title_justify="left")
    for name in ("customer", "cases", "last topic", "last case", "triggers"):
        table.add_column(name, justify="right" if name == "cases" else "left")
    for customer in built.repeat_customers:
        kinds = ", ".join(f"{SHORT_TRIGGER[k]} {n}" for k, n in customer.triggers.items())
        table.add_row(
            customer.customer_id,
            str(customer.cases),
            customer.last_topic,
            _day(customer.last_at, built.period),
            kinds,
        )
    return table


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def _outcomes_table(built: EscalationReport) -> Table:
    out, csat = built.outcomes, built.csat
    table = Table(title="Outcomes and CSAT", title_justify="left")
    names = ("handed back", "closed", "still open", "median wait", "median handling", "CSAT")
    for name in names:
        table.add_column(name, justify="right")
    rating = (
        "no ratings"
        if csat.mean is None or csat.satisfied_share is None
        else f"{csat.mean:.2f} / 5 ({csat.count} rating(s), {csat.satisfied_share:.0%} 4–5★)"
    )
    table.add_row(
        str(out.returned),
        str(out.closed),
        str(out.open),
        duration(out.median_wait_s),
        duration(out.median_handling_s),
        rating,
    )
    return table


def _no_hint(total: int) -> str:
    if total == 0:
        return "no feedback yet"
    if total < MIN_FEEDBACK_FOR_HINT:
        return f"too few verdicts for a hint (at least {MIN_FEEDBACK_FOR_HINT})"
    return "no verdict dominates"


def _feedback_table(built: EscalationReport) -> Table:
    table = Table(title="Agents' feedback per trigger", title_justify="left")
    table.add_column("trigger")
    table.add_column("cases", justify="right")
    for verdict in Verdict:
        table.add_column(SHORT_VERDICT[verdict.value], justify="right")
    table.add_column("hint", overflow="fold")
    for row in built.feedback:
        counts = [str(row.verdicts[v.value] or "·") for v in Verdict]
        hint = row.hint or _no_hint(row.total)
        table.add_row(
            Text(SHORT_TRIGGER[row.trigger], style=TRIGGER_STYLE[row.trigger]),
            str(row.cases),
            *counts,
            Text(hint, style="dim" if not row.hint else "bold"),
        )
    return table
