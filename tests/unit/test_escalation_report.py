"""The escalation report's arithmetic on seeded cases whose true figures are known:
ISO weeks across New Year, rising topics, repeat customers and visitors, outcomes,
CSAT and the agents' feedback per trigger with its tuning hints."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from frontdesk.core.escalation.model import (
    Case,
    CaseStatus,
    Feedback,
    Rating,
    Trigger,
    TriggerKind,
    Verdict,
)
from frontdesk.core.escalation.report import (
    CSV_COLUMNS,
    EscalationReport,
    build_report,
    case_rows,
    check_weeks,
    parse_day,
    period_of,
    rows_csv,
    tuning_hint,
    week_label,
    zone,
)
from frontdesk.errors import InputError

ASKED, FRUSTRATED = TriggerKind.ASKED, TriggerKind.FRUSTRATED
FAILING, SENSITIVE = TriggerKind.FAILING, TriggerKind.SENSITIVE
LABELS = {
    "faq:refund": "Refunds: how long do they take?",
    "faq:ship": "Shipping times",
    "faq:gift": "Gift cards",
    "faq:hours": "Opening hours",
    "faq:fraud": "Fraud on my card",
}
QUEUED, CLAIMED = CaseStatus.QUEUED, CaseStatus.CLAIMED
RETURNED, CLOSED = CaseStatus.RETURNED, CaseStatus.CLOSED


def at(month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0) -> float:
    year = 2025 if month == 12 else 2026
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp()


def case(
    case_id: str,
    created: float,
    kind: TriggerKind,
    topic: str,
    customer: str | None = None,
    status: CaseStatus = QUEUED,
    claimed: float | None = None,
    ended: float | None = None,
) -> Case:
    return Case(
        id=case_id,
        conversation_id=f"conv_{case_id}",
        queue="support",
        trigger=Trigger(kind, f"{kind.value} reason", ("evidence",), 0.8, "detail"),
        topic=topic,
        topic_label=LABELS[topic],
        status=status,
        created_at=created,
        customer_id=customer,
        agent_id="agt_sam" if claimed is not None else None,
        claimed_at=None if claimed is None else created + claimed,
        ended_at=None if ended is None else created + ended,
    )


# Four ISO weeks, 2025-W52 to 2026-W03 (UTC); 31 December 2025 is in 2026-W01.
CASES = [
    case("c0", at(12, 21, 23, 59, 59), ASKED, "faq:ship", "cus_a"),  # W51: before
    case("c1", at(12, 22), ASKED, "faq:ship", "cus_a", CLOSED, 60, 600),
    case("c2", at(12, 27), FRUSTRATED, "faq:refund", None, RETURNED, 120, 300),
    case("c3", at(12, 31), FAILING, "faq:ship", "cus_a", CLOSED, 180, 900),
    case("c4", at(1, 3), SENSITIVE, "faq:fraud", "cus_b", CLOSED, 30, 1200),
    case("c5", at(1, 5), FRUSTRATED, "faq:refund"),
    case("c6", at(1, 6), FRUSTRATED, "faq:refund", "cus_b", CLAIMED, 240),
    case("c7", at(1, 7), ASKED, "faq:ship", None, RETURNED, 300, 420),
    case("c12", at(1, 8), ASKED, "faq:gift", None, CLOSED, None, 50),
    case("c8", at(1, 12), FRUSTRATED, "faq:refund", "cus_a", CLOSED, 90, 390),
    case("c9", at(1, 13), FRUSTRATED, "faq:refund"),
    case("c10", at(1, 14), ASKED, "faq:refund"),
    case("c13", at(1, 15), ASKED, "faq:gift"),
    case("c14", at(1, 16), SENSITIVE, "faq:gift", "cus_c"),
    case("c15", at(1, 17), ASKED, "faq:hours", "cus_c"),
    case("c16", at(1, 18, 23, 59, 59), ASKED, "faq:hours"),  # the last second of W03
    case("c17", at(1, 19, 0, 0, 0), ASKED, "faq:hours", "cus_a"),  # W04: after
]


def rating(case_id: str, score: int, when: float) -> Rating:
    return Rating(f"conv_{case_id}", case_id, score, when)


RATINGS = [
    rating("c1", 1, at(12, 22, 11)),
    rating("c1", 5, at(12, 22, 12)),  # rated again: the later one counts
    rating("c3", 4, at(12, 31, 12)),
    rating("c4", 2, at(1, 3, 12)),
    rating("c8", 5, at(1, 12, 12)),
    rating("c0", 1, at(12, 22, 9)),  # a case outside the period
]


def verdict(case_id: str, which: Verdict, seq: int | None = None) -> Feedback:
    return Feedback(case_id, f"conv_{case_id}", "agt_sam", which, at(1, 20), seq)


FEEDBACK = [
    verdict("c2", Verdict.NEEDLESS),
    verdict("c5", Verdict.NEEDLESS),
    verdict("c6", Verdict.NEEDLESS),
    verdict("c8", Verdict.RIGHT),
    verdict("c1", Verdict.RIGHT),
    verdict("c7", Verdict.WRONG, 2),
    verdict("c3", Verdict.LATE),
    verdict("c3", Verdict.LATE, 4),
    verdict("c3", Verdict.WRONG, 2),
    verdict("c4", Verdict.NEEDLESS),
    verdict("c14", Verdict.LATE),
    verdict("c0", Verdict.NEEDLESS),  # outside the period
]
WEEKS = ("2025-W52", "2026-W01", "2026-W02", "2026-W03")


@pytest.fixture(scope="module")
def report() -> EscalationReport:
    return build_report(CASES, FEEDBACK, RATINGS, period_of(4, date(2026, 1, 14), "UTC"))


def test_the_period_is_whole_iso_weeks_across_new_year() -> None:
    period = period_of(4, date(2026, 1, 14), "UTC")
    assert period.weeks == WEEKS
    assert period.since == at(12, 22, 0)
    assert period.until == at(1, 19, 0)
    assert week_label(at(12, 31), zone("UTC")) == "2026-W01"
    # A year with 53 ISO weeks.
    assert period_of(2, date(2021, 1, 4), "UTC").weeks == ("2020-W53", "2021-W01")


def test_weeks_are_counted_in_the_shops_timezone() -> None:
    # Sunday 23:30 UTC in summer is Monday 00:30 in London: the next ISO week.
    sunday_night = datetime(2025, 6, 29, 23, 30, tzinfo=UTC).timestamp()
    assert week_label(sunday_night, zone("UTC")) == "2025-W26"
    assert week_label(sunday_night, zone("Europe/London")) == "2025-W27"
    london = period_of(1, date(2025, 6, 30), "Europe/London")
    assert london.since == datetime(2025, 6, 29, 23, 0, tzinfo=UTC).timestamp()


def test_totals_and_weekly_counts_by_trigger(report: EscalationReport) -> None:
    assert report.total == 15  # c0 and c17 fall outside
    assert report.by_trigger == {
        "asked_for_human": 7,
        "frustrated": 5,
        "assistant_failing": 1,
        "sensitive": 2,
    }
    assert [w.week for w in report.weekly] == list(WEEKS)
    assert [w.total for w in report.weekly] == [2, 2, 4, 7]
    assert report.weekly[1].counts == {
        "asked_for_human": 0,
        "frustrated": 0,
        "assistant_failing": 1,
        "sensitive": 1,
    }
    assert report.weekly[3].counts["asked_for_human"] == 4
    assert report.weekly[3].counts["frustrated"] == 2


def test_topics_per_week_most_first(report: EscalationReport) -> None:
    found = [(t.topic, t.weekly, t.total) for t in report.topics]
    assert found == [
        ("faq:refund", (1, 0, 2, 3), 6),
        ("faq:gift", (0, 0, 1, 2), 3),  # tied with ship: by label
        ("faq:ship", (1, 1, 1, 0), 3),
        ("faq:hours", (0, 0, 0, 2), 2),
        ("faq:fraud", (0, 1, 0, 0), 1),
    ]
    assert report.topics[0].label == LABELS["faq:refund"]


def test_rising_topics_need_enough_recent_cases(report: EscalationReport) -> None:
    rising = {r.topic: r for r in report.rising}
    assert list(rising) == ["faq:refund", "faq:gift"]
    refund = rising["faq:refund"]
    assert (refund.recent, refund.before) == (5, 1)
    assert (refund.recent_per_week, refund.before_per_week, refund.factor) == (2.5, 0.5, 5.0)
    assert rising["faq:gift"].factor is None  # new: nothing in the weeks before
    # Two new cases of opening hours are not a trend; shipping went down.
    assert "faq:hours" not in rising and "faq:ship" not in rising
    assert "at least 3 recent cases" in report.rising_rule


def test_repeat_customers_skip_visitors(report: EscalationReport) -> None:
    repeats = [(r.customer_id, r.cases, r.last_topic) for r in report.repeat_customers]
    assert repeats == [
        ("cus_a", 3, LABELS["faq:refund"]),
        ("cus_c", 2, LABELS["faq:hours"]),  # latest case first among equals
        ("cus_b", 2, LABELS["faq:refund"]),
    ]
    assert report.repeat_customers[0].triggers == {
        "asked_for_human": 1,
        "assistant_failing": 1,
        "frustrated": 1,
    }
    assert report.visitor_cases == 8


def test_outcomes_and_median_times(report: EscalationReport) -> None:
    out = report.outcomes
    assert (out.returned, out.closed, out.open, out.claimed) == (2, 5, 8, 7)
    assert out.median_wait_s == 120.0  # 30 60 90 [120] 180 240 300
    assert out.median_handling_s == 420.0  # 120 180 [300 540] 720 1170


def test_csat_counts_one_rating_per_case_of_the_period(report: EscalationReport) -> None:
    assert report.csat.count == 4
    assert report.csat.mean == 4.0
    assert report.csat.satisfied_share == 0.75
    assert report.csat.by_score == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 2}


def test_feedback_per_trigger_with_hints(report: EscalationReport) -> None:
    by_kind = {f.trigger: f for f in report.feedback}
    frustrated = by_kind["frustrated"]
    assert frustrated.cases == 5 and frustrated.total == 4
    assert frustrated.verdicts == {
        "right_answer": 1,
        "wrong_answer": 0,
        "escalated_needlessly": 3,
        "should_have_escalated_sooner": 0,
    }
    assert "raise [triggers.frustration] threshold" in frustrated.hint
    failing = by_kind["assistant_failing"]
    assert failing.verdicts["should_have_escalated_sooner"] == 2 and failing.total == 3
    assert "lower [triggers.failing] abstentions_in_a_row" in failing.hint
    # Two opinions are too few to suggest anything.
    assert by_kind["asked_for_human"].total == 2 and by_kind["asked_for_human"].hint == ""
    assert by_kind["sensitive"].verdicts["escalated_needlessly"] == 1  # c0's is left out
    assert by_kind["sensitive"].hint == ""


def test_tuning_hints_need_a_dominant_verdict() -> None:
    assert tuning_hint(FRUSTRATED, {Verdict.NEEDLESS: 2, Verdict.LATE: 2}) == ""
    assert tuning_hint(FRUSTRATED, {Verdict.NEEDLESS: 1, Verdict.LATE: 1, Verdict.RIGHT: 1}) == ""
    half = {Verdict.NEEDLESS: 2, Verdict.RIGHT: 1, Verdict.LATE: 1}
    assert "raise [triggers.frustration] threshold" in tuning_hint(FRUSTRATED, half)
    assert "lower [triggers.asked] threshold" in tuning_hint(ASKED, {Verdict.LATE: 3})
    assert "narrow [triggers.sensitive] topics" in tuning_hint(SENSITIVE, {Verdict.NEEDLESS: 3})
    assert "FAQ entries" in tuning_hint(ASKED, {Verdict.WRONG: 4, Verdict.RIGHT: 1})


def test_an_empty_period_is_a_report_of_zeros() -> None:
    empty = build_report([], [], [], period_of(8, date(2026, 1, 14), "UTC"))
    assert empty.total == 0 and empty.topics == () and empty.rising == ()
    assert [w.total for w in empty.weekly] == [0] * 8
    assert empty.csat.mean is None and empty.outcomes.median_wait_s is None
    assert all(f.total == 0 and f.hint == "" for f in empty.feedback)
    json.dumps(empty.as_dict())  # serialisable as it is


def test_one_week_has_no_rising_topics() -> None:
    one = build_report(CASES, [], [], period_of(1, date(2026, 1, 14), "UTC"))
    assert one.total == 7 and one.rising == ()


def test_case_rows_for_csv() -> None:
    rows = case_rows(CASES[1:16], FEEDBACK, RATINGS)
    assert len(rows) == 15
    first = rows[0]
    assert list(first) == list(CSV_COLUMNS)
    assert first["id"] == "c1"
    assert first["created_at"] == "2025-12-22T10:00:00+00:00"
    assert (first["trigger"], first["detail"], first["score"]) == ("asked_for_human", "detail", 0.8)
    assert (first["wait_s"], first["handling_s"], first["rating"]) == (60.0, 540.0, 5)
    assert first["customer_id"] == "cus_a" and first["verdicts"] == "right_answer"
    c3 = next(r for r in rows if r["id"] == "c3")
    assert (
        c3["verdicts"] == "should_have_escalated_sooner;should_have_escalated_sooner;wrong_answer"
    )
    c5 = next(r for r in rows if r["id"] == "c5")
    assert (c5["wait_s"], c5["handling_s"], c5["rating"], c5["customer_id"]) == ("", "", "", "")
    c12 = next(r for r in rows if r["id"] == "c12")
    assert (c12["status"], c12["wait_s"], c12["handling_s"]) == ("closed", "", "")


def test_csv_text_has_a_header_and_defuses_formulas() -> None:
    odd = replace(case("odd", at(1, 5), ASKED, "faq:ship"), topic_label="=HYPERLINK(1)")
    text = rows_csv(case_rows([CASES[1], odd], [], []))
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert tuple(parsed[0]) == CSV_COLUMNS
    assert [row["id"] for row in parsed] == ["c1", "odd"]
    assert parsed[1]["topic_label"] == "'=HYPERLINK(1)"
    assert parsed[0]["wait_s"] == "60.0"


@pytest.mark.parametrize("weeks", [0, -1, 105])
def test_weeks_out_of_range_are_refused(weeks: int) -> None:
    with pytest.raises(InputError, match="1 to 104"):
        check_weeks(weeks)
    with pytest.raises(InputError):
        period_of(weeks, date(2026, 1, 14), "UTC")


@pytest.mark.parametrize("text", ["2026-13-01", "yesterday", "14/01/2026", ""])
def test_bad_dates_name_the_option(text: str) -> None:
    with pytest.raises(InputError, match="--until must be a date written YYYY-MM-DD"):
        parse_day(text, "--until")


def test_unknown_timezones_are_refused() -> None:
    with pytest.raises(InputError, match="Unknown timezone"):
        period_of(4, date(2026, 1, 14), "Mars/Olympus")
