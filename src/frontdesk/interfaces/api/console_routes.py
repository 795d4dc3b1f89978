"""The agent console: sign-in pages, the console page, and its JSON API.

Every call names the signed-in agent; a case outside the agent's queues is "not
found", the same as one that does not exist. A shopper's conversation token opens
nothing here.
"""

from __future__ import annotations

import time
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from frontdesk.bootstrap import Services
from frontdesk.core.conversation import Event, EventKind, Mode, Source
from frontdesk.core.escalation.desk import EscalationDesk
from frontdesk.core.escalation.handover import ONLINE_WINDOW_S, Handover
from frontdesk.core.escalation.model import Agent, Case, Feedback, Verdict
from frontdesk.core.escalation.summary import introduction
from frontdesk.errors import (
    AgentAuthError,
    FrontdeskError,
    InputError,
    NotConfiguredError,
    RateLimitedError,
)
from frontdesk.interfaces.api.booking_forms import form_fields, same_origin
from frontdesk.interfaces.api.console_auth import (
    AgentDep,
    check_form_csrf,
    clear_cookie,
    session_hash,
    set_cookie,
    sign_in,
    signed_in_or_none,
)
from frontdesk.interfaces.api.console_wire import case_json, customer_json, ledger_rows
from frontdesk.interfaces.api.deps import ServicesDep
from frontdesk.interfaces.api.pages import templates
from frontdesk.interfaces.api.routes import console_channel
from frontdesk.interfaces.api.wire import event_json

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/console", tags=["agent console"])
HISTORY_LIMIT = 5000


class AgentMessage(BaseModel):
    text: str = Field(min_length=1, max_length=4000)
    client_message_id: str | None = Field(default=None, max_length=64)


class HandBack(BaseModel):
    note: str = Field(default="", max_length=1000)


class FeedbackIn(BaseModel):
    verdict: Verdict
    event_seq: int | None = Field(default=None, ge=1)
    right_entry_id: str | None = Field(default=None, max_length=200)
    new_answer: str = Field(default="", max_length=4000)
    comment: str = Field(default="", max_length=2000)


# -- pages ----------------------------------------------------------------------------


@pages.get("/console/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str = "/console") -> Response:
    return _login(request, None, "", next, 200)


@pages.post("/console/login", response_class=HTMLResponse)
async def login(request: Request, services: ServicesDep) -> Response:
    fields = await form_fields(request)
    email, target = fields.get("email", ""), _local(fields.get("next", "/console"))
    if not same_origin(request):
        return _login(request, "Sign in from this server's own page.", email, target, 403)
    address = request.client.host if request.client else "unknown"
    try:
        signed = await run_in_threadpool(
            sign_in, services, email, fields.get("password", ""), address
        )
    except RateLimitedError as exc:
        return _login(request, exc.message, email, target, 429)
    except AgentAuthError as exc:
        return _login(request, exc.message, email, target, 401)
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, services, signed.session_id)
    return response


@pages.post("/console/logout")
async def logout(request: Request, services: ServicesDep) -> Response:
    signed = await run_in_threadpool(signed_in_or_none, request)
    response = RedirectResponse("/console/login", status_code=303)
    if signed is not None:
        check_form_csrf(signed, (await form_fields(request)).get("csrf", ""))
        await run_in_threadpool(services.agents.end_session, session_hash(signed.session_id))
    clear_cookie(response, services)
    return response


@pages.get("/console", response_class=HTMLResponse)
async def console(request: Request) -> Response:
    return await console_page(request, "/console", "console.html")


async def console_page(request: Request, path: str, template: str, **context: object) -> Response:
    """A console page for the signed-in agent (its name, role and queues, the CSRF
    token, and ``context``), never cached; the sign-in page, coming back here, if
    nobody is signed in."""
    signed = await run_in_threadpool(signed_in_or_none, request)
    if signed is None:
        back = f"{path}?{request.url.query}" if request.url.query else path
        return RedirectResponse(f"/console/login?next={quote(back, safe='/')}", status_code=303)
    agent = signed.agent
    context["agent"] = {
        "id": agent.id,
        "name": agent.name,
        "email": agent.email,
        "role": agent.role.value,
        "queues": list(agent.queues),
    }
    context["csrf"] = signed.csrf
    response = templates.TemplateResponse(request, template, context)
    no_store(response)
    return response


