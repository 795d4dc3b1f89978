"""Evaluation sets: JSONL files of shopper messages with the FAQ entries that answer them.

One JSON object per line::

    {"kind": "faq" | "oos" | "smalltalk", "text": "...", "accept": [ids]}
    {"kind": "dialogue", "turns": [{"text": "...", "accept": [ids]}, ...]}

Every problem is reported as an EvaluationError naming the file, the line and what is
wrong, so a person fixing a hand-written set can go straight to it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from frontdesk.errors import EvaluationError


class ItemKind(StrEnum):
    FAQ = "faq"  # the knowledge base answers it; any id in accept is right
    OOS = "oos"  # out of scope: the right reply is to say so, not to guess
    SMALLTALK = "smalltalk"  # greetings, thanks, gibberish: reply politely, no FAQ answer
    DIALOGUE = "dialogue"  # turns that only make sense together, in one conversation


SINGLE_KINDS = frozenset({ItemKind.FAQ, ItemKind.OOS, ItemKind.SMALLTALK})


@dataclass(frozen=True, slots=True)
class EvalTurn:
    text: str
    # KB entry ids are strings; sets write them as ints, so they are normalised here once.
    accept: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EvalItem:
    """One line of a set. A single message is an item with exactly one turn."""

    kind: ItemKind
    turns: tuple[EvalTurn, ...]
    line: int  # 1-based line in the source file, for error messages and reports

    @property
    def text(self) -> str:
        return self.turns[0].text

    @property
    def accept(self) -> tuple[str, ...]:
        return self.turns[0].accept


def load_eval_set(path: Path | str) -> list[EvalItem]:
    """Read and validate a JSONL evaluation set; blank lines are skipped."""
    path = Path(path)
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise EvaluationError(f"Evaluation set {path} {what}; pass a .jsonl file.")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"Cannot read evaluation set {path}: {exc}") from exc

    items = [
        _parse_line(path, number, raw) for number, raw in enumerate(lines, start=1) if raw.strip()
    ]
    if not items:
        raise EvaluationError(f"Evaluation set {path} has no items.")
    return items


Problem = Callable[[str], EvaluationError]


def line_problem(path: Path, number: int) -> Problem:
    """Errors that name the file and line, for every JSONL file the harness reads."""
    return lambda message: EvaluationError(f"{path}, line {number}: {message}")


def json_object(raw: str, problem: Problem) -> dict[str, object]:
    """One JSONL line that must hold a JSON object."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise problem(f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise problem(f"expected a JSON object, got {type(data).__name__}")
    return data


def _parse_line(path: Path, number: int, raw: str) -> EvalItem:
    problem = line_problem(path, number)
    data = json_object(raw, problem)

    known = ", ".join(k.value for k in ItemKind)
    if "kind" not in data:
        raise problem(f"missing 'kind'; expected one of {known}")
    raw_kind = data["kind"]
    # isinstance first: an unhashable kind (a list) must not blow up the lookup.
    if not isinstance(raw_kind, str) or raw_kind not in {k.value for k in ItemKind}:
        raise problem(f"unknown kind {raw_kind!r}; expected one of {known}")
    kind = ItemKind(raw_kind)

    if kind is ItemKind.DIALOGUE:
        turns_data = data.get("turns")
        if not isinstance(turns_data, list) or not turns_data:
            raise problem("a dialogue needs 'turns', a non-empty list of {text, accept}")
        turns = []
        for index, turn in enumerate(turns_data):
            if not isinstance(turn, dict):
                raise problem(f"turn {index} is not a JSON object")
            turns.append(_parse_turn(turn, _in_turn(problem, index)))
        return EvalItem(kind, tuple(turns), number)

    turn = _parse_turn(data, problem)
    # A faq line with nothing accepted can never be answered correctly: a typo, not data.
    if kind is ItemKind.FAQ and not turn.accept:
        raise problem("a faq item needs at least one id in 'accept'")
    return EvalItem(kind, (turn,), number)


def _in_turn(
    problem: Callable[[str], EvaluationError], index: int
) -> Callable[[str], EvaluationError]:
    return lambda message: problem(f"turn {index}: {message}")


def _parse_turn(data: dict[str, object], problem: Callable[[str], EvaluationError]) -> EvalTurn:
    if "text" not in data:
        raise problem("missing 'text'")
    text = data["text"]
    if not isinstance(text, str):
        raise problem(f"'text' must be a string, got {type(text).__name__}")

    if "accept" not in data:
        raise problem("missing 'accept' (use [] when nothing should be answered)")
    accept = data["accept"]
    if not isinstance(accept, list):
        raise problem(f"'accept' must be a list of entry ids, got {type(accept).__name__}")
    ids: list[str] = []
    for value in accept:
        # bool is an int subclass; `true` in accept is a mistake, not entry 1.
        if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
            raise problem(f"'accept' holds {value!r}; entry ids are integers or strings")
        ids.append(str(value))
    return EvalTurn(text, tuple(ids))
