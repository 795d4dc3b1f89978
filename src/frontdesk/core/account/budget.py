"""One time budget for all the CRM calls of a turn.

A turn may read the CRM two or three times (the order, then the invoices for the
refund line …); each call has its own limit, but the shopper waits for all of them.
The desk opens a budget around a turn's calls and a CRM adapter caps each call at
what is left of it, so a slow CRM costs the shopper at most the budget.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# The monotonic time by which this turn's CRM calls must be over; None: no budget.
_TURN_ENDS: ContextVar[float | None] = ContextVar("frontdesk_crm_turn_ends", default=None)
# The shopper hears back within 3 s: the CRM gets most of it, the rest is ours.
TURN_BUDGET_S = 2.6


@contextmanager
def turn_budget(seconds: float = TURN_BUDGET_S) -> Iterator[None]:
    """Calls inside share ``seconds``; a budget already open (an outer step of the
    same turn) is kept, never extended."""
    ends = time.monotonic() + seconds
    outer = _TURN_ENDS.get()
    token = _TURN_ENDS.set(ends if outer is None else min(outer, ends))
    try:
        yield
    finally:
        _TURN_ENDS.reset(token)


def remaining(default: float) -> float:
    """Seconds a CRM call may take now: ``default``, or less if the turn's budget
    runs out sooner (never below zero)."""
    ends = _TURN_ENDS.get()
    if ends is None:
        return default
    return max(0.0, min(default, ends - time.monotonic()))
