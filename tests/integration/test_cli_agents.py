"""`frontdesk agents add|list|password` as an owner runs them, and the demo agent that
`frontdesk demo seed` (so `make run`) creates and prints."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from frontdesk.adapters.passwords import verify_password
from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.escalation_store import SqlAgentStore
from frontdesk.core.escalation.model import Agent, Role, Session
from frontdesk.demo.agents import DEMO_AGENT, DEMO_AGENT_PASSWORD

FRONTDESK = Path(sys.executable).parent / "frontdesk"
PASSWORD = "a long enough password"


def run(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {"FRONTDESK_VAR_DIR": str(tmp_path / "var"), "FRONTDESK_DATABASE_URL": ""}
    return subprocess.run(
        [str(FRONTDESK), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
        check=False,
    )


def stored(tmp_path: Path, email: str) -> tuple[Agent, str] | None:
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'frontdesk.db'}")
    store = SqlAgentStore(engine)
    try:
        return store.by_email(email)
    finally:
        store.close()
        engine.dispose()


def test_add_list_and_change_a_password(tmp_path: Path) -> None:
    added = run(
        tmp_path,
        *("agents", "add", "Bea@Shop.example", "--name", "Bea"),
        *("--role", "admin", "--queue", "billing", "--queue", "support", "--password-stdin"),
        stdin=PASSWORD + "\n",
    )
    assert added.returncode == 0, added.stderr
    assert "Added admin Bea <bea@shop.example> (queues: billing, support)" in added.stdout
    found = stored(tmp_path, "bea@shop.example")
    assert found is not None
    agent, hashed = found
    assert agent.role is Role.ADMIN and agent.queues == ("billing", "support")
    assert verify_password(PASSWORD, hashed) and PASSWORD not in hashed

    listed = run(tmp_path, "agents", "list")
    assert listed.returncode == 0 and "bea@shop.example" in listed.stdout

    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'frontdesk.db'}")
    sessions = SqlAgentStore(engine)
    sessions.start_session(Session("h" * 64, agent.id, time.time(), time.time() + 3600))
    changed = run(
        tmp_path, "agents", "password", "BEA@shop.example", "--password-stdin",
        stdin="another long password\n",
    )  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    found = stored(tmp_path, "bea@shop.example")
    assert found is not None and verify_password("another long password", found[1])
    assert sessions.session("h" * 64, time.time()) is None  # signed out everywhere
    sessions.close()
    engine.dispose()


def test_bad_input_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    first = run(
        tmp_path, "agents", "add", "sam@shop.example", "--name", "Sam", "--password-stdin",
        stdin=PASSWORD,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    cases = [
        (("agents", "add", "sam@shop.example", "--name", "Sam 2"), PASSWORD, "exists already"),
        (("agents", "add", "bea@shop.example", "--name", "Bea"), "short", "at least 10"),
        (("agents", "add", "not-an-email", "--name", "Bea"), PASSWORD, "not an email address"),
        (("agents", "add", "bea@shop.example", "--name", "  "), PASSWORD, "must not be empty"),
        (("agents", "password", "nobody@shop.example"), PASSWORD, "No agent signs in as"),
    ]
    for args, password, message in cases:
        result = run(tmp_path, *args, "--password-stdin", stdin=password)
        assert result.returncode != 0, args
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert stored(tmp_path, "bea@shop.example") is None
    sam = stored(tmp_path, "sam@shop.example")
    assert sam is not None and sam[0].name == "Sam"


def test_demo_seed_creates_the_demo_agent_once_and_prints_the_sign_in(tmp_path: Path) -> None:
    for _ in range(2):
        seeded = run(tmp_path, "demo", "seed")
        assert seeded.returncode == 0, seeded.stderr
        assert DEMO_AGENT.email in seeded.stdout and DEMO_AGENT_PASSWORD in seeded.stdout
    found = stored(tmp_path, DEMO_AGENT.email)
    assert found is not None and verify_password(DEMO_AGENT_PASSWORD, found[1])
