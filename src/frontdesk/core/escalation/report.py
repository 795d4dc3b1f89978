"""The escalation report: what went to people over a run of ISO weeks, and what the
agents thought of the assistant's handling.

From the cases of a period, the agents' feedback and the shoppers' ratings:

- counts per ISO week (Monday to Sunday, in the shop's timezone) by trigger kind and
  by topic (the nearest FAQ entry or intent of what the shopper wanted);
- rising topics: the last ``recent_weeks`` weeks against the weeks before them (see
  ``RISING_RULE``);
- repeat customers: signed-in shoppers with two or more cases (visitors have no
  customer id, so they are counted apart and never matched to each other);
- outcomes (handed back, closed, still open), the median wait for an agent to claim
  and the median handling time;
- CSAT, the shoppers' 1–5 ratings of cases in the period;
- the agents' verdicts per trigger kind, with a plain hint when one verdict dominates:
  "escalated needlessly" for ``frustrated`` says raise its threshold.

Feedback and ratings count only for cases in the report, so an agent who sees some
queues never sees figures about the others. Everything here is arithmetic on the
records given; reading them is the caller's.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from frontdesk.core.escalation.model import (
    OPEN_STATUSES,
    Case,
    CaseStatus,
    Feedback,
    Rating,
    TriggerKind,
    Verdict,
)
from frontdesk.errors import InputError

MIN_WEEKS, MAX_WEEKS = 1, 104
DEFAULT_WEEKS = 8
RECENT_WEEKS = 2
# A topic is rising when its last weeks hold at least MIN_RISING cases and their
# weekly rate is at least RISE_FACTOR times the rate of the weeks before.
MIN_RISING = 3
RISE_FACTOR = 1.5
# A verdict "dominates" a trigger when it is at least half of at least this many.
MIN_FEEDBACK_FOR_HINT = 3
DOMINANT_SHARE = 0.5
SATISFIED_SCORES = frozenset({4, 5})

CSV_COLUMNS = (
    "id",
    "created_at",
    "queue",
    "trigger",
    "detail",
    "score",
    "reason",
    "topic",
    "topic_label",
    "status",
    "customer_id",
    "agent_id",
    "wait_s",
    "handling_s",
    "rating",
    "verdicts",
)
# Cells a spreadsheet would run as a formula; such text is written with a leading '.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# What to change in escalation.toml when one verdict dominates a trigger's cases.
_SETTING = {
    TriggerKind.ASKED: "[triggers.asked] threshold",
    TriggerKind.FRUSTRATED: "[triggers.frustration] threshold",
    TriggerKind.FAILING: "[triggers.failing] abstentions_in_a_row (or rephrase_cosine)",
    TriggerKind.SENSITIVE: "[triggers.sensitive] topics",
}
_HINTS = {
    Verdict.NEEDLESS: "Mostly escalated needlessly: raise {setting} so it fires less often.",
    Verdict.LATE: "Mostly escalated too late: lower {setting} so it fires sooner.",
    Verdict.WRONG: (
        "Mostly wrong answers before the hand-over: fix those FAQ entries "
        "(`frontdesk feedback export` lists them)."
    ),
    Verdict.RIGHT: "Mostly right answers: the trigger looks well tuned.",
}
_SENSITIVE_HINTS = {
    Verdict.NEEDLESS: "Mostly escalated needlessly: narrow {setting} or their phrases.",
    Verdict.LATE: "Mostly escalated too late: add to {setting}.",
}


def rising_rule(recent_weeks: int = RECENT_WEEKS) -> str:
    """How rising topics are found, in words for the report's readers."""
    return (
        f"Cases per week in the last {recent_weeks} week(s) against the weeks before "
        f"them: a topic rises with at least {MIN_RISING} recent cases and a recent weekly "
        f"rate at least {RISE_FACTOR:g}× the earlier one (or no earlier cases at all)."
    )


RISING_RULE = rising_rule()


# -- the period ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """Whole ISO weeks, Monday 00:00 to Monday 00:00 in ``timezone``; times in epoch s."""

    since: float
    until: float
    timezone: str
    weeks: tuple[str, ...]  # "2025-W52", "2026-W01" …


