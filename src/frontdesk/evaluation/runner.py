"""Run an evaluation set through an assistant and record one prediction per turn."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from frontdesk.core.conversation import Conversation, LlmUsage, Reply
from frontdesk.errors import EvaluationError, FrontdeskError
from frontdesk.evaluation.datasets import EvalItem, ItemKind

# The keys of one predictions-file line, in the order they are written.
RECORD_KEYS = ("item", "turn", "kind", "source_ids", "confidence", "latency_ms")


class AssistantLike(Protocol):
    """The two methods of core.engine.Assistant the harness needs (fakes satisfy it too)."""

    def new_conversation(self) -> Conversation: ...

    def respond(self, conversation: Conversation, text: str) -> Reply: ...


@dataclass(frozen=True, slots=True)
class Prediction:
    """What the assistant did on one turn, plus what the set expected, for metrics."""

    item: int  # 0-based index of the item in the set
    turn: int  # 0-based turn within the item; 0 for single messages
    kind: str  # the reply kind (answer, clarify, abstain, smalltalk, prompt)
    # For answer: the entry used; for clarify: the entries offered as options.
    source_ids: tuple[str, ...]
    confidence: float
    latency_ms: float
    item_kind: ItemKind
    text: str
    accept: tuple[str, ...]
    llm: LlmUsage | None = None  # the language-model call behind the reply: tokens, cost

    def as_record(self) -> dict[str, object]:
        """The documented predictions-file line: only these six keys, in this order."""
        return {
            "item": self.item,
            "turn": self.turn,
            "kind": self.kind,
            "source_ids": list(self.source_ids),
            "confidence": round(self.confidence, 4),
            "latency_ms": round(self.latency_ms, 3),
        }


@dataclass(frozen=True, slots=True)
class EvalRun:
    predictions: tuple[Prediction, ...]
    items: int
    warmup_calls: int
    wall_s: float  # whole run, warm-up excluded


# Called after each item with (items done, items total), e.g. to drive a progress bar.
ProgressCallback = Callable[[int, int], None]


def run_eval(
    assistant: AssistantLike,
    items: Sequence[EvalItem],
    *,
    warmup: int = 5,
    on_progress: ProgressCallback | None = None,
) -> EvalRun:
    """Single messages each get a fresh conversation; a dialogue's turns share one."""
    if warmup < 0:
        raise ValueError("warmup must be >= 0")
    warmup_calls = _warm_up(assistant, items, warmup)

    predictions: list[Prediction] = []
    started = time.perf_counter()
    for index, item in enumerate(items):
        conversation = assistant.new_conversation()
        for turn_index, turn in enumerate(item.turns):
            reply, latency_ms = _timed_respond(assistant, conversation, turn.text, item, index)
            predictions.append(
                Prediction(
                    item=index,
                    turn=turn_index,
                    kind=str(reply.kind),
                    source_ids=tuple(reply.source_ids),
                    confidence=float(reply.confidence),
                    latency_ms=latency_ms,
                    item_kind=item.kind,
                    text=turn.text,
                    accept=turn.accept,
                    llm=reply.llm,
                )
            )
        if on_progress is not None:
            on_progress(index + 1, len(items))
    return EvalRun(tuple(predictions), len(items), warmup_calls, time.perf_counter() - started)


def _warm_up(assistant: AssistantLike, items: Sequence[EvalItem], calls: int) -> int:
    # The first calls pay for lazy model loading, caches and JIT paths; recording them
    # would put a one-off cost into p95/max that no shopper after the first one sees.
    if not items:
        return 0
    done = 0
    for index, item in itertools.islice(itertools.cycle(enumerate(items)), calls):
        _timed_respond(assistant, assistant.new_conversation(), item.text, item, index)
        done += 1
    return done


def _timed_respond(
    assistant: AssistantLike, conversation: Conversation, text: str, item: EvalItem, index: int
) -> tuple[Reply, float]:
    started = time.perf_counter()
    try:
        reply = assistant.respond(conversation, text)
    except FrontdeskError as exc:
        # Name the set line so the failing message can be found; programming errors
        # (anything else) propagate untouched with their traceback.
        raise EvaluationError(
            f"The assistant failed on item {index} (line {item.line}): {exc.message}",
            detail=exc.detail,
        ) from exc
    return reply, (time.perf_counter() - started) * 1000.0
