"""Tell agents about a new case with an outgoing webhook: a JSON POST whose ``text``
a Slack (or Mattermost, Teams-via-workflow …) incoming webhook shows as it is.

The body is signed with HMAC-SHA256 when a secret is set, so the receiver can check
it came from this server: ``X-Frontdesk-Signature: sha256=<hex of the body's HMAC>``.
``X-Frontdesk-Delivery`` carries the case id, the same on every retry, so a receiver
that got the first attempt after all can drop the repeat.

Logs name the receiving host only: a Slack webhook's path is itself a credential.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from frontdesk.adapters.notify.message import EVENT, case_json, console_link, slack_text
from frontdesk.core.ports import Notice

log = logging.getLogger("frontdesk.notify")

SIGNATURE_HEADER = "X-Frontdesk-Signature"
DELIVERY_HEADER = "X-Frontdesk-Delivery"
EVENT_HEADER = "X-Frontdesk-Event"
# Worth another try: the receiver is overloaded or restarting. Any other refusal (a
# wrong URL, a rejected signature) will not change by asking again.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRIES = 2


def signature(secret: str, body: bytes) -> str:
    """The header value a receiver recomputes from the raw body to verify it."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class _Failed(Exception):
    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


class WebhookNotifier:
    """POSTs each notice as JSON. ``timeout_s`` bounds every attempt (connect, send,
    read); at most ``retries`` (≤ 2) more attempts follow a 5xx, a 429, a timeout or a
    refused connection, ``backoff_s`` apart and doubling. Worst case, a call returns
    after (retries + 1) × timeout_s plus the backoff."""

    def __init__(
        self,
        url: str,
        secret: str | SecretStr | None,
        timeout_s: float = 5.0,
        *,
        retries: int = MAX_RETRIES,
        backoff_s: float = 0.5,
        public_url: str | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the webhook URL must be an http(s) URL")
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self._url = url
        raw = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
        self._secret = raw or None
        self._timeout = httpx.Timeout(timeout_s)
        self._retries = max(0, min(MAX_RETRIES, retries))
        self._backoff_s = max(0.0, backoff_s)
        self._public_url = public_url
        self._host = parts.hostname

    @property
    def name(self) -> str:
        return "webhook"

    def __repr__(self) -> str:  # never the URL's path or the secret
        return f"WebhookNotifier(host={self._host!r}, signed={self._secret is not None})"

    def body(self, notice: Notice) -> bytes:
        """The exact bytes sent (and signed)."""
        link = console_link(notice, self._public_url)
        payload = {
            "text": slack_text(notice, link),
            "event": EVENT,
            "case": case_json(notice.case),
            "summary": notice.summary,
            "console_url": link,
        }
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def notify(self, notice: Notice) -> bool:
        body = self.body(notice)
        headers = self._headers(notice, body)
        attempts = self._retries + 1
        with httpx.Client(timeout=self._timeout, follow_redirects=False) as client:
            for attempt in range(attempts):
                try:
                    self._post(client, body, headers)
                    return True
                except _Failed as failed:
                    if not failed.retry or attempt + 1 == attempts:
                        tries = f"{attempt + 1} attempt{'s' if attempt else ''}"
                        log.warning(
                            "webhook notification for case %s to %s failed after %s: %s",
                            notice.case.id,
                            self._host,
                            tries,
                            failed.reason,
                        )
                        return False
                time.sleep(self._backoff_s * 2**attempt)
        return False  # not reached: the last attempt returns above

    def _headers(self, notice: Notice, body: bytes) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "frontdesk-notify/1",
            EVENT_HEADER: EVENT,
            DELIVERY_HEADER: notice.case.id,
        }
        if self._secret is not None:
            headers[SIGNATURE_HEADER] = signature(self._secret, body)
        return headers

    def _post(self, client: httpx.Client, body: bytes, headers: dict[str, str]) -> None:
        try:
            response = client.post(self._url, content=body, headers=headers)
        except httpx.TimeoutException:
            raise _Failed("timed out", retry=True) from None
        except httpx.HTTPError as exc:
            # The exception's text can carry the full URL; the class name says enough.
            raise _Failed(f"could not connect ({type(exc).__name__})", retry=True) from None
        if response.is_success:
            return
        status = response.status_code
        raise _Failed(f"HTTP {status}", retry=status in RETRYABLE_STATUSES)
