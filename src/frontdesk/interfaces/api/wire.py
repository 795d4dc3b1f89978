"""What events and conversations look like on the wire (REST and WebSocket alike)."""

from __future__ import annotations

from datetime import UTC, datetime

from frontdesk.core.conversation import ConversationInfo, Event, Reply


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_json(event: Event) -> dict[str, object]:
    return {
        "seq": event.seq,
        "source": event.source.value,
        "kind": event.kind.value,
        "text": event.text,
        "at": iso(event.at),
        "client_message_id": event.client_message_id,
        "reply_to": event.reply_to,
        "mode": None if event.mode is None else event.mode.value,
        "author": event.author,
        "reply": None if event.reply is None else reply_json(event.reply),
        "latency_ms": None if event.latency_ms is None else round(event.latency_ms, 2),
    }


def reply_json(reply: Reply) -> dict[str, object]:
    """What a shopper's browser gets: no language-model usage or cost, which is for
    the shop (agents and the evaluation read it from the store)."""
    record = reply.as_dict()
    record.pop("llm", None)
    return record


def conversation_json(info: ConversationInfo) -> dict[str, object]:
    return {
        "id": info.id,
        "mode": info.mode.value,
        "customer": None if info.customer is None else info.customer.as_dict(),
        "last_seq": info.last_seq,
        "created_at": iso(info.created_at),
        "timezone": info.timezone,
        "channel": info.channel,
    }
