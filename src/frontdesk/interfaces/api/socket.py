"""The WebSocket of a conversation: catch-up, live events, and sending messages.

Protocol (JSON text frames): the client's first frame is
`{"type": "hello", "token": ..., "after": <last seq seen>}`; the server answers
`ready` (with `wait` while queued for a person), then every stored event after
`after`, then live `event`, `typing` (bot, agent), `wait`, `ack` and `error` frames.
The client sends `{"type": "message", "text", "client_message_id"}`, and
`{"type": "typing", "on": bool}` while the shopper types (the agent sees it).
Close code 4404: unknown conversation or wrong token; 4400: no valid hello.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from frontdesk.bootstrap import Services
from frontdesk.core.conversation import ConversationInfo, Mode
from frontdesk.core.ports import LiveMessage
from frontdesk.errors import FrontdeskError, NotFoundError, RateLimitedError
from frontdesk.interfaces.api.errors import error_body, public_message, status_of
from frontdesk.interfaces.api.routes import publish_turn, run_turn
from frontdesk.interfaces.api.schemas import PostMessage
from frontdesk.interfaces.api.wire import conversation_json, event_json

log = logging.getLogger("frontdesk.api")
router = APIRouter()
HELLO_TIMEOUT_S = 10.0
CLOSE_BAD_HELLO = 4400
CLOSE_NOT_FOUND = 4404
HISTORY_PAGE = 500
MAX_SEQ = 2**31 - 1
CLOSE_SERVER_ERROR = 1011
_FRAMES = ("message", "ping", "typing")


@router.websocket("/api/conversations/{conversation_id}/ws")
async def conversation_socket(websocket: WebSocket, conversation_id: str) -> None:
    services: Services = websocket.app.state.services
    await websocket.accept()
    hello = await _hello(websocket)
    if hello is None:
        return
    token, after = hello
    try:
        info = await run_in_threadpool(services.chat.open, conversation_id, token)
    except NotFoundError as exc:
        await _send_error(websocket, exc.code, exc.message)
        await websocket.close(CLOSE_NOT_FOUND)
        return
    except FrontdeskError as exc:  # the store is down: the widget retries with backoff
        log.error("conversation %s: %s (%s)", conversation_id, exc.message, exc.detail)
        await _send_error(websocket, exc.code, public_message(exc))
        await websocket.close(CLOSE_SERVER_ERROR)
        return
    outbox: asyncio.Queue[LiveMessage] = asyncio.Queue()
    # Subscribe before reading the backlog, so nothing stored in between is missed;
    # the writer drops what it has already sent.
    services.bus.subscribe(conversation_id, outbox)
    writer = asyncio.create_task(_write(websocket, outbox, services, conversation_id, after))
    try:
        ready: LiveMessage = {"type": "ready", "conversation": conversation_json(info)}
        wait = await run_in_threadpool(current_wait, services, info)
        if wait is not None:
            ready["wait"] = wait
        await outbox.put(ready)
        await _backlog(services, conversation_id, after, outbox)
        await _read(websocket, services, conversation_id, outbox)
    except WebSocketDisconnect:
        pass
    except Exception as exc:  # never a stack trace to the shopper; the widget reconnects
        log.exception("conversation %s: socket failed", conversation_id)
        if isinstance(exc, FrontdeskError):
            await _send_error(websocket, exc.code, public_message(exc))
        with contextlib.suppress(Exception):
            await websocket.close(CLOSE_SERVER_ERROR)
    finally:
        services.bus.unsubscribe(conversation_id, outbox)
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await writer


def current_wait(services: Services, info: ConversationInfo) -> dict[str, object] | None:
    """Where a waiting shopper stands in the queue now."""
    desk = services.chat.escalation
    if desk is None or info.mode is not Mode.QUEUED:
        return None
    case = desk.handover.cases.current(info.id)
    return None if case is None else desk.handover.wait_for(case).as_dict()


async def _hello(websocket: WebSocket) -> tuple[str, int] | None:
    try:
        raw = await asyncio.wait_for(_receive_text(websocket), HELLO_TIMEOUT_S)
        frame = json.loads(raw or "")
        if not isinstance(frame, dict) or frame.get("type") != "hello":
            raise ValueError("first frame is not a hello")
        token, after = frame.get("token"), frame.get("after", 0)
        if not isinstance(token, str) or not isinstance(after, int) or not 0 <= after <= MAX_SEQ:
            raise ValueError(f"hello needs a token (string) and after (0 ≤ seq ≤ {MAX_SEQ})")
    except WebSocketDisconnect:
        return None
    except (TimeoutError, ValueError, RecursionError) as exc:
        await _send_error(
            websocket,
            "invalid_hello",
            'Start with {"type": "hello", "token": "<conversation token>", "after": 0} '
            f"within {HELLO_TIMEOUT_S:.0f} s ({exc}).",
        )
        await websocket.close(CLOSE_BAD_HELLO)
        return None
    return token, after


async def _backlog(
    services: Services, conversation_id: str, after: int, outbox: asyncio.Queue[LiveMessage]
) -> None:
    while True:
        events = await run_in_threadpool(
            services.chat.history, conversation_id, after, HISTORY_PAGE
        )
        for event in events:
            await outbox.put({"type": "event", "event": event_json(event)})
        if len(events) < HISTORY_PAGE:
            return
        after = events[-1].seq


async def _read(
    websocket: WebSocket,
    services: Services,
    conversation_id: str,
    outbox: asyncio.Queue[LiveMessage],
) -> None:
    limit = services.settings.max_body_bytes
    while True:
        raw = await _receive_text(websocket)
        if raw is None:
            await outbox.put(_error("invalid_message", "Send JSON in text frames, not binary."))
            continue
        if len(raw.encode("utf-8")) > limit:
            await outbox.put(_error("request_too_large", f"The frame is over {limit} bytes."))
            continue
        frame = _parse(raw)
        if frame is None:
            await outbox.put(
                _error(
                    "invalid_message",
                    'Send {"type": "message", "text": "...", "client_message_id": "<uuid>"}.',
                )
            )
        elif frame.get("type") == "ping":
            await outbox.put({"type": "pong"})
        elif frame.get("type") == "typing":
            if isinstance(frame.get("on"), bool):
                typing = {"type": "typing", "source": "customer", "on": frame["on"]}
                await services.bus.publish(conversation_id, typing)
        else:
            await _message(websocket, services, conversation_id, frame, outbox)


async def _message(
    websocket: WebSocket,
    services: Services,
    conversation_id: str,
    frame: dict[str, Any],
    outbox: asyncio.Queue[LiveMessage],
) -> None:
    client_id = frame.get("client_message_id")
    client_id = client_id if isinstance(client_id, str) else None
    try:
        body = PostMessage.model_validate(
            {"text": frame.get("text"), "client_message_id": client_id}
        )
    except ValidationError:
        await outbox.put(_error("invalid_message", "A message needs `text` (a string).", client_id))
        return
    await outbox.put({"type": "typing", "source": "bot", "on": True})
    try:
        turn = await run_turn(
            websocket, services, conversation_id, body, token=None, authorised=True
        )
    except FrontdeskError as exc:
        retry = exc.retry_after if isinstance(exc, RateLimitedError) else None
        if status_of(exc) >= 500:
            log.error("conversation %s: %s (%s)", conversation_id, exc.message, exc.detail)
        await outbox.put(_error(exc.code, public_message(exc), client_id, retry))
        return
    except Exception:
        log.exception("turn failed in conversation %s", conversation_id)
        await outbox.put(
            _error("internal_error", "Something went wrong on our side; please resend.", client_id)
        )
        return
    finally:
        await outbox.put({"type": "typing", "source": "bot", "on": False})
    await outbox.put({"type": "ack", "client_message_id": client_id, "seq": turn.message.seq})
    for event in (turn.message, *turn.replies):
        await outbox.put({"type": "event", "event": event_json(event)})
    await publish_turn(services, conversation_id, turn)  # other tabs, other workers


async def _write(
    websocket: WebSocket,
    outbox: asyncio.Queue[LiveMessage],
    services: Services,
    conversation_id: str,
    after: int,
) -> None:
    """The only sender on this socket, so frames never interleave. Events go out once
    each and in seq order, whichever way they arrived (backlog, own turn, fan-out):
    one that skips ahead first brings the ones in between from the store, so a
    fan-out message that arrived early, late or never leaves no gap."""
    last = after  # every event up to here has been sent
    try:
        while True:
            message = await outbox.get()
            seq = _event_seq(message)
            if seq is not None and seq <= last:
                continue
            if seq is not None and seq > last + 1:
                last = await _send_missing(websocket, services, conversation_id, last, seq)
            await websocket.send_json(message)
            last = last if seq is None else seq
    except asyncio.CancelledError:
        raise
    except Exception:
        # Sending failed for good (the store is down while filling a gap): close, so
        # the widget reconnects and catches up, rather than leave it open and silent.
        log.exception("conversation %s: could not send", conversation_id)
        with contextlib.suppress(Exception):
            await websocket.close(CLOSE_SERVER_ERROR)


def _event_seq(message: LiveMessage) -> int | None:
    """The seq of an event frame; None for other frames (typing, ack …)."""
    event = message.get("event") if message.get("type") == "event" else None
    seq = event.get("seq") if isinstance(event, dict) else None
    return seq if isinstance(seq, int) else None


async def _send_missing(
    websocket: WebSocket, services: Services, conversation_id: str, last: int, before: int
) -> int:
    """Send the stored events between ``last`` and ``before``; the new ``last``."""
    missing = await run_in_threadpool(
        services.chat.history, conversation_id, last, before - last - 1
    )
    for earlier in missing:
        if last < earlier.seq < before:
            await websocket.send_json({"type": "event", "event": event_json(earlier)})
            last = earlier.seq
    return last


async def _receive_text(websocket: WebSocket) -> str | None:
    """The next text frame; None for a binary one (which receive_text would crash on)."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    return text if isinstance(text, str) else None


def _parse(raw: str) -> dict[str, Any] | None:
    try:
        frame = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return frame if isinstance(frame, dict) and frame.get("type") in _FRAMES else None


def _error(
    code: str, message: str, client_id: str | None = None, retry_after: float | None = None
) -> LiveMessage:
    return {
        "type": "error",
        **error_body(code, message, uuid.uuid4().hex),
        "client_message_id": client_id,
        "retry_after": None if retry_after is None else round(retry_after, 1),
    }


async def _send_error(websocket: WebSocket, code: str, message: str) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_json(_error(code, message))
