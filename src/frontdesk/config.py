"""Typed settings read from ``FRONTDESK_*`` environment variables; they fail fast."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from frontdesk.adapters.crm.http_config import (
    check_header_name,
    check_http_url,
    check_paths,
)
from frontdesk.errors import ConfigError

MODEL_NAME = "all-MiniLM-L6-v2-int8"


class LlmPrice(BaseModel):
    """US dollars per million tokens sent (input) and generated (output)."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)


# OpenAI list prices (USD per 1M tokens, mid-2024); check them before quoting costs.
# Fine-tuned models (ft:BASE:...) are billed at their own, higher rate; ids not
# listed here, a local Ollama model say, have no known cost until given one in
# FRONTDESK_LLM_PRICES, e.g. '{"llama3.1:8b": {"input": 0, "output": 0}}'.
DEFAULT_LLM_PRICES: dict[str, LlmPrice] = {
    "gpt-4o-mini": LlmPrice(input=0.15, output=0.60),
    "gpt-4o": LlmPrice(input=2.50, output=10.00),
    "gpt-3.5-turbo": LlmPrice(input=0.50, output=1.50),
    "ft:gpt-4o-mini": LlmPrice(input=0.30, output=1.20),
    "ft:gpt-4o": LlmPrice(input=3.75, output=15.00),
    "ft:gpt-3.5-turbo": LlmPrice(input=3.00, output=6.00),
}


