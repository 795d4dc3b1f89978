"""The pieces of live analytics on their own: the period a request names, duration
summaries, grouping unanswered questions by meaning, and which entry a "wrong answer"
verdict is about."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import numpy as np
import pytest

from frontdesk.core.analytics.figures import build_analytics
from frontdesk.core.analytics.period import analytics_period
from frontdesk.core.analytics.records import StoredConversation
from frontdesk.core.analytics.timing import Durations
from frontdesk.core.analytics.unanswered import Unanswered, top_unanswered
from frontdesk.core.analytics.wrong_entries import wrong_entries
from frontdesk.core.conversation import ConversationInfo, Event, Mode, Reply, ReplyKind, Source
from frontdesk.core.escalation.model import (
    Case,
    CaseStatus,
    Feedback,
    Trigger,
    TriggerKind,
    Verdict,
)
from frontdesk.core.ports import FloatArray
from frontdesk.errors import InputError

NOW = datetime(2026, 3, 15, 12, tzinfo=UTC).timestamp()


def test_the_default_period_is_the_last_30_days_up_to_today() -> None:
    period = analytics_period(None, None, "Europe/London", NOW)
    assert (period.first_day, period.last_day, period.days) == (
        date(2026, 2, 14),
        date(2026, 3, 15),
        30,
    )
    assert period.until - period.since == 30 * 86400
    assert period.bucket == "day" and len(period.buckets()) == 30


def test_days_are_the_shops_own_across_a_clock_change() -> None:
    # London moves to summer time on 29 March 2026: that day has 23 hours.
    period = analytics_period("2026-03-29", "2026-03-29", "Europe/London", NOW)
    assert period.until - period.since == 23 * 3600
    assert period.bucket_of(period.since) == "2026-03-29"
    assert period.bucket_of(period.until - 1) == "2026-03-29"


def test_a_long_period_is_bucketed_by_iso_week() -> None:
    period = analytics_period("2025-12-01", "2026-03-15", "UTC", NOW)
    assert period.bucket == "week"
    buckets = period.buckets()
    assert buckets[0] == "2025-W49" and buckets[-1] == "2026-W11"
    assert len(buckets) == len(set(buckets))


@pytest.mark.parametrize(
    ("since", "until", "timezone", "channel", "words"),
    [
        ("2026-03-02", "2026-03-01", "UTC", None, "after until"),
        ("2025-01-01", "2026-03-01", "UTC", None, "at most 366 days"),
        ("yesterday", None, "UTC", None, "YYYY-MM-DD"),
        (None, None, "Mars/Olympus", None, "Unknown timezone"),
        (None, None, "UTC", "WhatsApp", "channel must be"),
    ],
)
def test_a_bad_period_says_what_to_send(
    since: str | None, until: str | None, timezone: str, channel: str | None, words: str
) -> None:
    with pytest.raises(InputError, match=words):
        analytics_period(since, until, timezone, NOW, channel)


def test_durations_are_count_median_p90_and_mean() -> None:
    assert Durations.of([]) == Durations(0, None, None, None)
    assert Durations.of([10.0, 20.0, 30.0, 40.0, 1000.0]) == Durations(5, 30.0, 616.0, 220.0)
    # A clock step backwards never makes a negative duration.
    assert Durations.of([-3.0]).p50_s == 0.0


class WordsEmbedder:
    """Texts that share a key word point the same way; enough to test grouping."""

    name = "words"
    KEYS = ("ship", "gift", "voucher")

    def fit(self, corpus: Sequence[str]) -> None:
        pass

    def embed(self, texts: Sequence[str]) -> FloatArray:
        rows = [[1.0 if key in t else 0.0 for key in self.KEYS] + [0.1] for t in texts]
        vectors = np.asarray(rows, dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_unanswered_questions_are_grouped_by_meaning_most_asked_first() -> None:
    asked = [
        Unanswered(1.0, "Do you ship to Norway?"),
        Unanswered(2.0, "do you ship to norway"),
        Unanswered(3.0, "Can you ship to Iceland?"),
        Unanswered(4.0, "Do you sell gift wrap?"),
        Unanswered(5.0, "  "),
    ]
    topics = top_unanswered([a for a in asked if a.text.strip()], WordsEmbedder())
    assert [(t.label, t.count, t.examples) for t in topics] == [
        ("Do you ship to Norway?", 3, ("Can you ship to Iceland?",)),
        ("Do you sell gift wrap?", 1, ()),
    ]
    assert topics[0].last_at == 3.0


def test_without_an_embedder_only_the_same_wording_groups() -> None:
    asked = [Unanswered(1.0, "Ship to Norway?"), Unanswered(2.0, "ship to norway")]
    asked.append(Unanswered(3.0, "Ship to Iceland?"))
    topics = top_unanswered(asked, None)
    assert [(t.label, t.count) for t in topics] == [("Ship to Norway?", 2), ("Ship to Iceland?", 1)]


def answer(seq: int, at: float, entry: str) -> Event:
    reply = Reply(ReplyKind.ANSWER, "…", source_ids=(entry,))
    return Event(Source.BOT, "…", at, reply, seq=seq)


def test_a_wrong_verdict_is_about_the_reply_it_names_or_the_last_answer_before_handover() -> None:
    events = [answer(2, 10.0, "e-first"), answer(4, 20.0, "e-second"), answer(6, 99.0, "e-after")]
    case = Case(
        "k1",
        "c1",
        "support",
        Trigger(TriggerKind.ASKED, "asked"),
        "faq:x",
        "X",
        CaseStatus.CLOSED,
        50.0,
    )
    verdicts = [
        Feedback("k1", "c1", "a", Verdict.WRONG, 60.0, event_seq=2, right_entry_id="e-right"),
        Feedback("k1", "c1", "a", Verdict.WRONG, 61.0, new_answer="We ship on Mondays."),
        Feedback("k1", "c1", "a", Verdict.WRONG, 62.0, new_answer="Mondays"),
        Feedback("k1", "c1", "a", Verdict.NEEDLESS, 63.0, event_seq=2),
    ]
    questions = {"e-first": "First?", "e-second": "Second?"}
    found = wrong_entries(verdicts, [case], {"c1": events}, questions.get)
    assert [(w.entry_id, w.question, w.count, w.right_entries, w.new_answers) for w in found] == [
        ("e-second", "Second?", 2, (), 2),
        ("e-first", "First?", 1, ("e-right",), 0),
    ]


def test_a_late_evening_chat_counts_on_the_shops_own_day() -> None:
    # 23:30 in New York on 6 January is 04:30 UTC on the 7th.
    late = datetime(2026, 1, 7, 4, 30, tzinfo=UTC).timestamp()
    period = analytics_period("2026-01-06", "2026-01-06", "America/New_York", NOW)
    assert period.since <= late < period.until
    info = ConversationInfo("c1", "0" * 64, Mode.BOT, late, 2, channel="web")
    said = Event(Source.CUSTOMER, "hello", late, seq=1)
    figures = build_analytics(
        period,
        [StoredConversation(info, (said,))],
        [],
        [],
        [],
        channels={"web": 1},
        entry_question=lambda _: None,
    )
    assert figures.conversations == 1
    assert [(b.bucket, b.conversations) for b in figures.series] == [("2026-01-06", 1)]
