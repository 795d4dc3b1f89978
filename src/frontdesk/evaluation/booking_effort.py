"""Booking effort: a scripted shopper books an appointment in the chat, and we count
what it cost them: messages sent (each typed message or clicked option is one) and
seconds from the first message to the confirmation.

The scripts are the booking lines of the shipped conversation scripts
(``demo/data/eval_conversations.jsonl``, format in evaluation/conversations.py); moves
are played by evaluation/playback.py. A script fails loudly when the assistant does
not offer what it expects, so a flow that got longer shows up as an error, not as a
silently better figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.core.chat import ChatService
from frontdesk.core.conversation import Customer, Reply
from frontdesk.errors import EvaluationError
from frontdesk.evaluation.conversations import (
    SHIPPED_CONVERSATIONS,
    ConversationScript,
    ScriptKind,
    load_conversation_scripts,
)
from frontdesk.evaluation.playback import play, text_of

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


def booking_script(script: ConversationScript) -> BookingScript:
    """A booking line of a scripts file as a BookingScript (no max_turns: all its moves)."""
    if script.kind is not ScriptKind.BOOKING:
        raise EvaluationError(f"{script.name}: a {script.kind} script is not a booking script")
    goal = script.max_turns if script.max_turns is not None else len(script.moves)
    return BookingScript(script.name, script.moves, script.customer is not None, goal)


# The demo shop's booking scripts that `make bench` measures (bench/booking_bench.py).
DEMO_SCRIPTS = tuple(
    booking_script(s)
    for s in load_conversation_scripts(SHIPPED_CONVERSATIONS)
    if s.kind is ScriptKind.BOOKING
)


def is_confirmation(reply: Reply) -> bool:
    return CONFIRMED_NOTE in reply.notes


def booking_reference(reply: Reply) -> str:
    """The booking's reference (BK-…) from a confirmation's notes."""
    note = next((n for n in reply.notes if n.startswith("booking:")), None)
    if note is None:
        raise EvaluationError(f"a booking confirmation without a reference: {reply.text[:120]!r}")
    return note.split(":", 1)[1]


def run_booking_script(
    chat: ChatService, script: BookingScript, customer: Customer | None
) -> BookingEffort:
    """Play ``script`` in a new conversation; the effort to the confirmation."""
    info, _ = chat.start(customer if script.verified else None)
    played = play(chat, info.id, script.moves, script.name, stop=is_confirmation)
    if played.error:
        raise EvaluationError(played.error)
    if played.stopped_by is None:
        last = played.last
        said = "nothing" if last is None else repr(last.text[:160])
        raise EvaluationError(
            f"{script.name}: not booked after {len(script.moves)} moves; last {said}"
        )
    return BookingEffort(
        script.name, played.turns, played.seconds, booking_reference(played.stopped_by)
    )


def _text_of(move: str, last: Reply | None, script: BookingScript) -> str:
    return text_of(move, last, script.name)
