"""Typed settings read from ``FRONTDESK_*`` environment variables; they fail fast."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from frontdesk.errors import ConfigError

MODEL_NAME = "all-MiniLM-L6-v2-int8"


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

    @field_validator("home", "shared_data", "kb_path", "model_dir", "trained_model", mode="after")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("retriever")
    @classmethod
    def _known_retriever(cls, value: str) -> str:
        if value not in {"auto", "onnx", "tfidf"}:
            raise ValueError("must be one of auto, onnx, tfidf")
        return value

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