def _login(request: Request, error: str | None, email: str, target: str, status: int) -> Response:
    context = {"error": error, "email": email, "next": _local(target)}
    response = templates.TemplateResponse(
        request, "console_login.html", context, status_code=status
    )
    no_store(response)
    return response


def _local(target: str) -> str:
    """Only a path on this server: a sign-in link must not send agents elsewhere."""
    return target if target.startswith("/") and not target.startswith("//") else "/console"


def no_store(response: Response) -> None:
    """Console pages: never cached, never framed, no referrer to elsewhere."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"


# -- the JSON API ---------------------------------------------------------------------


def escalation_of(services: Services) -> EscalationDesk:
    desk = services.chat.escalation
    if desk is None:
        raise NotConfiguredError("Escalation to agents is not set up on this server.")
    return desk


def agent_queues(services: Services, agent: Agent) -> tuple[str, ...]:
    """The queues whose changes an agent's console follows: all of them for an admin."""
    desk = services.chat.escalation
    known = () if desk is None else desk.triggers.rules.queues.names
    return tuple(q for q in dict.fromkeys((*known, *agent.queues)) if agent.sees(q))


def handover_of(services: Services) -> Handover:
    return escalation_of(services).handover


@api.get("/queue")
async def queue(signed: AgentDep, services: ServicesDep) -> dict[str, object]:
    """Open cases in the agent's queues (queued first-come, then claimed)."""

    queues = agent_queues(services, signed.agent)

    def read() -> dict[str, object]:
        agent = signed.agent
        cases = [c for c in services.cases.waiting() if agent.sees(c.queue)]
        colleagues = services.agents.online(time.time() - ONLINE_WINDOW_S)
        online = [a for a in colleagues if any(a.sees(q) for q in queues)]
        return {
            "cases": [_row(services, case, agent) for case in cases],
            "agents_online": len(online),
            "now": time.time(),
        }

    return await run_in_threadpool(read)


@api.get("/cases/{case_id}")
async def case_detail(case_id: str, signed: AgentDep, services: ServicesDep) -> dict[str, Any]:
    """Everything an agent needs to take over: summary, suggested introduction, the
    whole history, the customer's profile and the ledger of what the assistant read."""

    def read() -> dict[str, Any]:
        desk = escalation_of(services)
        case = desk.handover.case_for(signed.agent, case_id)
        events = services.store.events(case.conversation_id, 0, HISTORY_LIMIT)
        if case.ended_at is not None:
            events = up_to_end(events, case)
        info = services.store.get(case.conversation_id)
        customer = None if info is None else info.customer
        summary = desk.summarise(events, case.trigger, customer)
        first = customer.name.split()[0] if customer and customer.name else None
        return {
            "case": _row(services, case, signed.agent, events),
            "summary": summary.as_dict(),
            "introduction": introduction(summary, first, signed.agent.name),
            "events": [event_json(e) for e in events],
            "customer": customer_json(services, customer),
            "ledger": ledger_rows(events),
            "feedback_verdicts": [v.value for v in Verdict],
        }

    return await run_in_threadpool(read)


@api.post("/cases/{case_id}/claim")
async def claim(case_id: str, signed: AgentDep, services: ServicesDep) -> dict[str, object]:
    handover = handover_of(services)
    case, event = await run_in_threadpool(handover.claim, signed.agent, case_id)
    if event is not None:
        await _published(services, case, event)
        await publish_waits(services, case.queue)
    return {"case": await run_in_threadpool(_row, services, case, signed.agent)}


@api.post("/cases/{case_id}/messages")
async def agent_message(
    case_id: str, body: AgentMessage, signed: AgentDep, services: ServicesDep
) -> dict[str, object]:
    handover = handover_of(services)
    _check_client_id(body.client_message_id)
    event = await run_in_threadpool(
        handover.say, signed.agent, case_id, body.text, body.client_message_id
    )
    case = await run_in_threadpool(handover.case_for, signed.agent, case_id)
    await services.bus.publish(case.conversation_id, {"type": "event", "event": event_json(event)})
    return {"event": event_json(event)}


