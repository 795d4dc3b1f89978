"""`frontdesk serve` (the web service) and `frontdesk db upgrade` (its schema)."""

from __future__ import annotations

import os
import secrets
import socket
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.migrate import upgrade
from frontdesk.config import Settings, load_settings
from frontdesk.errors import ConfigError, FrontdeskError
from frontdesk.interfaces.cli.common import ModelOption, console, fail, note, redacted

db_app = typer.Typer(no_args_is_help=True)
SECRET_FILE = "identity-secret"


def migrate(settings: Settings) -> str:
    engine = make_engine(settings.database)
    try:
        return upgrade(engine)
    finally:
        engine.dispose()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the conversation store (FRONTDESK_DATABASE_URL) to this version."""
    try:
        settings = load_settings()
        revision = migrate(settings)
    except FrontdeskError as exc:
        fail(exc)
    console.print(f"conversation store at schema {revision}: {redacted(settings.database)}")


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
        workers: Annotated[
            int, typer.Option(min=1, max=64, help="Worker processes (use Redis for >1).")
        ] = 1,
        kb: Annotated[Path | None, typer.Option("--kb", help="Knowledge base file.")] = None,
        model: ModelOption = None,
        demo: Annotated[
            bool,
            typer.Option(
                "--demo/--no-demo",
                help="Serve the demo shop at / (anyone may sign in there as its demo "
                "customer: for trying frontdesk out, never for a real shop).",
            ),
        ] = False,
    ) -> None:
        """Serve the chat API and the widget (and, with --demo, the demo shop page)."""
        # Workers read the same FRONTDESK_* environment, so options travel through it.
        if kb is not None:
            os.environ["FRONTDESK_KB_PATH"] = str(kb.resolve())
        if model is not None:
            os.environ["FRONTDESK_TRAINED_MODEL"] = str(model.resolve())
        if demo:
            os.environ["FRONTDESK_DEMO"] = "true"
        try:
            settings = load_settings()
            _check_port(host, port)
            _generated_secrets(settings)
            revision = migrate(settings)
        except FrontdeskError as exc:
            fail(exc)
        if workers > 1 and settings.redis_url is None:
            note(
                "several workers without FRONTDESK_REDIS_URL: a reply reaches the connection "
                "that asked for it, but other open windows of a conversation see it only "
                "when they reconnect. Set FRONTDESK_REDIS_URL for live fan-out."
            )
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        base = f"http://{shown}:{port}"
        what = f"demo shop at {base}/" if settings.demo else f"widget at {base}/widget.js"
        console.print(
            f"frontdesk: {what} · API docs at "
            f"{base}/docs · conversations in {redacted(settings.database)} "
            f"(schema {revision})",
            soft_wrap=True,
        )
        uvicorn.run(
            "frontdesk.interfaces.api.app:create_app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            timeout_graceful_shutdown=5,
            # Frames over the body limit are refused before they are buffered whole.
            ws_max_size=settings.max_body_bytes,
            # Chat frames are small; compressing them cost 2 % of a saturated worker.
            ws_per_message_deflate=False,
        )


def _check_port(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(
                f"Cannot listen on {host}:{port} ({exc.strerror}). Another program may be "
                "using it: pass --port with a free one."
            ) from exc


# Secrets `serve` makes when they are not set, kept in the var directory so they
# outlive a restart: (setting, file, what it is for).
GENERATED_SECRETS = (
    (
        "identity_secret",
        SECRET_FILE,
        "a customer-token secret; give it to your shop backend to sign customer tokens",
    ),
    (
        "crm_webhook_secret",
        "crm-webhook-secret",
        "a CRM webhook secret; `frontdesk demo ship` signs its webhooks with it",
    ),
    ("agent_api_key", "agent-api-key", "an agent API key (Authorization: Bearer <key>)"),
)
# A real shop turns webhooks and the agent API on by setting their secrets itself.
DEMO_ONLY = frozenset({"crm_webhook_secret", "agent_api_key"})


def _generated_secrets(settings: Settings) -> None:
    """Each secret not set in the environment is made once and kept in the var
    directory, so tokens keep working after a restart. Webhook and agent secrets
    are made for the demo only: elsewhere, unset, those endpoints stay off (503)."""
    for name, filename, purpose in GENERATED_SECRETS:
        if name in DEMO_ONLY and not settings.demo:
            continue
        if getattr(settings, name) is not None:
            continue
        path = settings.var_dir / filename
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
            note(f"made {purpose} in {path}, or set FRONTDESK_{name.upper()}.")
        os.environ[f"FRONTDESK_{name.upper()}"] = path.read_text(encoding="utf-8").strip()