def parse_day(text: str, option: str) -> date:
    """A calendar date as typed (2026-01-31); InputError naming the option otherwise."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"{option} must be a date written YYYY-MM-DD, like 2026-01-31; not {text!r}."
        ) from None


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"Unknown timezone {name!r}; use an IANA name like Europe/London."
        ) from None


def check_weeks(weeks: int) -> int:
    if not MIN_WEEKS <= weeks <= MAX_WEEKS:
        raise InputError(f"weeks must be {MIN_WEEKS} to {MAX_WEEKS} (two years), not {weeks}.")
    return weeks


def week_label(at: float, tz: ZoneInfo) -> str:
    """The ISO week of a moment in the shop's timezone: "2026-W01" (ISO years differ
    from calendar years around New Year: 29 December 2025 is in 2026-W01)."""
    year, week, _ = datetime.fromtimestamp(at, tz).isocalendar()
    return f"{year}-W{week:02d}"


def day_start(day: date, tz: ZoneInfo) -> float:
    return datetime.combine(day, time(0), tz).timestamp()


def period_of(weeks: int, last_day: date, timezone: str) -> Period:
    """The ``weeks`` ISO weeks that end with the week holding ``last_day``."""
    check_weeks(weeks)
    tz = zone(timezone)
    monday = last_day - timedelta(days=last_day.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    mondays = [first + timedelta(weeks=i) for i in range(weeks)]
    labels = tuple(week_label(day_start(m, tz) + 43200, tz) for m in mondays)
    end = monday + timedelta(weeks=1)
    return Period(day_start(first, tz), day_start(end, tz), timezone, labels)


def today_in(timezone: str, now: float) -> date:
    return datetime.fromtimestamp(now, zone(timezone)).date()


# -- the report ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeekCounts:
    week: str
    counts: dict[str, int]  # trigger kind → cases (every kind, zeros included)
    total: int


@dataclass(frozen=True, slots=True)
class TopicCount:
    topic: str  # "faq:12", "intent:complaint", "none"
    label: str  # its latest words: "How long do refunds take?"
    weekly: tuple[int, ...]  # per week of the period, in order
    total: int


@dataclass(frozen=True, slots=True)
class RisingTopic:
    topic: str
    label: str
    recent: int  # cases in the last weeks
    before: int  # cases in the weeks before them
    recent_per_week: float
    before_per_week: float
    factor: float | None  # recent ÷ before weekly rate; None: no earlier cases


@dataclass(frozen=True, slots=True)
class RepeatCustomer:
    customer_id: str
    cases: int
    last_topic: str  # the label of their latest case's topic
    last_at: float
    triggers: dict[str, int]


@dataclass(frozen=True, slots=True)
class Outcomes:
    returned: int  # handed back to the assistant
    closed: int
    open: int  # still queued or claimed
    claimed: int  # cases an agent took (whatever happened next)
    median_wait_s: float | None  # created → claimed
    median_handling_s: float | None  # claimed → handed back or closed


@dataclass(frozen=True, slots=True)
class Csat:
    count: int
    mean: float | None  # 1 … 5
    satisfied_share: float | None  # share of 4s and 5s
    by_score: dict[str, int]  # "1" … "5" → ratings


@dataclass(frozen=True, slots=True)
class TriggerFeedback:
    trigger: str
    cases: int  # cases of this trigger in the period
    verdicts: dict[str, int]  # every verdict, zeros included
    total: int
    hint: str  # what to tune, when one verdict dominates; "" otherwise


@dataclass(frozen=True, slots=True)
class EscalationReport:
    period: Period
    total: int
    by_trigger: dict[str, int]
    weekly: tuple[WeekCounts, ...]
    topics: tuple[TopicCount, ...]  # most cases first
    rising: tuple[RisingTopic, ...]
    rising_rule: str
    repeat_customers: tuple[RepeatCustomer, ...]
    visitor_cases: int  # cases of shoppers who were not signed in
    outcomes: Outcomes
    csat: Csat
    feedback: tuple[TriggerFeedback, ...]  # one per trigger kind

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def build_report(
    cases: Iterable[Case],
    feedback: Iterable[Feedback],
    ratings: Iterable[Rating],
    period: Period,
    recent_weeks: int = RECENT_WEEKS,
) -> EscalationReport:
    """The report of the cases created within ``period``; feedback and ratings of
    other cases (another queue, another period) are left out."""
    tz = zone(period.timezone)
    kept = [c for c in cases if period.since <= c.created_at < period.until]
    ids = {c.id for c in kept}
    verdicts = [f for f in feedback if f.case_id in ids]
    scores = _latest_ratings(r for r in ratings if r.case_id in ids)
    weeks = [week_label(c.created_at, tz) for c in kept]
    topics = topic_counts(kept, weeks, period.weeks)
    return EscalationReport(
        period=period,
        total=len(kept),
        by_trigger=counts_by_kind(c.trigger.kind for c in kept),
        weekly=weekly_counts(kept, weeks, period.weeks),
        topics=topics,
        rising=rising_topics(topics, recent_weeks),
        rising_rule=rising_rule(recent_weeks),
        repeat_customers=repeat_customers(kept),
        visitor_cases=sum(1 for c in kept if not c.customer_id),
        outcomes=outcomes(kept),
        csat=csat(scores.values()),
        feedback=feedback_by_trigger(kept, verdicts),
    )


def counts_by_kind(kinds: Iterable[TriggerKind]) -> dict[str, int]:
    counted = Counter(kinds)
    return {kind.value: counted.get(kind, 0) for kind in TriggerKind}


def _latest_ratings(ratings: Iterable[Rating]) -> dict[str, Rating]:
    """One rating per case: the store keeps one, but a caller may pass more."""
    latest: dict[str, Rating] = {}
    for rating in ratings:
        if rating.case_id not in latest or rating.at >= latest[rating.case_id].at:
            latest[rating.case_id] = rating
    return latest


def weekly_counts(
    cases: Sequence[Case], weeks: Sequence[str], labels: Sequence[str]
) -> tuple[WeekCounts, ...]:
    """Cases per week by trigger kind; ``weeks`` is each case's week label."""
    by_week: dict[str, list[TriggerKind]] = defaultdict(list)
    for case, week in zip(cases, weeks, strict=True):
        by_week[week].append(case.trigger.kind)
    return tuple(
        WeekCounts(label, counts_by_kind(by_week[label]), len(by_week[label])) for label in labels
    )


