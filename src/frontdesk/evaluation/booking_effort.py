"""Booking effort: a scripted shopper books an appointment in the chat, and we count
what it cost them: messages sent (each typed message or clicked option is one) and
seconds from the first message to the confirmation.

A script is a list of moves: ``"say:text"`` types text, ``"pick:N"`` clicks the
N-th quick reply (1-based) of the last reply, ``"pick:Label"`` clicks the option
whose label starts with Label. The shopper clicks what a person would; the script
fails loudly when the assistant does not offer what it expects, so a flow that got
longer shows up as an error, not as a silently better figure.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from frontdesk.core.chat import ChatService
from frontdesk.core.conversation import Customer, Reply
from frontdesk.errors import EvaluationError

CONFIRMED_NOTE = "booking_confirmed"


@dataclass(frozen=True, slots=True)
class BookingScript:
    name: str
    moves: tuple[str, ...]
    verified: bool  # the shop vouched for the shopper (a signed-in customer)
    goal_turns: int  # the most customer turns the issue allows


@dataclass(frozen=True, slots=True)
class BookingEffort:
    script: str
    turns: int
    seconds: float
    reference: str

    def as_dict(self) -> dict[str, object]:
        return {
            "script": self.script,
            "turns": self.turns,
            "seconds": round(self.seconds, 4),
            "reference": self.reference,
        }


DEMO_SCRIPTS = (
    BookingScript(
        "verified: video call, named in the first message",
        ("say:I'd like to book a video consultation", "pick:1", "pick:Book it"),
        verified=True,
        goal_turns=3,
    ),
    BookingScript(
        "verified: installation for a named order",
        ("say:Can I book an installation visit for order 1043?", "pick:1", "pick:Book it"),
        verified=True,
        goal_turns=3,
    ),
    BookingScript(
        "verified: starter button, then the type",
        ("say:Book an appointment", "pick:Product consultation", "pick:1", "pick:Book it"),
        verified=True,
        goal_turns=4,
    ),
    BookingScript(
        "anonymous: video call, named in the first message",
        (
            "say:Can I book a video call with an advisor?",
            "pick:1",
            "say:sam.lee@example.com",
            "pick:Book it",
        ),
        verified=False,
        goal_turns=5,
    ),
    BookingScript(
        "anonymous: type picked from the list",
        (
            "say:I'd like to make an appointment",
            "pick:Product consultation",
            "pick:1",
            "say:sam.lee@example.com",
            "pick:Book it",
        ),
        verified=False,
        goal_turns=5,
    ),
)


def run_booking_script(
    chat: ChatService, script: BookingScript, customer: Customer | None
) -> BookingEffort:
    """Play ``script`` in a new conversation; the effort to the confirmation."""
    info, _ = chat.start(customer if script.verified else None)
    last: Reply | None = None
    began = time.perf_counter()
    for turn, move in enumerate(script.moves, start=1):
        text = _text_of(move, last, script)
        replies = chat.post(info.id, text).replies
        if not replies or replies[-1].reply is None:
            raise EvaluationError(f"{script.name}: no reply to {text!r}")
        last = replies[-1].reply
        if CONFIRMED_NOTE in last.notes:
            reference = next(n for n in last.notes if n.startswith("booking:"))
            return BookingEffort(
                script.name, turn, time.perf_counter() - began, reference.split(":", 1)[1]
            )
    said = "nothing" if last is None else repr(last.text[:160])
    raise EvaluationError(f"{script.name}: not booked after {len(script.moves)} moves; last {said}")


def _text_of(move: str, last: Reply | None, script: BookingScript) -> str:
    kind, _, value = move.partition(":")
    if kind == "say":
        return value
    if kind != "pick" or last is None:
        raise EvaluationError(f"{script.name}: bad move {move!r}")
    options = last.options
    if value.isdigit():
        index = int(value) - 1
        if index >= len(options):
            raise EvaluationError(f"{script.name}: no option {value} in {last.text[:120]!r}")
        return options[index].label
    for option in options:
        if option.label.startswith(value):
            return option.label
    labels = [o.label for o in options]
    raise EvaluationError(f"{script.name}: no option {value!r} among {labels}")
