"""Playing a script's moves in the chat, as a shopper would: type a message or click one
of the last reply's quick replies, until something the script waits for happens.

A move is ``"say:text"`` (type text), ``"pick:N"`` (click the N-th quick reply of
the last reply, 1-based) or ``"pick:Label"`` (click the option whose label starts
with Label). A pick the assistant did not offer fails loudly, so a flow that got
longer shows up as an error, not as a silently different figure.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from frontdesk.core.chat import ChatService
from frontdesk.core.conversation import Reply
from frontdesk.errors import EvaluationError, FrontdeskError


@dataclass(frozen=True, slots=True)
class Played:
    turns: int  # customer turns sent, up to and including the one that stopped the script
    seconds: float  # from the first message to the last reply counted
    stopped_by: Reply | None  # the reply the script waited for; None: never came
    last: Reply | None  # the last reply seen
    # Why the script could not go on (an option it wanted was not offered …); "" if none.
    error: str = ""


def play(
    chat: ChatService,
    conversation_id: str,
    moves: Sequence[str],
    name: str,
    *,
    stop: Callable[[Reply], bool],
) -> Played:
    """Play ``moves`` in the conversation until a reply satisfies ``stop`` or the moves
    run out. Seconds are the assistant's time only: no thinking time of the shopper.
    A move that cannot be played ends the script with ``error`` set; ``turns`` then
    counts the turns sent before it."""
    last: Reply | None = None
    began = time.perf_counter()
    for turn, move in enumerate(moves, start=1):
        try:
            text = text_of(move, last, name)
            events = chat.post(conversation_id, text).replies
        except EvaluationError as exc:
            return Played(turn - 1, time.perf_counter() - began, None, last, exc.message)
        except FrontdeskError as exc:
            error = f"{name}: the chat refused {move!r}: {exc.message}"
            return Played(turn - 1, time.perf_counter() - began, None, last, error)
        replies = [event.reply for event in events if event.reply is not None]
        if not replies:
            error = f"{name}: no reply to {text!r}"
            return Played(turn, time.perf_counter() - began, None, last, error)
        last = replies[-1]
        for reply in replies:
            if stop(reply):
                return Played(turn, time.perf_counter() - began, reply, last)
    return Played(len(moves), time.perf_counter() - began, None, last)


def text_of(move: str, last: Reply | None, name: str) -> str:
    """What the shopper sends for ``move``: the typed text or the clicked option's label."""
    kind, _, value = move.partition(":")
    if kind == "say":
        return value
    if kind != "pick" or last is None:
        raise EvaluationError(f"{name}: bad move {move!r}")
    options = last.options
    if value.isdigit():
        index = int(value) - 1
        if not 0 <= index < len(options):
            raise EvaluationError(f"{name}: no option {value} in {last.text[:120]!r}")
        return options[index].label
    for option in options:
        if option.label.startswith(value):
            return option.label
    labels = [o.label for o in options]
    raise EvaluationError(f"{name}: no option {value!r} among {labels}")