def topic_counts(
    cases: Sequence[Case], weeks: Sequence[str], labels: Sequence[str]
) -> tuple[TopicCount, ...]:
    """Cases per topic and week, most cases first (then by label)."""
    position = {label: i for i, label in enumerate(labels)}
    weekly: dict[str, list[int]] = {}
    words: dict[str, str] = {}
    for case, week in zip(cases, weeks, strict=True):
        counts = weekly.setdefault(case.topic, [0] * len(labels))
        counts[position[week]] += 1
        words[case.topic] = case.topic_label or case.topic  # cases come oldest first
    found = [TopicCount(t, words[t], tuple(n), sum(n)) for t, n in weekly.items()]
    return tuple(sorted(found, key=lambda t: (-t.total, t.label.casefold(), t.topic)))


def rising_topics(
    topics: Sequence[TopicCount], recent_weeks: int = RECENT_WEEKS
) -> tuple[RisingTopic, ...]:
    """Topics whose last weeks run well above the weeks before (RISING_RULE), the
    biggest rise in cases per week first. A period with no earlier weeks has none."""
    if not topics:
        return ()
    n_weeks = len(topics[0].weekly)
    recent_n = min(recent_weeks, n_weeks - 1)
    if recent_n < 1:
        return ()
    rising = [r for t in topics if (r := _rising(t, recent_n, n_weeks - recent_n)) is not None]
    rising.sort(key=lambda r: (-(r.recent_per_week - r.before_per_week), r.label.casefold()))
    return tuple(rising)


def _rising(topic: TopicCount, recent_n: int, before_n: int) -> RisingTopic | None:
    recent = sum(topic.weekly[-recent_n:])
    before = sum(topic.weekly[:-recent_n])
    recent_rate, before_rate = recent / recent_n, before / before_n
    if recent < MIN_RISING or recent_rate < RISE_FACTOR * before_rate:
        return None
    factor = None if before == 0 else round(recent_rate / before_rate, 2)
    return RisingTopic(
        topic.topic,
        topic.label,
        recent,
        before,
        round(recent_rate, 2),
        round(before_rate, 2),
        factor,
    )


def repeat_customers(cases: Sequence[Case], minimum: int = 2) -> tuple[RepeatCustomer, ...]:
    """Signed-in customers with ``minimum`` or more cases, most cases first."""
    by_customer: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        if case.customer_id:
            by_customer[case.customer_id].append(case)
    repeats = [_repeat(cid, found) for cid, found in by_customer.items() if len(found) >= minimum]
    return tuple(sorted(repeats, key=lambda r: (-r.cases, -r.last_at, r.customer_id)))


def _repeat(customer_id: str, cases: Sequence[Case]) -> RepeatCustomer:
    last = max(cases, key=lambda c: c.created_at)
    kinds = Counter(c.trigger.kind.value for c in cases)
    return RepeatCustomer(
        customer_id, len(cases), last.topic_label or last.topic, last.created_at, dict(kinds)
    )


