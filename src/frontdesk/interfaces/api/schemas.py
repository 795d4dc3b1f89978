"""Request and response bodies, as the API docs at /docs show them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from frontdesk.core.conversation import CHANNEL_NAME, WEB_CHANNEL


class StartConversation(BaseModel):
    customer_token: str | None = Field(
        default=None,
        max_length=8192,
        description="A JWT (HS256) your shop backend signed for the signed-in customer; "
        "leave out for an anonymous visitor.",
    )
    timezone: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[A-Za-z0-9_+\-/]+$",
        description="The shopper's IANA timezone (e.g. Europe/Paris), as the browser "
        "reports it: appointment times are shown in it. A name this server does not "
        "know is ignored and the shop's timezone is used.",
        examples=["Europe/Paris"],
    )
    channel: str = Field(
        default=WEB_CHANNEL,
        max_length=32,
        pattern=f"^{CHANNEL_NAME}$",
        description="Where the conversation comes in, for analytics: `web` (the widget, "
        "the default) or a name your own integration chooses (`email`, `whatsapp` …): "
        "lower-case letters, digits, `_` and `-`, up to 32.",
        examples=["web"],
    )


class PostMessage(BaseModel):
    # No max_length here: an over-long message gets 413 with the limit, from the service.
    text: str = Field(description="What the shopper typed.")
    client_message_id: str | None = Field(
        default=None,
        description="The sender's own id for this message (a UUID). A resend with the same "
        "id returns the stored message and its reply instead of storing it twice.",
    )


class OptionOut(BaseModel):
    id: str
    label: str


class LinkOut(BaseModel):
    label: str
    url: str


class IntentOut(BaseModel):
    name: str
    confidence: float


class ReplyOut(BaseModel):
    kind: Literal[
        "answer",
        "clarify",
        "abstain",
        "smalltalk",
        "prompt",
        "account",
        "confirm",
        "sign_in",
        "unavailable",
        "notice",
        "booking",
        "handover",
    ]
    text: str
    source_ids: list[str] = Field(description="The knowledge-base entries it came from.")
    confidence: float
    options: list[OptionOut] = Field(description="Quick replies the shopper can pick.")
    links: list[LinkOut] = Field(
        default_factory=list, description="Links under the reply: a calendar file, a page."
    )
    intent: IntentOut | None = None


class EventOut(BaseModel):
    seq: int
    source: Literal["customer", "bot", "agent", "system"]
    kind: Literal["message", "mode"]
    text: str
    at: str = Field(description="ISO 8601, UTC")
    client_message_id: str | None
    reply_to: int | None
    mode: str | None
    author: str | None = Field(default=None, description="The agent's name on their messages")
    reply: ReplyOut | None
    latency_ms: float | None


class CustomerOut(BaseModel):
    id: str
    name: str | None
    email: str | None


class ConversationOut(BaseModel):
    id: str
    mode: Literal["bot", "queued", "agent", "closed"]
    customer: CustomerOut | None
    last_seq: int
    created_at: str
    timezone: str | None = Field(default=None, description="The shopper's, if known.")
    channel: str = Field(default=WEB_CHANNEL, description="Where it came in.")


class Started(BaseModel):
    conversation: ConversationOut
    token: str = Field(description="Send as `Authorization: Bearer <token>`; keep it secret.")


class TurnOut(BaseModel):
    message: EventOut
    replies: list[EventOut]
    duplicate: bool


class EventsOut(BaseModel):
    events: list[EventOut]
    last_seq: int
    mode: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    trace_id: str


class ErrorOut(BaseModel):
    error: ErrorDetail


class RatingIn(BaseModel):
    score: int = Field(ge=1, le=5, description="1 (poor) … 5 (excellent)")
    comment: str = Field(default="", max_length=2000)
