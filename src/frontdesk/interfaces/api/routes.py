"""REST: start a conversation, post a message, read the conversation and its events."""

from __future__ import annotations

import asyncio
import weakref
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from starlette.requests import HTTPConnection

from frontdesk.bootstrap import Services
from frontdesk.core.chat import Turn
from frontdesk.core.conversation import WEB_CHANNEL
from frontdesk.core.ports import LiveMessage
from frontdesk.errors import RateLimitedError
from frontdesk.interfaces.api.deps import ServicesDep, TokenDep
from frontdesk.interfaces.api.schemas import (
    ConversationOut,
    ErrorOut,
    EventsOut,
    PostMessage,
    RatingIn,
    StartConversation,
    Started,
    TurnOut,
)
from frontdesk.interfaces.api.wire import conversation_json, event_json

router = APIRouter(prefix="/api", tags=["conversations"])


def console_channel(queue: str) -> str:
    """The bus channel of one queue's changes: consoles listen to their agent's
    queues only, so nobody learns of cases in queues they do not work."""
    return f"console:{queue}"


NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "Unknown conversation or wrong token."}
}
# A turn is CPU work (the model); more turns at once than this per worker only queue
# inside onnxruntime, so they wait here instead, in order.
TURN_SLOTS = 4


def turn_limiter(connection: HTTPConnection) -> anyio.CapacityLimiter:
    limiter: anyio.CapacityLimiter = connection.app.state.turn_limiter
    return limiter


async def run_turn(
    connection: HTTPConnection,
    services: Services,
    conversation_id: str,
    body: PostMessage,
    *,
    token: str | None,
    authorised: bool = False,
) -> Turn:
    """Store and answer the message on a worker thread (the model is CPU work). The
    token is checked there too, in the same hop, unless the caller already did
    (a WebSocket checks it once, at its hello)."""

    def turn() -> Turn:
        if not authorised:
            services.chat.open(conversation_id, token)
        return services.chat.post(conversation_id, body.text, body.client_message_id)

    # One turn per conversation at a time waits here, not in a thread slot: a burst
    # into one conversation must not hold the slots every other conversation needs.
    async with conversation_lock(connection, conversation_id):
        return await anyio.to_thread.run_sync(turn, limiter=turn_limiter(connection))


def conversation_lock(connection: HTTPConnection, conversation_id: str) -> asyncio.Lock:
    locks: weakref.WeakValueDictionary[str, asyncio.Lock] = connection.app.state.conversation_locks
    lock = locks.get(conversation_id)
    if lock is None:
        lock = asyncio.Lock()
        locks[conversation_id] = lock
    return lock


async def publish_turn(services: Services, conversation_id: str, turn: Turn) -> None:
    """Tell every open connection of the conversation. A resend publishes its stored
    events again; receivers drop seqs they have already seen."""
    for event in (turn.message, *turn.replies):
        await services.bus.publish(conversation_id, {"type": "event", "event": event_json(event)})
    if turn.handed is not None:
        # Agents' consoles, live: the queue re-reads itself and chimes.
        case = turn.handed.case
        wait: LiveMessage = {"type": "wait", "wait": turn.handed.wait.as_dict()}
        await services.bus.publish(conversation_id, wait)
        new_case = {"id": case.id, "queue": case.queue}
        await services.bus.publish(
            console_channel(case.queue), {"type": "queue", "new_case": new_case}
        )


@router.post(
    "/conversations",
    status_code=201,
    response_model=Started,
    responses={
        401: {"model": ErrorOut, "description": "The customer token was refused."},
        429: {"model": ErrorOut, "description": "Too many new conversations; see Retry-After."},
    },
)
async def start_conversation(
    request: Request, services: ServicesDep, body: StartConversation | None = None
) -> dict[str, object]:
    """Start a conversation. With `customer_token`, the shopper is the customer your
    backend signed for; without it, an anonymous visitor."""
    if services.start_limiter is not None:
        address = request.client.host if request.client else "unknown"
        wait = services.start_limiter.take(address)
        if wait > 0:
            raise RateLimitedError(
                f"Too many new conversations from your address; please wait {wait:.0f} s.",
                retry_after=wait,
            )
    customer = None
    if body is not None and body.customer_token:
        customer = services.tokens.verify(body.customer_token)
    timezone = None if body is None else body.timezone
    channel = WEB_CHANNEL if body is None else body.channel
    info, token = await run_in_threadpool(services.chat.start, customer, timezone, channel)
    return {"conversation": conversation_json(info), "token": token}


@router.get("/conversations/{conversation_id}", response_model=ConversationOut, responses=NOT_FOUND)
async def read_conversation(
    conversation_id: str, services: ServicesDep, token: TokenDep
) -> dict[str, object]:
    info = await run_in_threadpool(services.chat.open, conversation_id, token)
    return conversation_json(info)


@router.get(
    "/conversations/{conversation_id}/events", response_model=EventsOut, responses=NOT_FOUND
)
async def read_events(
    conversation_id: str,
    services: ServicesDep,
    token: TokenDep,
    after: Annotated[int, Query(ge=0, le=2**31 - 1, description="Only events after this seq.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> dict[str, object]:
    info = await run_in_threadpool(services.chat.open, conversation_id, token)
    events = await run_in_threadpool(services.chat.history, conversation_id, after, limit)
    return {
        "events": [event_json(e) for e in events],
        "last_seq": info.last_seq,
        "mode": info.mode.value,
    }


@router.post(
    "/conversations/{conversation_id}/messages",
    response_model=TurnOut,
    responses={
        **NOT_FOUND,
        413: {"model": ErrorOut, "description": "The message is over the length limit."},
        429: {"model": ErrorOut, "description": "Too many messages; see Retry-After."},
    },
)
async def post_message(
    request: Request,
    conversation_id: str,
    body: PostMessage,
    services: ServicesDep,
    token: TokenDep,
) -> Response:
    """Send the shopper's message; the reply comes back in `replies` (and to every
    open WebSocket of the conversation)."""
    turn = await run_turn(request, services, conversation_id, body, token=token)
    await publish_turn(services, conversation_id, turn)
    # Built from our own dataclasses, so it is returned as it is: validating it
    # against TurnOut again cost more than the rest of the response.
    return JSONResponse(
        {
            "message": event_json(turn.message),
            "replies": [event_json(e) for e in turn.replies],
            "duplicate": turn.duplicate,
        }
    )


@router.post(
    "/conversations/{conversation_id}/rating",
    status_code=201,
    responses={
        **NOT_FOUND,
        409: {"model": ErrorOut, "description": "No conversation with an agent to rate yet."},
    },
)
async def rate_conversation(
    conversation_id: str, body: RatingIn, services: ServicesDep, token: TokenDep
) -> dict[str, object]:
    """The shopper's rating (1–5, and a comment) of a conversation an agent closed.
    Rating again replaces the first one."""
    await run_in_threadpool(services.chat.open, conversation_id, token)
    await run_in_threadpool(services.chat.rate, conversation_id, body.score, body.comment)
    return {"ok": True}
