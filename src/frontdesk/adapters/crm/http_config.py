"""How frontdesk reaches a shop's REST CRM: where, with which credentials, how patiently.

Kept free of httpx so that Settings can check FRONTDESK_CRM_PATHS without loading the
HTTP stack. docs/crm-api.md describes every option for shop owners.
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from pydantic import SecretStr

from frontdesk.errors import ConfigError

if TYPE_CHECKING:
    from frontdesk.config import Settings

log = logging.getLogger("frontdesk.crm")

# Each operation's default request: (method, path template). The placeholders a
# template may use are the ones its default uses.
DEFAULT_PATHS: dict[str, tuple[str, str]] = {
    "customer": ("GET", "/customers/{customer_id}"),
    "find_by_email": ("GET", "/customers?email={email}"),
    "addresses": ("GET", "/customers/{customer_id}/addresses"),
    "orders": ("GET", "/customers/{customer_id}/orders?limit={limit}"),
    "order": ("GET", "/customers/{customer_id}/orders/{order_id}"),
    "subscription": ("GET", "/customers/{customer_id}/subscription"),
    "invoices": ("GET", "/customers/{customer_id}/invoices?limit={limit}"),
    "update_contact": ("PATCH", "/customers/{customer_id}"),
    "update_order_address": ("PATCH", "/customers/{customer_id}/orders/{order_id}"),
    "cancel_order": ("POST", "/customers/{customer_id}/orders/{order_id}/cancel"),
}
CRM_OPERATIONS = tuple(DEFAULT_PATHS)
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 token
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a path template substitutes."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ValueError(f"{template!r} is not a valid path template ({exc})") from None


def check_paths(paths: Mapping[str, str]) -> dict[str, str]:
    """Path overrides as given, or ValueError naming the first bad one."""
    checked: dict[str, str] = {}
    for operation, template in paths.items():
        if operation not in DEFAULT_PATHS:
            raise ValueError(
                f"unknown CRM operation {operation!r}; known: {', '.join(CRM_OPERATIONS)}"
            )
        template = template.strip()
        if not template.startswith("/"):
            raise ValueError(f"the path for {operation} must start with '/', got {template!r}")
        allowed = placeholders(DEFAULT_PATHS[operation][1])
        unknown = placeholders(template) - allowed
        if unknown:
            raise ValueError(
                f"the path for {operation} uses {{{', '.join(sorted(unknown))}}}; "
                f"it may use {', '.join('{' + a + '}' for a in sorted(allowed))}"
            )
        checked[operation] = template
    return checked


def check_header_name(value: str) -> str:
    value = value.strip()
    if not _HEADER_NAME.fullmatch(value):
        raise ValueError(f"{value!r} is not a valid HTTP header name")
    return value


def check_http_url(value: str) -> str:
    """``value`` without a trailing slash, or ValueError when it is not http(s)."""
    value = value.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL such as https://crm.example.com/api")
    if parts.query or parts.fragment:
        raise ValueError("must not carry a query or fragment")
    return value


@dataclass(frozen=True)
class ApiKeyAuth:
    """A static key sent in one header on every request.

    With ``header="Authorization"`` a bare key goes out as ``Bearer <key>``; a value
    that already names its scheme ("Bearer …", "Token …") goes out as given.
    """

    key: SecretStr
    header: str = "X-API-Key"

    def __post_init__(self) -> None:
        try:
            check_header_name(self.header)
        except ValueError as exc:
            raise ConfigError(f"Bad CRM API key header: {exc}.") from None
        if not self.key.get_secret_value().strip():
            raise ConfigError("The CRM API key is empty.")

    def header_value(self) -> str:
        key = self.key.get_secret_value().strip()
        if self.header.lower() == "authorization" and " " not in key:
            return f"Bearer {key}"
        return key


@dataclass(frozen=True)
class OAuthClientCredentials:
    """OAuth 2.0 client credentials (RFC 6749 §4.4) against ``token_url``.

    ``client_auth="basic"`` sends the id and secret as HTTP Basic (what RFC 6749 asks
    servers to support); ``"post"`` sends them in the form body (client_secret_post).
    """

    token_url: str
    client_id: str
    client_secret: SecretStr
    scope: str | None = None
    client_auth: Literal["basic", "post"] = "basic"
    # Fetch a new token this long before the old one expires (at most half its life).
    refresh_margin_s: float = 30.0

    def __post_init__(self) -> None:
        try:
            check_http_url(self.token_url)
        except ValueError as exc:
            raise ConfigError(f"The OAuth token URL {exc}.") from None
        if not self.client_id.strip() or not self.client_secret.get_secret_value():
            raise ConfigError("OAuth needs both a client id and a client secret.")


CrmAuth = ApiKeyAuth | OAuthClientCredentials


@dataclass(frozen=True)
class HttpCrmConfig:
    """One shop CRM. ``deadline_s`` bounds a whole call, every retry and wait included;
    each attempt's connect and read timeouts are cut to what is left of it."""

    base_url: str
    auth: CrmAuth
    paths: Mapping[str, str] = field(default_factory=dict)  # overrides of DEFAULT_PATHS
    connect_timeout_s: float = 1.0
    read_timeout_s: float = 2.0
    deadline_s: float = 2.5
    max_attempts: int = 3
    backoff_s: float = 0.1  # first wait between attempts; doubles each time, with jitter
    max_backoff_s: float = 1.0
    breaker_failures: int = 5
    breaker_reset_s: float = 30.0
    max_body_bytes: int = 4 * 1024 * 1024

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "base_url", check_http_url(self.base_url))
            object.__setattr__(self, "paths", check_paths(self.paths))
        except ValueError as exc:
            raise ConfigError(f"Bad HTTP CRM setting: {exc}.") from None
        positive = {
            "connect_timeout_s": self.connect_timeout_s,
            "read_timeout_s": self.read_timeout_s,
            "deadline_s": self.deadline_s,
            "breaker_reset_s": self.breaker_reset_s,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ConfigError(f"Bad HTTP CRM setting: {name} must be above 0, got {value}.")
        if self.max_attempts < 1 or self.breaker_failures < 1 or self.backoff_s < 0:
            raise ConfigError(
                "Bad HTTP CRM setting: max_attempts and breaker_failures must be at least 1 "
                "and backoff_s at least 0."
            )

    def request(self, operation: str) -> tuple[str, str]:
        """(method, path template) for ``operation``."""
        method, default = DEFAULT_PATHS[operation]
        return method, self.paths.get(operation, default)

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or self.base_url


def http_config_from_settings(settings: Settings) -> HttpCrmConfig:
    """The HTTP CRM as FRONTDESK_CRM_* describe it; ConfigError says what is missing."""
    if not settings.crm_url:
        raise ConfigError(
            "FRONTDESK_CRM=http needs FRONTDESK_CRM_URL, the base URL of the shop's CRM API "
            "(e.g. https://crm.example.com/api)."
        )
    deadline = settings.crm_timeout_s
    config = HttpCrmConfig(
        base_url=settings.crm_url,
        auth=_auth_from_settings(settings),
        paths=dict(settings.crm_paths),
        connect_timeout_s=min(1.0, deadline),
        read_timeout_s=min(2.0, deadline),
        deadline_s=deadline,
    )
    if urlsplit(config.base_url).scheme == "http" and config.host not in _LOCAL_HOSTS:
        log.warning(
            "FRONTDESK_CRM_URL is plain http to %s: credentials and customer data cross "
            "the network unencrypted; use https.",
            config.host,
        )
    return config


_OAUTH_VARS = {
    "crm_oauth_token_url": "FRONTDESK_CRM_OAUTH_TOKEN_URL",
    "crm_client_id": "FRONTDESK_CRM_CLIENT_ID",
    "crm_client_secret": "FRONTDESK_CRM_CLIENT_SECRET",
}


def _auth_from_settings(settings: Settings) -> CrmAuth:
    given = {name for name in _OAUTH_VARS if getattr(settings, name)}
    if settings.crm_api_key is not None and given:
        raise ConfigError(
            "Set either FRONTDESK_CRM_API_KEY or the FRONTDESK_CRM_OAUTH_TOKEN_URL / "
            "CLIENT_ID / CLIENT_SECRET trio for the CRM, not both."
        )
    if settings.crm_api_key is not None:
        if not settings.crm_api_key.get_secret_value().strip():
            raise ConfigError("FRONTDESK_CRM_API_KEY is empty.")
        return ApiKeyAuth(settings.crm_api_key, settings.crm_api_key_header)
    if not given:
        raise ConfigError(
            "FRONTDESK_CRM=http needs credentials: FRONTDESK_CRM_API_KEY (sent in "
            "FRONTDESK_CRM_API_KEY_HEADER, default X-API-Key), or OAuth client credentials "
            "FRONTDESK_CRM_OAUTH_TOKEN_URL, FRONTDESK_CRM_CLIENT_ID and "
            "FRONTDESK_CRM_CLIENT_SECRET."
        )
    missing = [env for name, env in _OAUTH_VARS.items() if name not in given]
    if missing:
        raise ConfigError(f"OAuth for the CRM is incomplete: also set {', '.join(missing)}.")
    assert settings.crm_oauth_token_url and settings.crm_client_id and settings.crm_client_secret
    return OAuthClientCredentials(
        token_url=settings.crm_oauth_token_url,
        client_id=settings.crm_client_id,
        client_secret=settings.crm_client_secret,
        scope=settings.crm_scope or None,
        client_auth=settings.crm_oauth_client_auth,
    )