class Settings(BaseSettings):
    """Everything the composition root needs; one instance per process."""

    model_config = SettingsConfigDict(env_prefix="FRONTDESK_", extra="ignore")

    home: Path = Field(default=Path("~/.cache/frontdesk"))
    shared_data: Path = Field(default=Path("../shared/data"))
    kb_path: Path | None = None
    model_dir: Path | None = None
    # A model directory written by `frontdesk train`; None serves the base model.
    trained_model: Path | None = None
    retriever: str = Field(default="auto", description="auto | onnx | tfidf")
    max_message_chars: int = Field(default=2000, ge=50, le=100_000)
    threads: int = Field(default=1, ge=1, le=64)
    # The optional LLM answer writer: "local" answers from the KB alone (no network).
    llm_provider: Literal["local", "openai"] = "local"
    llm_base_url: str | None = None  # any OpenAI-compatible server; None: api.openai.com
    llm_model: str = "gpt-4o-mini"  # a fine-tuned id (ft:...) works too
    llm_timeout_s: float = Field(default=20.0, gt=0, le=600)
    llm_max_attempts: int = Field(default=3, ge=1, le=10)
    llm_backoff_s: float = Field(default=0.5, ge=0, le=60)
    llm_candidates: int = Field(default=3, ge=1, le=5)  # retrieved entries shown to it
    llm_prices: dict[str, LlmPrice] = Field(default_factory=lambda: dict(DEFAULT_LLM_PRICES))
    # The seed's scripts read OPENAI_APIKEY; SecretStr keeps it out of reprs and dumps.
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "OPENAI_APIKEY")
    )

    # Appointment types, hours and capacity (TOML, see docs/booking.md); None: the
    # demo shop's when the knowledge base is the demo's too, else no booking.
    appointments_path: Path | None = None

    # The web service.
    # Serve the demo shop at / (anyone can sign in there as its demo customer).
    demo: bool = False
    # Where the server keeps its files (the SQLite database, the generated secret).
    var_dir: Path = Path("var")
    database_url: str | None = None  # None: SQLite in var_dir; or postgresql://user@host/db
    redis_url: str | None = None  # set: live events fan out across workers via Redis
    # The shop backend signs customer tokens (JWT, HS256) with this shared secret.
    identity_secret: SecretStr | None = None
    identity_audience: str | None = None  # set: tokens must carry this "aud"
    rate_limit_per_minute: float = Field(default=30.0, ge=0)  # 0 turns the limit off
    rate_limit_burst: int = Field(default=10, ge=1, le=10_000)
    # New conversations per client address per minute (bursts of rate_limit_burst):
    # otherwise a flood dodges the per-conversation limit by starting new ones.
    rate_limit_new_conversations_per_minute: float = Field(default=20.0, ge=0)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024)

    # The shop's CRM: "sql" is the embedded one; "http" calls the shop's own REST CRM
    # (docs/crm-api.md), with an API key or OAuth2 client credentials.
    crm: Literal["sql", "http"] = "sql"
    crm_url: str | None = None  # the CRM API's base URL, e.g. https://crm.example.com/api
    # Path overrides per operation (JSON), e.g. {"order": "/v2/orders/{order_id}"}.
    crm_paths: dict[str, str] = Field(default_factory=dict)
    crm_api_key: SecretStr | None = None
    crm_api_key_header: str = "X-API-Key"  # "Authorization" sends "Bearer <key>"
    crm_oauth_token_url: str | None = None
    crm_client_id: str | None = None
    crm_client_secret: SecretStr | None = None
    crm_scope: str | None = None
    # How the client id and secret reach the token endpoint: HTTP Basic or form fields.
    crm_oauth_client_auth: Literal["basic", "post"] = "basic"
    # The most one CRM call may take, retries included; a shopper waits no longer.
    crm_timeout_s: float = Field(default=2.5, gt=0, le=30)
    # CRM webhooks (POST /webhooks/crm) are signed with this; unset: webhooks are refused.
    crm_webhook_secret: SecretStr | None = None
    # The shop's standard return window in days (a plan such as Northwind Plus may give
    # more): answers about returns name the shopper's own last day from it.
    return_days: int = Field(default=30, ge=0, le=3650)
    # Agents' calls (a conversation's CRM ledger) carry this as a bearer token.
    agent_api_key: SecretStr | None = None

    # Escalation to people (docs/escalation.md). Triggers, support hours and queues
    # (TOML); None: every trigger on, the default hours, one queue "support".
    escalation_path: Path | None = None
    # Where links to the console point in notifications: https://support.example.com
    public_url: str = "http://127.0.0.1:8000"
    # New conversations in the queue are POSTed here as JSON (Slack-compatible `text`).
    # A secret: a Slack or Google Chat webhook URL is itself the credential.
    escalation_webhook_url: SecretStr | None = None
    escalation_webhook_secret: SecretStr | None = None  # signs the body (HMAC-SHA256)
    # Optionally also by email: the SMTP server and who gets it.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "frontdesk@localhost"
    smtp_starttls: bool = True
    agent_emails: list[str] = Field(default_factory=list)
    # Console session cookies are Secure (HTTPS only; browsers allow them on
    # localhost). Turn off only behind a proxy that serves plain HTTP internally.
    console_secure_cookies: bool = True
    console_session_hours: float = Field(default=12.0, gt=0, le=24 * 30)

    @field_validator("identity_secret", "crm_webhook_secret", "agent_api_key")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode("utf-8")) < 32:
            # RFC 7518 §3.2: an HS256 key must be at least 256 bits.
            raise ValueError("must be at least 32 bytes (e.g. `openssl rand -hex 32`)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if urlsplit(value).scheme not in ("redis", "rediss", "unix"):
            raise ValueError("must be a redis:// URL such as redis://127.0.0.1:6379/0")
        return value.strip()

    @field_validator(
        "home",
        "shared_data",
        "kb_path",
        "appointments_path",
        "escalation_path",
        "model_dir",
        "trained_model",
        "var_dir",
        mode="after",
    )
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("retriever")
    @classmethod
    def _known_retriever(cls, value: str) -> str:
        if value not in {"auto", "onnx", "tfidf"}:
            raise ValueError("must be one of auto, onnx, tfidf")
        return value

    @field_validator("llm_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as http://localhost:11434/v1")
        return value

    @field_validator("escalation_webhook_url")
    @classmethod
    def _webhook_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        parts = urlsplit(value.get_secret_value().strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            # The value itself stays out of the message: it is a credential.
            raise ValueError("must be an http(s) URL such as https://hooks.slack.com/services/…")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        return check_http_url(value)

    @field_validator("crm_url", "crm_oauth_token_url")
    @classmethod
    def _crm_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return check_http_url(value)

    @field_validator("crm_api_key_header")
    @classmethod
    def _crm_header(cls, value: str) -> str:
        return check_header_name(value)

    @field_validator("crm_paths")
    @classmethod
    def _crm_paths(cls, value: dict[str, str]) -> dict[str, str]:
        return check_paths(value)

    @field_validator("llm_model")
    @classmethod
    def _model_named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must name a model, e.g. gpt-4o-mini or an ft:... id")
        return value.strip()

    @field_validator("llm_prices", mode="after")
    @classmethod
    def _over_defaults(cls, value: dict[str, LlmPrice]) -> dict[str, LlmPrice]:
        # Adding one model's price should not forget the others'.
        return {**DEFAULT_LLM_PRICES, **value}

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'frontdesk.db'}"

    @property
    def default_model_dir(self) -> Path:
        return self.model_dir or self.home / "models" / MODEL_NAME


def load_settings() -> Settings:
    """Read the environment; a bad value raises ConfigError naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"FRONTDESK_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"Bad setting: {problems}") from exc
    except SettingsError as exc:
        # A JSON-valued setting (FRONTDESK_LLM_PRICES) that does not parse lands here.
        raise ConfigError(
            f"Bad setting: {exc}. JSON settings must be valid JSON: FRONTDESK_LLM_PRICES "
            'such as {"my-model": {"input": 0.15, "output": 0.6}} (USD per million tokens), '
            'FRONTDESK_CRM_PATHS such as {"order": "/v2/orders/{order_id}"}.'
        ) from exc
