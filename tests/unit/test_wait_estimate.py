"""The queue wait a shopper is told: the formula, the handling time it learns from,
and support hours in the shop's timezone (closing time, weekends, holidays, DST)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from frontdesk.core.booking.model import OpeningHours
from frontdesk.core.escalation.model import Handled, SupportHours
from frontdesk.core.escalation.wait import (
    closes_at,
    estimate_wait,
    friendly_duration,
    is_open,
    next_opening,
    typical_handle_s,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAY = (OpeningHours(time(9), time(17)),)
HOURS = SupportHours(
    LONDON,
    {d: WEEKDAY for d in range(5)} | {5: (OpeningHours(time(10), time(14)),)},
    holidays=frozenset({date(2026, 12, 25), date(2026, 12, 28)}),
)


def at(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> float:
    """Epoch seconds of a wall-clock time in London."""
    return datetime(year, month, day, hour, minute, second, tzinfo=LONDON).timestamp()


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp()


def cases(*seconds: float, ended: float = 0.0) -> list[Handled]:
    """Handled cases taking ``seconds`` each, in that order, one a minute."""
    return [Handled(ended + 60 * i - s, ended + 60 * i) for i, s in enumerate(seconds)]


THURSDAY_NOON = at(2026, 6, 11, 12)
FIVE_MINUTES = cases(*[300.0] * 8)


# -- the formula -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("position", "agents", "handle_s", "expected_s"),
    [
        (1, 1, 300, 300),  # next, one agent: one handling time
        (2, 1, 300, 600),
        (1, 3, 300, 300),  # three agents, all busy: the first to finish takes it
        (3, 3, 300, 300),
        (4, 3, 300, 600),  # the second round
        (5, 2, 300, 900),
        (7, 3, 600, 1800),
        (10, 4, 240, 720),
    ],
)
def test_the_wait_is_rounds_of_agents_times_the_handling_time(
    position: int, agents: int, handle_s: float, expected_s: float
) -> None:
    wait = estimate_wait(position, agents, cases(*[handle_s] * 10), THURSDAY_NOON, HOURS)
    assert wait.seconds == expected_s
    assert wait.position == position
    assert wait.agents_online == agents
    assert wait.open_now is True
    assert wait.opens_at is None


def test_the_shopper_reads_their_place_and_a_friendly_wait() -> None:
    second = estimate_wait(2, 1, cases(*[120.0] * 6), THURSDAY_NOON, HOURS)
    assert second.text == "You're number 2 in the queue; the wait is about 4 minutes."
    first = estimate_wait(1, 2, cases(*[300.0] * 6), THURSDAY_NOON, HOURS)
    assert first.text == "You're next in the queue; the wait is about 5 minutes."


def test_a_position_below_one_is_read_as_next_in_line() -> None:
    wait = estimate_wait(0, 1, FIVE_MINUTES, THURSDAY_NOON, HOURS)
    assert wait.position == 1
    assert wait.seconds == 300


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (20, "less than a minute"),
        (60, "about a minute"),
        (150, "about 3 minutes"),  # halves round up, not to even
        (270, "about 5 minutes"),
        (9 * 60 + 20, "about 9 minutes"),
        (12 * 60, "about 10 minutes"),
        (23 * 60, "about 25 minutes"),
        (58 * 60, "about an hour"),
        (95 * 60, "about an hour and a half"),
        (120 * 60, "about 2 hours"),
        (155 * 60, "about 2 and a half hours"),
    ],
)
def test_waits_read_as_friendly_figures(seconds: float, text: str) -> None:
    assert friendly_duration(seconds) == text


# -- the handling time it learns from ----------------------------------------------------


def test_too_few_handled_cases_fall_back_to_the_default() -> None:
    few = cases(100.0, 120.0, 110.0, 90.0)
    assert typical_handle_s(few, 360.0) == 360.0
    assert estimate_wait(1, 1, few, THURSDAY_NOON, HOURS).seconds == 360.0
    assert estimate_wait(1, 1, [], THURSDAY_NOON, HOURS, default_handle_s=500.0).seconds == 500.0


def test_enough_handled_cases_replace_the_default() -> None:
    assert typical_handle_s(cases(100.0, 120.0, 110.0, 90.0, 130.0), 360.0) == 110.0


def test_outliers_do_not_dominate() -> None:
    # Two chats left open for three hours among ordinary five-minute ones.
    handled = cases(300.0, 280.0, 10_800.0, 320.0, 300.0, 310.0, 10_800.0, 290.0, 300.0)
    assert typical_handle_s(handled) == 300.0
    assert estimate_wait(2, 1, handled, THURSDAY_NOON, HOURS).seconds == 600.0


def test_the_most_recent_cases_count() -> None:
    # Thirty long cases last month, then twenty quick ones: the team got faster.
    old = cases(*[1200.0] * 30, ended=utc(2026, 5, 1, 12))
    recent = cases(*[240.0] * 20, ended=utc(2026, 6, 10, 12))
    assert typical_handle_s(recent + old) == 240.0


def test_glitches_and_absurd_medians_are_kept_in_bounds() -> None:
    instant = [Handled(100.0, 100.0)] * 10  # claimed and handed back in the same second
    assert typical_handle_s(instant, 360.0) == 360.0
    assert typical_handle_s(cases(*[5.0] * 10)) == 60.0
    assert typical_handle_s(cases(*[20_000.0] * 10)) == 7200.0


# -- nobody online -----------------------------------------------------------------------


def test_nobody_online_inside_hours_says_so_with_a_conservative_figure() -> None:
    wait = estimate_wait(2, 0, FIVE_MINUTES, THURSDAY_NOON, HOURS)
    assert wait.open_now is True
    assert wait.agents_online == 0
    # More than one agent working alone would need: they first have to come free.
    assert wait.seconds is not None and wait.seconds > 2 * 300
    assert "You're number 2 in the queue." in wait.text
    assert "as soon as an agent is" in wait.text
    assert "about 15 minutes" in wait.text


def test_an_agent_online_outside_hours_still_gives_an_estimate() -> None:
    evening = at(2026, 6, 11, 19)
    wait = estimate_wait(1, 1, FIVE_MINUTES, evening, HOURS)
    assert wait.seconds == 300
    assert wait.open_now is False
    assert wait.opens_at == at(2026, 6, 12, 9)
    assert wait.text == "You're next in the queue; the wait is about 5 minutes."


# -- support hours -----------------------------------------------------------------------


def test_just_before_closing_a_wait_that_runs_past_it_says_so() -> None:
    before = at(2026, 6, 11, 16, 55)
    short = estimate_wait(1, 2, cases(*[120.0] * 6), before, HOURS)
    assert short.text == "You're next in the queue; the wait is about 2 minutes."
    long = estimate_wait(3, 1, FIVE_MINUTES, before, HOURS)
    assert long.open_now is True
    assert long.seconds == 900
    assert "We close at 17:00 (Europe/London time)" in long.text
    assert "someone will answer tomorrow at 09:00 (Europe/London time)" in long.text
    assert "leave your email address" in long.text


def test_closing_is_the_end_of_the_stretch() -> None:
    assert is_open(at(2026, 6, 11, 16, 59, 59), HOURS)
    assert not is_open(at(2026, 6, 11, 17), HOURS)
    assert is_open(at(2026, 6, 11, 9), HOURS)
    assert not is_open(at(2026, 6, 11, 8, 59, 59), HOURS)
    assert closes_at(at(2026, 6, 11, 12), HOURS) == at(2026, 6, 11, 17)
    assert closes_at(at(2026, 6, 11, 18), HOURS) is None


def test_just_after_closing_the_shopper_is_told_when_someone_answers() -> None:
    wait = estimate_wait(2, 0, FIVE_MINUTES, at(2026, 6, 11, 17), HOURS)
    assert wait.open_now is False
    assert wait.seconds is None
    assert wait.opens_at == at(2026, 6, 12, 9)
    assert wait.text == (
        "Our team is away right now; someone will answer tomorrow at 09:00 "
        "(Europe/London time). You're number 2 in the queue, and if you'd rather not "
        "wait, you can leave your email address here and we'll reply by email."
    )


def test_before_opening_the_answer_comes_today() -> None:
    wait = estimate_wait(1, 0, FIVE_MINUTES, at(2026, 6, 11, 7, 30), HOURS)
    assert wait.opens_at == at(2026, 6, 11, 9)
    assert "someone will answer today at 09:00" in wait.text


def test_the_weekend_waits_for_monday() -> None:
    saturday_afternoon = at(2026, 6, 13, 15)  # Saturday closes at 14:00; Sunday closed
    wait = estimate_wait(1, 0, FIVE_MINUTES, saturday_afternoon, HOURS)
    assert wait.opens_at == at(2026, 6, 15, 9)
    assert "someone will answer on Monday at 09:00" in wait.text
    assert next_opening(at(2026, 6, 14, 11), HOURS) == at(2026, 6, 15, 9)
    assert next_opening(at(2026, 6, 13, 9, 30), HOURS) == at(2026, 6, 13, 10)


def test_holidays_are_skipped() -> None:
    # Christmas Eve evening: Christmas Day (Fri) closed, Saturday open, Monday 28 closed.
    assert next_opening(at(2026, 12, 24, 18), HOURS) == at(2026, 12, 26, 10)
    assert not is_open(at(2026, 12, 25, 12), HOURS)
    # Boxing Day after closing: Sunday, then the Monday holiday, so Tuesday.
    wait = estimate_wait(1, 0, FIVE_MINUTES, at(2026, 12, 26, 15), HOURS)
    assert wait.opens_at == at(2026, 12, 29, 9)
    assert "on Tuesday at 09:00" in wait.text


def test_a_far_opening_names_the_date() -> None:
    closed_a_week = SupportHours(
        LONDON, HOURS.hours, holidays=frozenset(date(2026, 8, d) for d in range(1, 15))
    )
    wait = estimate_wait(1, 0, [], at(2026, 7, 31, 18), closed_a_week)
    assert wait.opens_at == at(2026, 8, 15, 10)
    assert "on Saturday 15 August at 10:00" in wait.text


def test_the_next_opening_is_wall_clock_across_the_spring_change() -> None:
    # The clocks go forward on Sunday 29 March 2026: Saturday's 10:00 is 10:00 UTC,
    # Monday's 09:00 is 08:00 UTC, not the 09:00 UTC a fixed offset would give.
    assert next_opening(at(2026, 3, 28, 9), HOURS) == utc(2026, 3, 28, 10)
    assert next_opening(at(2026, 3, 28, 15), HOURS) == utc(2026, 3, 30, 8)
    assert is_open(utc(2026, 3, 30, 8, 30), HOURS)
    assert not is_open(utc(2026, 3, 30, 7, 59), HOURS)


def test_the_next_opening_is_wall_clock_across_the_autumn_change() -> None:
    # Back to GMT on Sunday 25 October 2026: Monday's 09:00 is 09:00 UTC again.
    assert next_opening(at(2026, 10, 24, 15), HOURS) == utc(2026, 10, 26, 9)
    assert closes_at(utc(2026, 10, 23, 12), HOURS) == utc(2026, 10, 23, 16)


def test_a_stretch_that_starts_in_the_skipped_hour_opens_when_the_clocks_jump() -> None:
    night_shift = SupportHours(LONDON, {6: (OpeningHours(time(1, 30), time(6)),)})
    # 01:30 does not exist on 29 March 2026: at 01:00 UTC the clocks read 02:00 BST.
    assert next_opening(utc(2026, 3, 28, 23), night_shift) == utc(2026, 3, 29, 1)
    assert is_open(utc(2026, 3, 29, 1, 0), night_shift)
    assert not is_open(utc(2026, 3, 29, 0, 59), night_shift)
    assert closes_at(utc(2026, 3, 29, 2), night_shift) == utc(2026, 3, 29, 5)


def test_on_the_change_day_the_closing_hour_is_the_shops() -> None:
    sunday = SupportHours(LONDON, {6: (OpeningHours(time(0), time(4)),)})
    # 00:00 GMT to 04:00 BST on the spring-forward night is three real hours.
    assert closes_at(utc(2026, 3, 29, 0, 30), sunday) == utc(2026, 3, 29, 3)
    assert not is_open(utc(2026, 3, 29, 3), sunday)


def test_times_are_given_in_the_shoppers_timezone_when_known() -> None:
    evening = at(2026, 6, 11, 18)  # 13:00 in New York
    wait = estimate_wait(1, 0, [], evening, HOURS, viewer=NEW_YORK)
    assert "someone will answer tomorrow at 04:00 your time." in wait.text
    same_clock = estimate_wait(1, 0, [], evening, HOURS, viewer=ZoneInfo("Europe/Dublin"))
    assert "someone will answer tomorrow at 09:00." in same_clock.text


def test_stretches_that_meet_close_at_the_last_end() -> None:
    split = SupportHours(
        LONDON, {3: (OpeningHours(time(9), time(12)), OpeningHours(time(12), time(17)))}
    )
    assert closes_at(at(2026, 6, 11, 11), split) == at(2026, 6, 11, 17)
    wait = estimate_wait(3, 1, cases(*[1800.0] * 6), at(2026, 6, 11, 11), split)
    assert "We close" not in wait.text


def test_an_overnight_stretch_stays_open_after_midnight() -> None:
    nights = SupportHours(LONDON, {3: (OpeningHours(time(22), time(2)),)})
    assert is_open(at(2026, 6, 12, 1), nights)  # Friday 01:00, Thursday's night shift
    assert not is_open(at(2026, 6, 12, 2), nights)
    assert closes_at(at(2026, 6, 11, 23), nights) == at(2026, 6, 12, 2)


def test_hours_that_never_open_offer_email_only() -> None:
    never = SupportHours(LONDON, {})
    wait = estimate_wait(1, 0, [], THURSDAY_NOON, never)
    assert wait.open_now is False
    assert wait.opens_at is None
    assert wait.seconds is None
    assert wait.text == (
        "Our team isn't available at the moment, but you can leave your email address "
        "here and we'll reply by email."
    )


def test_the_estimate_serialises() -> None:
    wait = estimate_wait(2, 1, FIVE_MINUTES, THURSDAY_NOON, HOURS)
    record = wait.as_dict()
    assert record["seconds"] == 600
    assert record["text"] == wait.text
