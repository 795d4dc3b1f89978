"""One logical CRM call over HTTP: circuit breaker, credentials, retries, one deadline.

A shopper asking about an order must hear back within about 3 s even when the CRM is
down or slow, so every call carries a deadline (``deadline_s``) that bounds all of its
attempts, the waits between them and the token fetch; each attempt's timeouts are cut
to what is left. Retries are bounded and only happen when repeating the request is
safe: a POST (cancel an order) is repeated only when the CRM cannot have acted on it.

Nothing here logs or raises headers, tokens or keys: failures are described in words
this module chose, never by echoing what a server said.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import httpx

from frontdesk.adapters.crm.circuit import UNAVAILABLE_MESSAGE, CircuitBreaker
from frontdesk.adapters.crm.http_config import HttpCrmConfig
from frontdesk.core.account.budget import remaining
from frontdesk.errors import CrmDataError, CrmOutcomeUnknownError, CrmUnavailableError

log = logging.getLogger("frontdesk.crm")

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# Statuses after which a POST was certainly not acted on, so it may be sent again.
NOT_PROCESSED_STATUSES = frozenset({429, 503})
# An attempt with less time than this left is not worth starting.
MIN_ATTEMPT_S = 0.1
UNKNOWN_OUTCOME_MESSAGE = (
    "I couldn't confirm with the shop's system whether that went through. "
    "Please check your order before trying again."
)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE"})


class Deadline:
    """A point in (real, monotonic) time by which a whole call must be over."""

    def __init__(self, seconds: float) -> None:
        self._at = time.monotonic() + seconds

    def remaining(self) -> float:
        return self._at - time.monotonic()

    def timeout(self, connect_s: float, read_s: float) -> httpx.Timeout:
        left = max(0.001, self.remaining())
        return httpx.Timeout(
            connect=min(connect_s, left),
            read=min(read_s, left),
            write=min(read_s, left),
            pool=min(connect_s, left),
        )


class CallFailed(Exception):
    """An attempt (or a whole call) that got no usable answer.

    ``retry``: repeating the attempt is safe and may help. ``down``: the failure says
    the CRM is unreachable or overloaded, so it counts against the circuit breaker
    (a refused credential does not: the CRM answered).
    """

    def __init__(
        self,
        detail: str,
        *,
        retry: bool,
        down: bool,
        message: str = UNAVAILABLE_MESSAGE,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry = retry
        self.down = down
        self.message = message


class Authenticator(Protocol):
    """Adds credentials to CRM requests."""

    def headers(self, client: httpx.Client, deadline: Deadline) -> dict[str, str]:
        """Headers carrying the credential; may fetch a token (CallFailed if it can't)."""
        ...

    def rejected(self, sent: Mapping[str, str]) -> bool:
        """The CRM answered 401 to ``sent``: forget that credential. True when a fresh
        one may be accepted, so the request is worth repeating once."""
        ...

    @property
    def rejection_hint(self) -> str:
        """What an operator should check when the CRM refuses the credential."""
        ...


@dataclass(frozen=True, slots=True)
class Answer:
    """A complete HTTP answer, body read within the deadline."""

    status: int
    headers: httpx.Headers
    body: bytes


class CrmSession:
    """Runs requests through the breaker, the authenticator and the retry policy."""

    def __init__(
        self,
        config: HttpCrmConfig,
        client: httpx.Client,
        auth: Authenticator,
        breaker: CircuitBreaker,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._config = config
        self._client = client
        self._auth = auth
        self._breaker = breaker
        self._sleep = sleep

    def call(self, label: str, method: str, url: str, body: object | None = None) -> Answer:
        """The CRM's answer to one request (any status the retry policy lets through).

        ``label`` names the request in logs and details without ids or emails, e.g.
        "GET /customers/{customer_id}". Raises CrmUnavailableError when the circuit is
        open, the CRM can't be reached in time, keeps failing or refuses the credential.
        """
        self._breaker.enter()
        try:
            answer = self._attempts(label, method, url, body)
        except CallFailed as failure:
            if failure.down:
                self._breaker.failed()
            else:
                self._breaker.succeeded()  # it answered: reachable, just not willing
            log.warning("CRM %s failed: %s", label, failure.detail)
            unknown = failure.message == UNKNOWN_OUTCOME_MESSAGE
            kind = CrmOutcomeUnknownError if unknown else CrmUnavailableError
            raise kind(failure.message, detail=f"{label}: {failure.detail}") from None
        except CrmDataError:
            self._breaker.succeeded()  # an oversized answer is still an answer
            raise
        except BaseException:
            self._breaker.abandoned()
            raise
        self._breaker.succeeded()
        return answer

    # -- the retry loop -----------------------------------------------------------------

    def _attempts(self, label: str, method: str, url: str, body: object | None) -> Answer:
        # The call's own limit, or less when the turn it belongs to is running out.
        deadline = Deadline(remaining(self._config.deadline_s))
        attempt, reauthorised = 0, False
        while True:
            attempt += 1
            try:
                headers = self._auth.headers(self._client, deadline)
                answer = self._send(method, url, body, headers, deadline)
            except CallFailed as failure:
                wait = self._wait(attempt, deadline, None) if failure.retry else None
                if wait is None:
                    raise _after(failure, attempt) from None
                self._pause(label, failure.detail, wait)
                continue
            if answer.status == 401 and not reauthorised and self._auth.rejected(headers):
                # A token revoked or expired early: one fresh token, one more try
                # (not counted as an attempt: the CRM did not act on the request).
                reauthorised, attempt = True, attempt - 1
                continue
            if answer.status in (401, 403):
                raise CallFailed(
                    f"the CRM refused the credential (HTTP {answer.status}); "
                    f"{self._auth.rejection_hint}",
                    retry=False,
                    down=False,
                )
            if answer.status not in RETRYABLE_STATUSES:
                return answer
            refused = _status_failure(method, answer.status)
            asked = retry_after_s(answer.headers)
            wait = self._wait(attempt, deadline, asked) if refused.retry else None
            if wait is None:
                raise _after(refused, attempt)
            self._pause(label, refused.detail, wait)

    def _wait(self, attempt: int, deadline: Deadline, asked: float | None) -> float | None:
        """Seconds to wait before the next attempt, or None to give up now: out of
        attempts, or the wait (Retry-After when given) would not leave time to try."""
        config = self._config
        if attempt >= config.max_attempts:
            return None
        if asked is None:
            backoff = min(config.max_backoff_s, config.backoff_s * 2.0 ** (attempt - 1))
            asked = backoff * random.uniform(0.5, 1.0)  # spread clients that failed together
        if asked + MIN_ATTEMPT_S > deadline.remaining():
            return None
        return asked

    def _pause(self, label: str, why: str, wait: float) -> None:
        log.info("CRM %s: %s; retrying in %.2f s", label, why, wait)
        self._sleep(wait)

    # -- one attempt --------------------------------------------------------------------

    def _send(
        self,
        method: str,
        url: str,
        body: object | None,
        headers: dict[str, str],
        deadline: Deadline,
    ) -> Answer:
        if deadline.remaining() < MIN_ATTEMPT_S:
            raise CallFailed("no time left for another attempt", retry=False, down=True)
        config = self._config
        timeout = deadline.timeout(config.connect_timeout_s, config.read_timeout_s)
        try:
            request = self._client.build_request(
                method, url, json=body, headers=headers, timeout=timeout
            )
            response = self._client.send(request, stream=True)
            try:
                content = self._read(response, deadline)
            finally:
                response.close()
        except httpx.TransportError as exc:
            raise _transport_failure(exc, method, timeout) from None
        return Answer(response.status_code, response.headers, content)

    def _read(self, response: httpx.Response, deadline: Deadline) -> bytes:
        # Each socket read has its own timeout; this bounds a body that trickles in.
        content = bytearray()
        for chunk in response.iter_bytes():
            content += chunk
            if len(content) > self._config.max_body_bytes:
                raise CrmDataError(
                    "The shop's customer system sent data I could not read.",
                    detail=f"the answer is over {self._config.max_body_bytes} bytes",
                )
            if deadline.remaining() <= 0:
                raise httpx.ReadTimeout("the deadline passed while reading the body")
        return bytes(content)


def _transport_failure(
    exc: httpx.TransportError, method: str, timeout: httpx.Timeout
) -> CallFailed:
    # Connecting failed: the request never reached the CRM, so any method may repeat.
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return CallFailed(
            f"could not connect within {timeout.connect:.2f} s", retry=True, down=True
        )
    if isinstance(exc, httpx.ConnectError):
        return CallFailed(f"could not connect ({_reason(exc)})", retry=True, down=True)
    # Sent, perhaps acted on, no answer: only a request that may be repeated is.
    idempotent = method in IDEMPOTENT_METHODS
    message = UNAVAILABLE_MESSAGE if idempotent else UNKNOWN_OUTCOME_MESSAGE
    if isinstance(exc, httpx.TimeoutException):
        detail = f"no answer within {timeout.read:.2f} s"
    else:
        detail = f"the connection failed mid-request ({_reason(exc)})"
    return CallFailed(detail, retry=idempotent, down=True, message=message)


def _status_failure(method: str, status: int) -> CallFailed:
    if method in IDEMPOTENT_METHODS or status in NOT_PROCESSED_STATUSES:
        return CallFailed(f"HTTP {status}", retry=True, down=True)
    # A 500/502/504 to a POST may come after the CRM acted on it.
    return CallFailed(f"HTTP {status}", retry=False, down=True, message=UNKNOWN_OUTCOME_MESSAGE)


def _after(failure: CallFailed, attempts: int) -> CallFailed:
    if attempts <= 1:
        return failure
    return CallFailed(
        f"{failure.detail} (after {attempts} attempts)",
        retry=False,
        down=failure.down,
        message=failure.message,
    )


def _reason(exc: Exception) -> str:
    # httpx's text is the OS's ("Connection refused"); cap it, it never holds headers.
    return (str(exc) or type(exc).__name__)[:120]


def retry_after_s(headers: httpx.Headers) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date)."""
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return max(0.0, email.utils.mktime_tz(parsed) - time.time())
