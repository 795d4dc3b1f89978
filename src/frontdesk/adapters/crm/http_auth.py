"""Credentials for a shop's CRM: a static API key, or OAuth 2.0 client credentials.

OAuth tokens are cached and replaced shortly before they expire; when the CRM refuses
one anyway (revoked, server restarted) the caller drops it and asks once more. The web
service calls from several threads, so at most one token request is in flight: the
others keep using the old token while it is still valid, or wait for the new one, no
longer than their own deadline. Secrets and tokens only ever travel in headers or the
token request body; nothing here puts them in a log line or an error.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import httpx
from pydantic import SecretStr

from frontdesk.adapters.crm.http_config import ApiKeyAuth, HttpCrmConfig, OAuthClientCredentials
from frontdesk.adapters.crm.http_session import (
    RETRYABLE_STATUSES,
    Authenticator,
    CallFailed,
    Deadline,
)

# A token endpoint that gives no lifetime gets this one; a 401 replaces it sooner.
DEFAULT_TOKEN_LIFETIME_S = 300.0
_OAUTH_ERROR = re.compile(r"[a-z_]{1,40}")  # RFC 6749 §5.2 codes; descriptions are not shown


class ApiKeyHeaders:
    def __init__(self, auth: ApiKeyAuth) -> None:
        self._header = auth.header
        self._value = SecretStr(auth.header_value())

    def headers(self, client: httpx.Client, deadline: Deadline) -> dict[str, str]:
        return {self._header: self._value.get_secret_value()}

    def rejected(self, sent: Mapping[str, str]) -> bool:
        return False  # the same key would be refused again

    @property
    def rejection_hint(self) -> str:
        return f"check FRONTDESK_CRM_API_KEY and that the CRM reads it from {self._header}"


@dataclass(frozen=True, slots=True)
class _Token:
    value: SecretStr
    refresh_at: float  # after this, fetch a new one
    expires_at: float  # after this, do not send it


class OAuthTokens:
    """Client-credentials tokens from ``auth.token_url``; ``clock`` is monotonic seconds."""

    def __init__(
        self,
        auth: OAuthClientCredentials,
        clock: Callable[[], float],
        timeouts: tuple[float, float] = (1.0, 2.0),
    ) -> None:
        self._auth = auth
        self._clock = clock
        self._timeouts = timeouts  # connect, read
        self._token: _Token | None = None
        self._swap = threading.Lock()  # guards _token's compare-and-clear
        self._fetching = threading.Lock()  # one token request at a time
        self._host = urlsplit(auth.token_url).hostname or auth.token_url

    @property
    def rejection_hint(self) -> str:
        return (
            "a freshly issued token was refused too: check the client's permissions "
            "and FRONTDESK_CRM_SCOPE"
        )

    def headers(self, client: httpx.Client, deadline: Deadline) -> dict[str, str]:
        token = self._usable(fresh=True)
        if token is None:
            token = self._renew(client, deadline)
        return {"Authorization": _bearer(token)}

    def rejected(self, sent: Mapping[str, str]) -> bool:
        with self._swap:
            token = self._token
            if token is not None and sent.get("Authorization") == _bearer(token.value):
                self._token = None
        return True

    def _usable(self, *, fresh: bool) -> SecretStr | None:
        token, now = self._token, self._clock()
        if token is None or now >= token.expires_at:
            return None
        if fresh and now >= token.refresh_at:
            return None
        return token.value

    def _renew(self, client: httpx.Client, deadline: Deadline) -> SecretStr:
        if not self._fetching.acquire(blocking=False):
            # Another thread is fetching: the old token still works until it expires.
            token = self._usable(fresh=False)
            if token is not None:
                return token
            if not self._fetching.acquire(timeout=max(0.0, deadline.remaining())):
                raise CallFailed(
                    "timed out waiting for another request's token fetch",
                    retry=False,
                    down=True,
                )
        try:
            token = self._usable(fresh=True)  # fetched while this thread waited?
            return token if token is not None else self._fetch(client, deadline)
        finally:
            self._fetching.release()

    def _fetch(self, client: httpx.Client, deadline: Deadline) -> SecretStr:
        asked_at = self._clock()
        try:
            response = client.post(
                self._auth.token_url,
                data=self._form(),
                auth=self._basic(),
                headers={"Accept": "application/json"},
                timeout=deadline.timeout(*self._timeouts),
            )
        except httpx.TransportError as exc:
            kind = (
                "no answer in time" if isinstance(exc, httpx.TimeoutException) else "no connection"
            )
            raise CallFailed(
                f"token endpoint {self._host}: {kind}", retry=True, down=True
            ) from None
        if response.status_code != 200:
            raise self._refused(response)
        value, lifetime = self._parse(response)
        margin = min(self._auth.refresh_margin_s, lifetime / 2)
        token = _Token(value, asked_at + lifetime - margin, asked_at + lifetime)
        with self._swap:
            self._token = token
        return value

    def _form(self) -> dict[str, str]:
        form = {"grant_type": "client_credentials"}
        if self._auth.scope:
            form["scope"] = self._auth.scope
        if self._auth.client_auth == "post":
            form["client_id"] = self._auth.client_id
            form["client_secret"] = self._auth.client_secret.get_secret_value()
        return form

    def _basic(self) -> httpx.Auth:
        if self._auth.client_auth != "basic":
            return _NO_AUTH
        # RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
        return httpx.BasicAuth(
            quote(self._auth.client_id, safe=""),
            quote(self._auth.client_secret.get_secret_value(), safe=""),
        )

    def _refused(self, response: httpx.Response) -> CallFailed:
        status = response.status_code
        where = f"token endpoint {self._host} answered HTTP {status}"
        if status in RETRYABLE_STATUSES:
            return CallFailed(where, retry=True, down=True)
        code = _oauth_error(response)
        hint = (
            "check FRONTDESK_CRM_CLIENT_ID, FRONTDESK_CRM_CLIENT_SECRET, "
            "FRONTDESK_CRM_OAUTH_CLIENT_AUTH and FRONTDESK_CRM_SCOPE"
        )
        return CallFailed(f"{where}{code}; {hint}", retry=False, down=False)

    def _parse(self, response: httpx.Response) -> tuple[SecretStr, float]:
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token.strip():
            raise CallFailed(
                f"token endpoint {self._host} answered without an access_token",
                retry=False,
                down=False,
            )
        kind = body.get("token_type", "Bearer") if isinstance(body, dict) else "Bearer"
        if not isinstance(kind, str) or kind.lower() != "bearer":
            raise CallFailed(
                f"token endpoint {self._host} issued a {str(kind)[:20]!r} token, not a Bearer one",
                retry=False,
                down=False,
            )
        return SecretStr(token.strip()), _lifetime(body.get("expires_in"))


_NO_AUTH = httpx.Auth()  # sends the request as it is


def _lifetime(value: object) -> float:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return DEFAULT_TOKEN_LIFETIME_S


def _oauth_error(response: httpx.Response) -> str:
    try:
        body = json.loads(response.content)
    except ValueError:
        return ""
    code = body.get("error") if isinstance(body, dict) else None
    return f" ({code})" if isinstance(code, str) and _OAUTH_ERROR.fullmatch(code) else ""


def _bearer(token: SecretStr) -> str:
    return f"Bearer {token.get_secret_value()}"


def authenticator(
    config: HttpCrmConfig, clock: Callable[[], float] = time.monotonic
) -> Authenticator:
    if isinstance(config.auth, ApiKeyAuth):
        return ApiKeyHeaders(config.auth)
    return OAuthTokens(config.auth, clock, (config.connect_timeout_s, config.read_timeout_s))
