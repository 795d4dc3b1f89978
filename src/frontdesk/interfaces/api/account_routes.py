"""CRM webhooks in, and the ledger of CRM data a conversation used, for agents."""

from __future__ import annotations

import hmac
import time
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from frontdesk.adapters.crm.webhooks import verify_delivery
from frontdesk.bootstrap import Services
from frontdesk.core.account.updates import Notified
from frontdesk.core.conversation import Event
from frontdesk.errors import (
    AgentAuthError,
    CrmDataError,
    InputError,
    NotConfiguredError,
    NotFoundError,
)
from frontdesk.interfaces.api.deps import ServicesDep, bearer
from frontdesk.interfaces.api.schemas import ErrorOut
from frontdesk.interfaces.api.wire import event_json

router = APIRouter()
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Bad signature or stale timestamp."},
    409: {"model": ErrorOut, "description": "This delivery id was received before."},
    422: {"model": ErrorOut, "description": "The body is not a valid update."},
    503: {"model": ErrorOut, "description": "Webhooks are not configured."},
}


@router.post("/webhooks/crm", tags=["crm"], responses=ERRORS)
async def crm_webhook(request: Request, services: ServicesDep) -> dict[str, object]:
    """A change in the shop's CRM (customer.updated, order.updated, invoice.updated),
    signed with FRONTDESK_CRM_WEBHOOK_SECRET; see docs/crm-api.md. The customer's open
    conversations hear about it at once."""
    secret = services.settings.crm_webhook_secret
    if secret is None:
        raise NotConfiguredError(
            "CRM webhooks are not set up on this server: set FRONTDESK_CRM_WEBHOOK_SECRET "
            "(at least 32 bytes) and sign deliveries with it."
        )
    body = await request.body()
    try:
        delivery = verify_delivery(
            secret.get_secret_value(), request.headers, body, now=time.time()
        )
    except CrmDataError as exc:
        # The sender proved who it is; it may read what was wrong with its body.
        raise InputError(f"The webhook body is not a valid update: {exc.detail}") from exc
    notified = await run_in_threadpool(
        partial(services.crm_updates.receive, content_key=delivery.content_key), delivery.update
    )
    await _publish(services, notified)
    return {
        "delivery": delivery.delivery_id,
        "applied": True,
        "notified_conversations": len(notified),
    }


async def _publish(services: Services, notified: list[Notified]) -> None:
    for item in notified:
        message: dict[str, object] = {"type": "event", "event": event_json(item.event)}
        await services.bus.publish(item.conversation_id, message)


def agent(request: Request, token: Annotated[str | None, Depends(bearer)]) -> None:
    """Agent calls carry `Authorization: Bearer <FRONTDESK_AGENT_API_KEY>` (the agent
    console of a later release signs agents in with their own accounts)."""
    services: Services = request.app.state.services
    key = services.settings.agent_api_key
    if key is None:
        raise NotConfiguredError(
            "The agent API is not set up on this server: set FRONTDESK_AGENT_API_KEY "
            "(at least 32 bytes)."
        )
    if token is None or not hmac.compare_digest(
        token.encode("utf-8", "replace"), key.get_secret_value().encode("utf-8")
    ):
        raise AgentAuthError(
            "This is for support agents: send Authorization: Bearer <agent API key>."
        )


@router.get(
    "/api/conversations/{conversation_id}/ledger",
    tags=["agents"],
    dependencies=[Depends(agent)],
    responses={401: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)
async def ledger(conversation_id: str, services: ServicesDep) -> dict[str, object]:
    """Every CRM record the assistant read or changed in this conversation, turn by
    turn: record names and field names, never their values."""
    info = await run_in_threadpool(services.store.get, conversation_id)
    if info is None:
        raise NotFoundError("No such conversation.")
    events = await run_in_threadpool(services.store.events, conversation_id, 0, 100_000)
    return {
        "conversation": conversation_id,
        "customer": None if info.customer is None else info.customer.as_dict(),
        "entries": [row for event in events for row in _ledger_rows(event)],
    }


def _ledger_rows(event: Event) -> list[dict[str, object]]:
    if event.reply is None:
        return []
    return [
        {"seq": event.seq, "reply_to": event.reply_to, "at": event.at, **entry.as_dict()}
        for entry in event.reply.ledger
    ]
