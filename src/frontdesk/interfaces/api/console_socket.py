"""The console's WebSocket: queue changes, the watched conversations' events and the
shopper's typing, live; the agent's typing and heartbeat back.

Signed in by the session cookie, and only from our own pages (the Origin must be
this server): a WebSocket is not covered by CORS, so a page elsewhere could
otherwise open one with the agent's cookie.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from frontdesk.bootstrap import Services
from frontdesk.core.escalation.model import CaseStatus
from frontdesk.core.ports import LiveMessage
from frontdesk.errors import FrontdeskError
from frontdesk.interfaces.api.booking_forms import same_origin
from frontdesk.interfaces.api.console_auth import SignedIn, signed_in_or_none
from frontdesk.interfaces.api.console_routes import agent_queues, handover_of
from frontdesk.interfaces.api.routes import console_channel

log = logging.getLogger("frontdesk.console")
router = APIRouter()
CLOSE_UNAUTHORISED = 4401
MAX_FRAME = 4096
MAX_WATCHED = 20


@router.websocket("/api/console/ws")
async def console_socket(websocket: WebSocket) -> None:
    services: Services = websocket.app.state.services
    signed = await run_in_threadpool(signed_in_or_none, websocket)
    if signed is None or not same_origin(websocket):
        await websocket.close(CLOSE_UNAUTHORISED)
        return
    await websocket.accept()
    outbox: asyncio.Queue[LiveMessage] = asyncio.Queue()
    watching: dict[str, asyncio.Queue[LiveMessage]] = {}  # conversation id → its feed
    channels = [console_channel(q) for q in agent_queues(services, signed.agent)]
    for channel in channels:
        services.bus.subscribe(channel, outbox)
    writer = asyncio.create_task(_write(websocket, outbox))
    try:
        await run_in_threadpool(services.agents.seen, signed.agent.id, time.time())
        await outbox.put(
            {"type": "ready", "agent": {"id": signed.agent.id, "name": signed.agent.name}}
        )
        await _read(websocket, services, signed, outbox, watching)
    except WebSocketDisconnect:
        pass
    except Exception:
        log.exception("console socket of agent %s failed", signed.agent.id)
        with contextlib.suppress(Exception):
            await websocket.close(1011)
    finally:
        for channel in channels:
            services.bus.unsubscribe(channel, outbox)
        for conversation_id, feed in watching.items():
            services.bus.unsubscribe(conversation_id, feed)
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await writer


async def _read(
    websocket: WebSocket,
    services: Services,
    signed: SignedIn,
    outbox: asyncio.Queue[LiveMessage],
    watching: dict[str, asyncio.Queue[LiveMessage]],
) -> None:
    while True:
        frame = _parse(await websocket.receive_text())
        kind = None if frame is None else frame.get("type")
        if frame is None:
            await outbox.put(_error("invalid_frame", "Send JSON objects with a type."))
        elif kind == "ping":
            # Signed out, expired or removed since the socket opened: it ends here,
            # and the agent no longer counts as online.
            if await run_in_threadpool(signed_in_or_none, websocket) is None:
                await websocket.close(CLOSE_UNAUTHORISED)
                return
            await run_in_threadpool(services.agents.seen, signed.agent.id, time.time())
            await outbox.put({"type": "pong"})
        elif kind == "watch":
            await _watch(services, signed, frame.get("case_id"), outbox, watching)
        elif kind == "typing":
            await _typing(services, signed, frame)


async def _watch(
    services: Services,
    signed: SignedIn,
    case_id: object,
    outbox: asyncio.Queue[LiveMessage],
    watching: dict[str, asyncio.Queue[LiveMessage]],
) -> None:
    """Stream one more conversation's events to this console, if the agent may see it."""
    if not isinstance(case_id, str):
        return
    try:
        case = await run_in_threadpool(handover_of(services).case_for, signed.agent, case_id)
    except FrontdeskError as exc:
        await outbox.put(_error(exc.code, exc.message))
        return
    if not case.is_open:
        await outbox.put(_error("case_closed", f"{case.id} has ended: nothing more to follow."))
        return
    earlier = watching.get(case.conversation_id)
    if isinstance(earlier, _Relay) and not earlier.ended:
        return
    if earlier is not None:  # a new case of a conversation this console followed before
        services.bus.unsubscribe(case.conversation_id, watching.pop(case.conversation_id))
    if len(watching) >= MAX_WATCHED:  # the oldest goes: one console, a handful of chats
        oldest = next(iter(watching))
        services.bus.unsubscribe(oldest, watching.pop(oldest))
    feed = _Relay(case.conversation_id, outbox)
    watching[case.conversation_id] = feed
    services.bus.subscribe(case.conversation_id, feed)
    await outbox.put(
        {"type": "watching", "case_id": case.id, "conversation_id": case.conversation_id}
    )


class _Relay(asyncio.Queue[LiveMessage]):
    """A conversation's feed, put straight into the console's outbox with its id,
    until the case ends: what the shopper says after a hand-back or a close is not
    this agent's to read (a later case may belong to another queue)."""

    def __init__(self, conversation_id: str, outbox: asyncio.Queue[LiveMessage]) -> None:
        super().__init__()
        self.conversation_id = conversation_id
        self.outbox = outbox
        self.ended = False

    def put_nowait(self, item: LiveMessage) -> None:
        if self.ended or item.get("type") not in ("event", "typing"):
            return
        self.outbox.put_nowait({**item, "conversation_id": self.conversation_id})
        event = item.get("event")
        if isinstance(event, dict) and event.get("kind") == "mode":
            self.ended = event.get("mode") in ("bot", "closed")


async def _typing(services: Services, signed: SignedIn, frame: dict[str, Any]) -> None:
    case_id, on = frame.get("case_id"), frame.get("on")
    if not isinstance(case_id, str) or not isinstance(on, bool):
        return
    try:
        case = await run_in_threadpool(handover_of(services).case_for, signed.agent, case_id)
    except FrontdeskError:
        return
    if case.status is not CaseStatus.CLAIMED or case.agent_id != signed.agent.id:
        return  # only the agent who has the chat types into it
    message = {"type": "typing", "source": "agent", "name": signed.agent.name, "on": on}
    await services.bus.publish(case.conversation_id, message)


async def _write(websocket: WebSocket, outbox: asyncio.Queue[LiveMessage]) -> None:
    while True:
        await websocket.send_json(await outbox.get())


def _error(code: str, message: str) -> LiveMessage:
    return {"type": "error", "error": {"code": code, "message": message}}


def _parse(raw: str) -> dict[str, Any] | None:
    if len(raw) > MAX_FRAME:
        return None
    try:
        frame = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return frame if isinstance(frame, dict) and isinstance(frame.get("type"), str) else None
