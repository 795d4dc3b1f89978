"""Scripted conversations: JSONL files of shoppers who book an appointment or should
(or should not) be handed to a person, played through the real chat service.

One JSON object per line::

    {"name": "...", "kind": "booking", "customer": "cus_1001" | null,
     "moves": ["say:...", "pick:1", "pick:Book it"],
     "expect": {"booked": true, "max_turns": 3}}
    {"name": "...", "kind": "escalation", "customer": null,
     "moves": ["say:..."], "expect": {"escalated": true, "trigger": "frustrated"}}
    {"name": "...", "kind": "escalation", "moves": ["say:..."], "expect": {"escalated": false}}

A move is ``say:TEXT`` (the shopper types TEXT), ``pick:N`` (clicks the N-th quick
reply of the last reply, 1-based) or ``pick:LABEL`` (clicks the option whose label
starts with LABEL). ``customer`` is a customer id of the demo shop's CRM: the shop
vouched for the shopper (signed in); null or missing is an anonymous visitor. An
optional ``note`` is for people and ignored. Every problem is an EvaluationError
naming the file, the line and what is wrong, as for evaluation sets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from frontdesk.core.escalation.model import TriggerKind
from frontdesk.errors import EvaluationError
from frontdesk.evaluation.datasets import json_object, line_problem

# The scripts `frontdesk eval --report` plays when no --conversations is given.
SHIPPED_CONVERSATIONS = (
    Path(__file__).resolve().parents[1] / "demo" / "data" / "eval_conversations.jsonl"
)
NO_CONVERSATIONS = "none"  # `--conversations none`: skip the scripts

MOVE_KINDS = ("say", "pick")


class ScriptKind(StrEnum):
    BOOKING = "booking"  # books an appointment; measured: turns and seconds to the confirmation
    ESCALATION = "escalation"  # should (or should not) end with a person taking over


_KEYS = frozenset({"name", "kind", "customer", "moves", "expect", "note"})
_EXPECT_KEYS = {
    ScriptKind.BOOKING: frozenset({"booked", "max_turns"}),
    ScriptKind.ESCALATION: frozenset({"escalated", "trigger"}),
}
_EXAMPLE = {
    ScriptKind.BOOKING: '{"booked": true, "max_turns": 3}',
    ScriptKind.ESCALATION: '{"escalated": true, "trigger": "frustrated"} or {"escalated": false}',
}


@dataclass(frozen=True, slots=True)
class ConversationScript:
    name: str
    kind: ScriptKind
    customer: str | None  # a demo CRM customer id: a signed-in shopper; None: anonymous
    moves: tuple[str, ...]
    line: int  # 1-based line in the source file
    # booking: the most customer turns the confirmation may take (None: no limit)
    max_turns: int | None = None
    # escalation: should a person take over, and (optionally) for which trigger
    escalated: bool = False
    trigger: TriggerKind | None = None


def load_conversation_scripts(path: Path | str) -> list[ConversationScript]:
    """Read and validate a scripts file; blank lines are skipped, names must be unique."""
    path = Path(path)
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise EvaluationError(
            f"Conversation scripts {path} {what}; pass a .jsonl file "
            f"(or `--conversations {NO_CONVERSATIONS}` to skip them)."
        )
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"Cannot read conversation scripts {path}: {exc}") from exc

    scripts: list[ConversationScript] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        script = _parse_line(path, number, raw)
        if script.name in seen:
            raise EvaluationError(
                f"{path}, line {number}: the name {script.name!r} is already used on line "
                f"{seen[script.name]}; names must be unique"
            )
        seen[script.name] = number
        scripts.append(script)
    if not scripts:
        raise EvaluationError(f"Conversation scripts {path} has no scripts.")
    return scripts


def _parse_line(path: Path, number: int, raw: str) -> ConversationScript:
    problem = line_problem(path, number)
    data = json_object(raw, problem)
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise problem(f"unknown key(s) {', '.join(unknown)}; expected {', '.join(sorted(_KEYS))}")

    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise problem("'name' must be a non-empty string")
    known = ", ".join(k.value for k in ScriptKind)
    if "kind" not in data:
        raise problem(f"missing 'kind'; expected one of {known}")
    raw_kind = data["kind"]
    if not isinstance(raw_kind, str) or raw_kind not in {k.value for k in ScriptKind}:
        raise problem(f"unknown kind {raw_kind!r}; expected one of {known}")
    kind = ScriptKind(raw_kind)
    customer = data.get("customer")
    if customer is not None and (not isinstance(customer, str) or not customer.strip()):
        raise problem("'customer' must be a customer id such as \"cus_1001\", or null")
    moves = _parse_moves(data.get("moves"), problem)
    expect = data.get("expect")
    if not isinstance(expect, dict):
        raise problem("'expect' must be an object, e.g. " + _EXAMPLE[kind])
    extra = sorted(set(expect) - _EXPECT_KEYS[kind])
    if extra:
        allowed = ", ".join(sorted(_EXPECT_KEYS[kind]))
        raise problem(
            f"'expect' of a {kind} script has unknown key(s) {', '.join(extra)}; expected {allowed}"
        )
    script = ConversationScript(name.strip(), kind, customer, moves, number)
    if kind is ScriptKind.BOOKING:
        return _booking(script, expect, problem)
    return _escalation(script, expect, problem)


def _parse_moves(moves: object, problem: Callable[[str], EvaluationError]) -> tuple[str, ...]:
    if not isinstance(moves, list) or not moves:
        raise problem('\'moves\' must be a non-empty list such as ["say:hello", "pick:1"]')
    for index, move in enumerate(moves):
        if not isinstance(move, str):
            raise problem(f"move {index} is not a string")
        kind, colon, value = move.partition(":")
        if not colon or kind not in MOVE_KINDS or not value.strip():
            raise problem(f"move {index} {move!r} is not say:TEXT, pick:N or pick:LABEL")
        if index == 0 and kind == "pick":
            raise problem("the first move must be say:TEXT; there is nothing to pick from yet")
        if kind == "pick" and value.isdigit() and int(value) < 1:
            raise problem(f"move {index} {move!r}: options are numbered from 1")
    return tuple(moves)


def _booking(
    script: ConversationScript,
    expect: dict[str, object],
    problem: Callable[[str], EvaluationError],
) -> ConversationScript:
    if expect.get("booked") is not True:
        raise problem('a booking script expects {"booked": true}')
    max_turns = expect.get("max_turns")
    if max_turns is not None and (
        isinstance(max_turns, bool) or not isinstance(max_turns, int) or max_turns < 1
    ):
        raise problem(f"'max_turns' must be a whole number of turns >= 1, got {max_turns!r}")
    return replace(script, max_turns=max_turns)


def _escalation(
    script: ConversationScript,
    expect: dict[str, object],
    problem: Callable[[str], EvaluationError],
) -> ConversationScript:
    escalated = expect.get("escalated")
    if not isinstance(escalated, bool):
        raise problem("an escalation script expects " + _EXAMPLE[ScriptKind.ESCALATION])
    raw_trigger = expect.get("trigger")
    trigger = None
    if raw_trigger is not None:
        triggers = ", ".join(k.value for k in TriggerKind)
        if not escalated:
            raise problem("'trigger' only goes with \"escalated\": true")
        if not isinstance(raw_trigger, str) or raw_trigger not in {k.value for k in TriggerKind}:
            raise problem(f"unknown trigger {raw_trigger!r}; expected one of {triggers}")
        trigger = TriggerKind(raw_trigger)
    return replace(script, escalated=escalated, trigger=trigger)
