"""A circuit breaker: when the CRM keeps failing, stop asking it for a while.

A shopper then hears "I can't reach your account right now" at once instead of after
the full deadline, and a struggling CRM is not hammered by every conversation.
Closed → (``failures`` consecutive failed calls) → open for ``reset_s`` → half-open:
one call goes through as a probe (the others still fail fast); its success closes the
circuit, its failure opens it again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from enum import StrEnum

from frontdesk.errors import CrmUnavailableError

log = logging.getLogger("frontdesk.crm")

UNAVAILABLE_MESSAGE = "I can't reach your account details right now. Please try again shortly."


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitBreaker:
    """Thread-safe; ``clock`` is a monotonic time source in seconds."""

    def __init__(
        self, name: str, failures: int, reset_s: float, clock: Callable[[], float]
    ) -> None:
        self._name = name
        self._threshold = failures
        self._reset_s = reset_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> CircuitState:
        with self._lock:
            return self._state()

    def _state(self) -> CircuitState:
        if self._opened_at is None:
            return CircuitState.CLOSED
        if self._clock() - self._opened_at < self._reset_s:
            return CircuitState.OPEN
        return CircuitState.HALF_OPEN

    def enter(self) -> None:
        """Let a call through, or raise CrmUnavailableError while the circuit is open
        (or half-open with its probe still out)."""
        with self._lock:
            state = self._state()
            if state is CircuitState.CLOSED:
                return
            if state is CircuitState.HALF_OPEN and not self._probing:
                self._probing = True
                return
            assert self._opened_at is not None
            wait = max(0.0, self._reset_s - (self._clock() - self._opened_at))
        raise CrmUnavailableError(
            UNAVAILABLE_MESSAGE,
            detail=f"{self._name}: circuit open after {self._threshold} failed calls; "
            f"next try in {wait:.0f} s",
        )

    def succeeded(self) -> None:
        with self._lock:
            was_open = self._opened_at is not None
            self._failures = 0
            self._opened_at = None
            self._probing = False
        if was_open:
            log.info("%s: answering again; circuit closed", self._name)

    def failed(self) -> None:
        with self._lock:
            self._failures += 1
            reopen = self._probing or (
                self._opened_at is None and self._failures >= self._threshold
            )
            self._probing = False
            if reopen:
                self._opened_at = self._clock()
        if reopen:
            log.warning(
                "%s: %d failed calls in a row; not calling it for %g s",
                self._name,
                self._failures,
                self._reset_s,
            )

    def abandoned(self) -> None:
        """The call ended without saying anything about the CRM's health (a bug, an
        interrupt): free the probe slot so the next call can probe."""
        with self._lock:
            self._probing = False