def outcomes(cases: Sequence[Case]) -> Outcomes:
    waits = [c.claimed_at - c.created_at for c in cases if c.claimed_at is not None]
    handling = [
        c.ended_at - c.claimed_at
        for c in cases
        if c.claimed_at is not None and c.ended_at is not None
    ]
    status = Counter(c.status for c in cases)
    return Outcomes(
        returned=status[CaseStatus.RETURNED],
        closed=status[CaseStatus.CLOSED],
        open=sum(status[s] for s in OPEN_STATUSES),
        claimed=len(waits),
        median_wait_s=_median(waits),
        median_handling_s=_median(handling),
    )


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(max(0.0, v) for v in values), 1) if values else None


def csat(ratings: Iterable[Rating]) -> Csat:
    scores = [r.score for r in ratings]
    counted = Counter(scores)
    by_score = {str(s): counted.get(s, 0) for s in range(1, 6)}
    if not scores:
        return Csat(0, None, None, by_score)
    satisfied = sum(1 for s in scores if s in SATISFIED_SCORES)
    return Csat(
        len(scores),
        round(statistics.fmean(scores), 2),
        round(satisfied / len(scores), 3),
        by_score,
    )


def feedback_by_trigger(
    cases: Sequence[Case], feedback: Sequence[Feedback]
) -> tuple[TriggerFeedback, ...]:
    """Each trigger kind's verdicts (of feedback on its cases) with a tuning hint."""
    kind_of = {c.id: c.trigger.kind for c in cases}
    cases_of = Counter(kind_of.values())
    verdicts: dict[TriggerKind, Counter[Verdict]] = defaultdict(Counter)
    for item in feedback:
        verdicts[kind_of[item.case_id]][item.verdict] += 1
    return tuple(_trigger_feedback(kind, cases_of[kind], verdicts[kind]) for kind in TriggerKind)


def _trigger_feedback(kind: TriggerKind, cases: int, counted: Counter[Verdict]) -> TriggerFeedback:
    total = sum(counted.values())
    return TriggerFeedback(
        kind.value,
        cases,
        {v.value: counted.get(v, 0) for v in Verdict},
        total,
        tuning_hint(kind, counted),
    )


def tuning_hint(kind: TriggerKind, counted: Mapping[Verdict, int]) -> str:
    """A plain suggestion when one verdict is at least half of enough feedback."""
    total = sum(counted.values())
    if total < MIN_FEEDBACK_FOR_HINT:
        return ""
    top, n = max(counted.items(), key=lambda item: item[1])
    if n / total < DOMINANT_SHARE or _tied(counted, n):
        return ""  # half each for two verdicts is no dominance either
    special = _SENSITIVE_HINTS if kind is TriggerKind.SENSITIVE else _HINTS
    return special.get(top, _HINTS[top]).format(setting=_SETTING[kind])


def _tied(counted: Mapping[Verdict, int], n: int) -> bool:
    return sum(1 for value in counted.values() if value == n) > 1


# -- one row per case, for CSV ----------------------------------------------------------


def case_rows(
    cases: Iterable[Case], feedback: Iterable[Feedback], ratings: Iterable[Rating]
) -> list[dict[str, object]]:
    """One row per case (CSV_COLUMNS): its trigger, topic, outcome and timings, the
    shopper's rating and the agents' verdicts ("right_answer;wrong_answer")."""
    verdicts: dict[str, list[str]] = defaultdict(list)
    for item in feedback:
        verdicts[item.case_id].append(item.verdict.value)
    scores = _latest_ratings(ratings)
    return [_case_row(c, verdicts.get(c.id, []), scores.get(c.id)) for c in cases]


def _case_row(case: Case, verdicts: Sequence[str], rating: Rating | None) -> dict[str, object]:
    claimed, ended = case.claimed_at, case.ended_at
    return {
        "id": case.id,
        "created_at": iso_utc(case.created_at),
        "queue": case.queue,
        "trigger": case.trigger.kind.value,
        "detail": case.trigger.detail,
        "score": round(case.trigger.score, 4),
        "reason": case.trigger.reason,
        "topic": case.topic,
        "topic_label": case.topic_label,
        "status": case.status.value,
        "customer_id": case.customer_id or "",
        "agent_id": case.agent_id or "",
        "wait_s": "" if claimed is None else round(max(0.0, claimed - case.created_at), 1),
        "handling_s": ""
        if claimed is None or ended is None
        else round(max(0.0, ended - claimed), 1),
        "rating": "" if rating is None else rating.score,
        "verdicts": ";".join(verdicts),
    }


def iso_utc(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")


def rows_csv(rows: Iterable[Mapping[str, object]]) -> str:
    """CSV text with a header row; text a spreadsheet would run as a formula gets a
    leading apostrophe (topic labels and reasons may quote a shopper)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(row.get(key, "")) for key in CSV_COLUMNS})
    return out.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
