"""`frontdesk agents add|list|password`: the people who sign in to the agent console."""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.table import Table

from frontdesk.adapters.passwords import check_password_strength, hash_password
from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.escalation_store import SqlAgentStore
from frontdesk.adapters.storage.migrate import upgrade
from frontdesk.config import load_settings
from frontdesk.core.escalation.model import DEFAULT_QUEUE, Agent, Role
from frontdesk.errors import FrontdeskError, InputError, NotFoundError
from frontdesk.interfaces.cli.common import console, fail

app = typer.Typer(no_args_is_help=True)
_EMAIL_CHARS = "@."


@contextmanager
def agent_store() -> Iterator[SqlAgentStore]:
    settings = load_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database)
    try:
        upgrade(engine)
        store = SqlAgentStore(engine)
        try:
            yield store
        finally:
            store.close()  # its SQLite write-lock file
    finally:
        engine.dispose()


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    entered: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return entered


def _checked_email(email: str) -> str:
    email = email.strip().lower()
    if not all(c in email for c in _EMAIL_CHARS) or email.startswith("@") or " " in email:
        raise InputError(f"{email!r} is not an email address; agents sign in with theirs.")
    return email


@app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="What the agent signs in with.")],
    name: Annotated[str, typer.Option("--name", help="Shown to shoppers: 'Sam'.")],
    role: Annotated[Role, typer.Option("--role", help="admin also sees every queue.")] = Role.AGENT,
    queue: Annotated[
        list[str] | None,
        typer.Option("--queue", help="A queue the agent works (repeat for more)."),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin (scripts).")
    ] = False,
) -> None:
    """Create an agent or admin account for the console (/console)."""
    try:
        email = _checked_email(email)
        if not name.strip():
            raise InputError("--name must not be empty: shoppers see it.")
        password = _password(password_stdin)
        check_password_strength(password)
        agent = Agent(
            id=f"agt_{uuid.uuid4().hex[:12]}",
            email=email,
            name=name.strip(),
            role=role,
            queues=tuple(dict.fromkeys(q.strip() for q in (queue or [DEFAULT_QUEUE]) if q.strip())),
            created_at=time.time(),
        )
        with agent_store() as store:
            store.add(agent, hash_password(password))
    except FrontdeskError as exc:
        fail(exc)
    queues = ", ".join(agent.queues)
    console.print(f"Added {agent.role.value} {agent.name} <{agent.email}> (queues: {queues}).")


@app.command("list")
def list_agents() -> None:
    """Every agent and admin, with their queues."""
    try:
        with agent_store() as store:
            agents = store.all()
    except FrontdeskError as exc:
        fail(exc)
    table = Table("email", "name", "role", "queues")
    for agent in agents:
        table.add_row(agent.email, agent.name, agent.role.value, ", ".join(agent.queues))
    console.print(table)


@app.command("password")
def password(
    email: Annotated[str, typer.Argument(help="The agent's sign-in email.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin (scripts).")
    ] = False,
) -> None:
    """Set a new password for an agent."""
    try:
        with agent_store() as store:
            found = store.by_email(email)
            if found is None:
                raise NotFoundError(
                    f"No agent signs in as {email}; `frontdesk agents list` shows who does."
                )
            new = _password(password_stdin)
            check_password_strength(new)
            store.set_password(found[0].id, hash_password(new))
            # Whoever knew the old password is signed out too.
            store.end_sessions_of(found[0].id)
    except FrontdeskError as exc:
        fail(exc)
    console.print(f"Password changed for {found[0].email}; their open sessions are signed out.")
