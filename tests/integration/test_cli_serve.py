"""`frontdesk db upgrade` and `frontdesk serve` as an operator runs them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from frontdesk.adapters.storage.migrate import head_revision

FRONTDESK = Path(sys.executable).parent / "frontdesk"


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FRONTDESK), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
        check=False,
    )


def test_db_upgrade_creates_the_store_and_is_idempotent(tmp_path: Path) -> None:
    env = {"FRONTDESK_VAR_DIR": str(tmp_path / "var"), "FRONTDESK_DATABASE_URL": ""}
    first = run("db", "upgrade", env=env)
    assert first.returncode == 0, first.stderr
    assert (
        f"schema {head_revision()}" in first.stdout
        and (tmp_path / "var" / "frontdesk.db").is_file()
    )
    assert run("db", "upgrade", env=env).returncode == 0


def test_a_database_that_cannot_be_reached_is_one_clear_line(tmp_path: Path) -> None:
    env = {"FRONTDESK_DATABASE_URL": "postgresql://nobody:secret@127.0.0.1:1/none"}
    result = run("db", "upgrade", env=env)
    assert result.returncode == 2
    assert "FRONTDESK_DATABASE_URL" in result.stderr and "Traceback" not in result.stderr
    assert "secret" not in result.stderr  # the password is never printed
    bad = run("db", "upgrade", env={"FRONTDESK_DATABASE_URL": "mysql://x@y/z"})
    assert bad.returncode == 2 and "SQLite or PostgreSQL" in bad.stderr


def test_serve_refuses_a_port_in_use_and_says_what_to_do(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port), env={"FRONTDESK_VAR_DIR": str(tmp_path / "var")})
    assert result.returncode == 2
    assert f"127.0.0.1:{port}" in result.stderr and "--port" in result.stderr


def test_a_short_identity_secret_is_refused(tmp_path: Path) -> None:
    result = run(
        "serve",
        env={"FRONTDESK_VAR_DIR": str(tmp_path / "var"), "FRONTDESK_IDENTITY_SECRET": "short"},
    )
    assert result.returncode == 2
    assert "FRONTDESK_IDENTITY_SECRET" in result.stderr and "32 bytes" in result.stderr
