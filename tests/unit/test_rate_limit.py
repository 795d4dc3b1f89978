"""The per-conversation token bucket."""

from __future__ import annotations

import pytest

from frontdesk.core.rate_limit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_the_next_message_waits_for_a_token() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=6, burst=3, clock=clock)  # a token every 10 s
    assert [limiter.take("c") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("c") == pytest.approx(10.0)
    clock.now += 10.0
    assert limiter.take("c") == 0.0
    assert limiter.take("other") == 0.0  # each conversation has its own bucket


def test_a_refused_message_costs_nothing_and_the_bucket_never_overfills() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=2, clock=clock)
    limiter.take("c")
    limiter.take("c")
    clock.now += 0.5
    assert limiter.take("c") == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.take("c") == 0.0
    clock.now += 3600
    assert [limiter.take("c") > 0 for _ in range(3)] == [False, False, True]


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(per_minute=0, burst=1)