@api.post("/cases/{case_id}/hand-back")
async def hand_back(
    case_id: str, body: HandBack, signed: AgentDep, services: ServicesDep
) -> dict[str, object]:
    handover = handover_of(services)
    case, event = await run_in_threadpool(handover.hand_back, signed.agent, case_id, body.note)
    await _published(services, case, event)
    return {"case": await run_in_threadpool(_row, services, case, signed.agent)}


@api.post("/cases/{case_id}/close")
async def close(case_id: str, signed: AgentDep, services: ServicesDep) -> dict[str, object]:
    handover = handover_of(services)
    case, event = await run_in_threadpool(handover.close, signed.agent, case_id)
    await _published(services, case, event)
    await publish_waits(services, case.queue)
    return {"case": await run_in_threadpool(_row, services, case, signed.agent)}


@api.post("/cases/{case_id}/feedback", status_code=201)
async def feedback(
    case_id: str, body: FeedbackIn, signed: AgentDep, services: ServicesDep
) -> dict[str, object]:
    """The agent's verdict on how the assistant handled the conversation."""
    if body.right_entry_id is not None and body.right_entry_id not in (
        services.assistant.answerer.index.kb
    ):
        raise InputError(
            f"There is no knowledge-base entry {body.right_entry_id!r}; pick one from the "
            "search, or write the right answer instead."
        )

    def save() -> None:
        case = handover_of(services).case_for(signed.agent, case_id)
        services.cases.add_feedback(
            Feedback(
                case_id=case.id,
                conversation_id=case.conversation_id,
                agent_id=signed.agent.id,
                verdict=body.verdict,
                at=time.time(),
                event_seq=body.event_seq,
                right_entry_id=body.right_entry_id,
                new_answer=body.new_answer.strip(),
                comment=body.comment.strip(),
            )
        )

    await run_in_threadpool(save)
    return {"ok": True}


@api.get("/entries")
async def entries(
    signed: AgentDep,
    services: ServicesDep,
    q: Annotated[str, Query(max_length=300)] = "",
) -> dict[str, object]:
    """Knowledge-base entries for a query: to name the entry that was right."""
    if not q.strip():
        return {"entries": []}
    decision = await run_in_threadpool(services.assistant.answerer.decide, q)
    kb = services.assistant.answerer.index.kb
    rows = []
    for candidate in decision.ranking.candidates[:8]:
        entry = kb.entries[candidate.row]
        rows.append({"id": entry.id, "question": entry.question})
    return {"entries": rows}


# -- helpers --------------------------------------------------------------------------


def _row(
    services: Services, case: Case, agent: Agent, events: list[Event] | None = None
) -> dict[str, object]:
    info = services.store.get(case.conversation_id)
    owner = None if case.agent_id is None else services.agents.get(case.agent_id)
    if events is None:
        events = services.store.recent(case.conversation_id, 6)
    said = [e.text for e in events if e.source is Source.CUSTOMER]
    return case_json(
        case,
        customer=None if info is None else info.customer,
        owner=owner,
        viewer=agent,
        last_message=said[-1] if said else "",
    )


def up_to_end(events: list[Event], case: Case) -> list[Event]:
    """An ended case's conversation up to its hand-back or close, not what the
    shopper said later (perhaps to another queue's agent)."""
    for index, event in enumerate(events):
        ends = event.kind is EventKind.MODE and event.mode in (Mode.BOT, Mode.CLOSED)
        if ends and event.at >= case.created_at:
            return events[: index + 1]
    return events


async def _published(services: Services, case: Case, event: Event) -> None:
    await services.bus.publish(case.conversation_id, {"type": "event", "event": event_json(event)})
    await services.bus.publish(console_channel(case.queue), {"type": "queue"})


async def publish_waits(services: Services, queue: str) -> None:
    """Tell everyone still waiting in ``queue`` their new place and wait."""
    desk = services.chat.escalation
    if desk is None:
        return
    try:
        waits = await run_in_threadpool(desk.handover.waits, queue)
    except FrontdeskError:
        return  # the next tick tries again; the shopper keeps the last estimate
    for case, wait in waits:
        await services.bus.publish(case.conversation_id, {"type": "wait", "wait": wait.as_dict()})


def _check_client_id(client_id: str | None) -> None:
    if client_id is not None and (
        not client_id or any(not (c.isalnum() or c in "._:-") for c in client_id)
    ):
        raise InputError("client_message_id must be letters, digits or . _ : - (a UUID works).")
