"""The OpenAI-compatible client: one timeout, bounded retries, one clear error per failure.

The ``openai`` package's own retry loop is switched off (``max_retries=0``): ours knows
how many attempts it made, caps how long a ``retry-after`` may keep a shopper waiting,
and turns every failure into an :class:`LlmError` whose message says what to do.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit

import openai
from pydantic import SecretStr

from frontdesk.adapters.llm.errors import LlmError

log = logging.getLogger("frontdesk.llm")

T = TypeVar("T")

OPENAI_BASE_URL = "https://api.openai.com/v1"
# Local servers (Ollama, vLLM) ignore the key, but the client insists on one.
NO_KEY = "no-key-needed"
KEY_HINT = "OPENAI_API_KEY (or OPENAI_APIKEY)"
# A retry-after longer than this is not waited out: the user is told when to come back.
MAX_RETRY_AFTER_S = 30.0
_SERVER_MESSAGE_CHARS = 300
MISSING_HINT = "Check the ids given and FRONTDESK_LLM_BASE_URL (it usually ends in /v1)."


@dataclass(frozen=True)
class Endpoint:
    """Where and how to call. The key is a SecretStr so reprs and dumps never show it."""

    base_url: str = OPENAI_BASE_URL
    api_key: SecretStr | None = None
    timeout_s: float = 20.0
    max_attempts: int = 3
    backoff_s: float = 0.5  # first wait between attempts; doubles each time, with jitter
    max_retry_after_s: float = MAX_RETRY_AFTER_S

    @property
    def is_openai(self) -> bool:
        return urlsplit(self.base_url).hostname == "api.openai.com"


@dataclass
class LlmClient:
    """Runs one request at a time through the retry policy; see :meth:`call`."""

    endpoint: Endpoint
    sleep: Callable[[float], None] = time.sleep
    _client: openai.OpenAI = field(init=False, repr=False)

    def __post_init__(self) -> None:
        key = self.endpoint.api_key.get_secret_value() if self.endpoint.api_key else ""
        if not key and self.endpoint.is_openai:
            raise LlmError(
                f"No API key for {self.endpoint.base_url}: set {KEY_HINT}. Local "
                "OpenAI-compatible servers (Ollama, vLLM) need no key: point "
                "FRONTDESK_LLM_BASE_URL at them instead."
            )
        self._client = openai.OpenAI(
            api_key=key or NO_KEY,
            base_url=self.endpoint.base_url,
            timeout=self.endpoint.timeout_s,
            max_retries=0,
            # The organisation and project would otherwise come from OPENAI_* variables
            # that this product does not document.
            organization=None,
            project=None,
        )

    def call(
        self,
        what: str,
        request: Callable[[openai.OpenAI, dict[str, str]], T],
        *,
        post: bool,
        missing: str = MISSING_HINT,
    ) -> T:
        """Run ``request(client, extra_headers)``: up to ``max_attempts`` tries when the
        endpoint is rate limited (429), fails (5xx), times out or cannot be reached.

        ``what`` names the call for messages ("chat completion with gpt-4o-mini") and
        ``missing`` says what to check on a 404. POSTs carry one Idempotency-Key over
        all attempts so a retried create is not doubled.
        """
        headers = {"Idempotency-Key": f"frontdesk-{uuid.uuid4()}"} if post else {}
        attempts = self.endpoint.max_attempts
        for attempt in range(1, attempts + 1):
            try:
                return request(self._client, headers)
            except openai.APIError as exc:
                wait = self._retry_wait(exc, attempt)
                if wait is None:
                    raise self._error(exc, what, attempt, missing) from None
                log.info("%s: %s; retrying in %.1f s", what, _kind(exc), wait)
                self.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    # -- retry policy ----------------------------------------------------------------

    def _retry_wait(self, exc: openai.APIError, attempt: int) -> float | None:
        """Seconds to wait before the next attempt, or None when not to retry."""
        if attempt >= self.endpoint.max_attempts or not _retryable(exc):
            return None
        backoff = self.endpoint.backoff_s * 2.0 ** (attempt - 1)
        backoff *= 1 + random.uniform(-0.25, 0.25)  # spread clients that failed together
        if isinstance(exc, openai.APIStatusError):
            asked = retry_after_s(exc.response.headers)
            if asked is not None:
                return asked if asked <= self.endpoint.max_retry_after_s else None
        return backoff

    # -- messages --------------------------------------------------------------------

    def _error(self, exc: openai.APIError, what: str, attempts: int, missing: str) -> LlmError:
        url = self.endpoint.base_url
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        server = self._server_message(exc)
        if isinstance(exc, openai.APITimeoutError):
            message = (
                f"{what}: {url} sent no answer within {self.endpoint.timeout_s:g} s{tries}. "
                "Check that the server is up and not overloaded, or raise "
                "FRONTDESK_LLM_TIMEOUT_S."
            )
        elif isinstance(exc, openai.APIConnectionError):
            message = (
                f"{what}: cannot connect to {url}{tries}. Is the server running and is "
                "FRONTDESK_LLM_BASE_URL right (it usually ends in /v1)?"
            )
        elif isinstance(exc, openai.AuthenticationError):
            message = (
                f"{what}: {url} rejected the API key (401). Set {KEY_HINT} to a valid key "
                "for this endpoint."
            )
        elif isinstance(exc, openai.PermissionDeniedError):
            message = (
                f"{what}: the API key may not do this (403: {server}). Check the key's "
                "project has access to this model or to fine-tuning."
            )
        elif isinstance(exc, openai.NotFoundError):
            message = f"{what}: not found at {url} (404: {server}). {missing}"
        elif isinstance(exc, openai.RateLimitError) and exc.code == "insufficient_quota":
            message = (
                f"{what}: the account has no quota left (429 insufficient_quota). Add "
                "credit or raise the limit in the provider's billing settings."
            )
        elif isinstance(exc, openai.RateLimitError):
            asked = retry_after_s(exc.response.headers)
            later = f" It asked to wait {asked:g} s." if asked else ""
            message = (
                f"{what}: rate limited by {url} (429){tries}.{later} Wait a minute and "
                "try again, or lower the request rate."
            )
        elif isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
            message = (
                f"{what}: {url} failed with {exc.status_code}{tries}. This is usually a "
                "temporary problem on the provider's side: try again later."
            )
        elif isinstance(exc, openai.APIStatusError):
            message = f"{what}: {url} refused the request ({exc.status_code}: {server})."
        else:
            message = (
                f"{what}: {url} answered in a shape this client does not understand. Is "
                "it an OpenAI-compatible endpoint?"
            )
        return LlmError(message, detail=self._redact(f"{type(exc).__name__}: {exc}"))

    def _server_message(self, exc: openai.APIError) -> str:
        body = exc.body
        text = body.get("message") if isinstance(body, dict) else None
        text = text if isinstance(text, str) and text else exc.message
        # A server may echo what it was sent; never let the key through.
        return self._redact(" ".join(text.split())[:_SERVER_MESSAGE_CHARS])

    def _redact(self, text: str) -> str:
        key = self.endpoint.api_key.get_secret_value() if self.endpoint.api_key else ""
        return text.replace(key, "***") if key else text


def _retryable(exc: openai.APIError) -> bool:
    if isinstance(exc, openai.APIConnectionError):  # timeouts included
        return True
    if isinstance(exc, openai.RateLimitError):
        # No quota left is not going to change in the next few seconds.
        return exc.code != "insufficient_quota"
    return isinstance(exc, openai.APIStatusError) and exc.status_code >= 500


def _kind(exc: openai.APIError) -> str:
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}"
    return type(exc).__name__


def retry_after_s(headers: object) -> float | None:
    """Seconds asked for by ``retry-after-ms`` or ``retry-after`` (seconds or a date)."""
    get = getattr(headers, "get", None)
    if get is None:
        return None
    millis = get("retry-after-ms")
    try:
        if millis is not None:
            return max(0.0, float(millis) / 1000.0)
    except ValueError:
        pass
    value = get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_tz(value)
        if parsed is None:
            return None
        return max(0.0, email.utils.mktime_tz(parsed) - time.time())
