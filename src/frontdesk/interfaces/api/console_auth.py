"""Agents' sign-in to the console: password check, session cookie, CSRF token.

A session is a random id in an HttpOnly, SameSite=Strict cookie; the database keeps
only its hash, so a leaked table signs nobody in. Every state-changing call also
carries a CSRF token derived from the session id (in a meta tag of the console page
and sent back as a header or form field), which another site cannot read.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from frontdesk.adapters.passwords import hash_password, verify_password
from frontdesk.bootstrap import Services
from frontdesk.core.escalation.model import Agent, Session
from frontdesk.errors import AgentAuthError, CsrfError, RateLimitedError

COOKIE = "fd_console"
CSRF_HEADER = "x-csrf-token"
# Checked against when the email is unknown, so a wrong email takes as long as a
# wrong password and sign-in does not tell which accounts exist.
_DUMMY_HASH = hash_password("not-a-real-password-for-timing")


@dataclass(frozen=True, slots=True)
class SignedIn:
    agent: Agent
    session_id: str

    @property
    def csrf(self) -> str:
        return csrf_token(self.session_id)


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "replace")).hexdigest()


def csrf_token(session_id: str) -> str:
    return hmac.new(session_id.encode(), b"frontdesk-console-csrf", hashlib.sha256).hexdigest()


def sign_in(services: Services, email: str, password: str, address: str) -> SignedIn:
    """A new session for the agent, or AgentAuthError (the same for any wrong part)."""
    limiter = services.console_limiter
    if limiter is not None:
        wait = limiter.take(address)
        if wait > 0:
            raise RateLimitedError(
                f"Too many sign-in attempts; please wait {wait:.0f} s.", retry_after=wait
            )
    found = services.agents.by_email(email.strip())
    stored = _DUMMY_HASH if found is None else found[1]
    valid = verify_password(password, stored)
    if found is None or not valid:
        raise AgentAuthError("That email and password do not match an agent account.")
    agent = found[0]
    session_id = secrets.token_urlsafe(32)
    now = time.time()
    hours = services.settings.console_session_hours
    services.agents.start_session(
        Session(session_hash(session_id), agent.id, now, now + hours * 3600)
    )
    return SignedIn(agent, session_id)


def set_cookie(response: Response, services: Services, session_id: str) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=int(services.settings.console_session_hours * 3600),
        httponly=True,
        secure=services.settings.console_secure_cookies,
        samesite="strict",
        path="/",
    )


def clear_cookie(response: Response, services: Services) -> None:
    response.delete_cookie(
        COOKIE,
        path="/",
        httponly=True,
        secure=services.settings.console_secure_cookies,
        samesite="strict",
    )


def signed_in_or_none(connection: HTTPConnection) -> SignedIn | None:
    services: Services = connection.app.state.services
    session_id = connection.cookies.get(COOKIE)
    if not session_id:
        return None
    session = services.agents.session(session_hash(session_id), time.time())
    if session is None:
        return None
    agent = services.agents.get(session.agent_id)
    return None if agent is None else SignedIn(agent, session_id)


async def current(request: Request) -> SignedIn:
    """The signed-in agent of a console call; 401 otherwise. A call that changes
    something must also carry the CSRF token."""
    signed = await run_in_threadpool(signed_in_or_none, request)
    if signed is None:
        raise AgentAuthError("Sign in to the agent console first (/console/login).")
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode("utf-8", "replace"), signed.csrf.encode()):
            raise CsrfError(
                "This change did not come from the console page (missing or wrong "
                "X-CSRF-Token). Reload the console and try again."
            )
    return signed


def check_form_csrf(signed: SignedIn, sent: str) -> None:
    if not hmac.compare_digest(sent.encode("utf-8", "replace"), signed.csrf.encode()):
        raise CsrfError("This form did not come from the console page. Reload it and try again.")


AgentDep = Annotated[SignedIn, Depends(current)]
