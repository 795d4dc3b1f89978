"""Flows as data, run by one guarded executor.

A flow is a list of steps. Each step fills some keys of the flow's data: it asks
(text and options) and reads the answer, or fills itself when the data already
says (the shopper named the type in their first message). The executor asks the
first step whose keys are not filled, and when none is left runs the flow's finish.

It also does what every flow needs and no flow should write twice: "never mind"
leaves; an answer to an earlier question ("actually Tuesday") reopens that step; a
message the step does not understand is handed back (None) so the assistant can
answer it and ask the step again; and a step limit ends a flow that goes round in
circles instead of letting it run for ever.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from frontdesk.core.conversation import (
    Conversation,
    FlowState,
    LedgerEntry,
    Link,
    Option,
    Reply,
    ReplyKind,
)

log = logging.getLogger("frontdesk.flows")

# Answers a flow may take before it stops itself: a booking needs about six.
MAX_STEPS = 25
# Steps the executor may pass through in one message (filled-in steps are passed
# without asking); more means two steps keep reopening each other.
MAX_TRANSITIONS = 12
STEPS_KEY = "_steps"
LEAVE = re.compile(
    r"^\s*(?:never\s*mind|nevermind|forget it|stop|quit|exit|cancel(?: that| it| this)?|"
    r"no thanks?|no,? thank you|not now|leave it|i'?ve changed my mind|changed my mind)"
    r"[\s.!]*$",
    re.IGNORECASE,
)
# "actually", "instead", "make it …": the shopper changes an earlier answer.
CORRECTION = re.compile(
    r"\b(?:actually|instead|rather|make it|change (?:it|that)|switch|can we do|how about|"
    r"what about|not \w+,|oh,? )",
    re.IGNORECASE,
)
SHORT_ANSWER_WORDS = 5
QUESTION = re.compile(
    r"\?\s*$|^\s*(?:how|what|why|who|which|where|does|do|is|are|will|would|should)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Ask:
    """What a step says to ask for its value."""

    text: str
    options: tuple[Option, ...] = ()
    links: tuple[Link, ...] = ()
    ledger: tuple[LedgerEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class Filled:
    """The answer fills the step (and possibly others: a typed time names its day)."""

    values: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Retry:
    """The answer was understood but cannot be used as it is: say why (``note``)
    and ask the step again, keeping ``values`` (e.g. the day they asked about)."""

    note: str
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GoBack:
    """Reopen an earlier step: "use another email", or a slot taken meanwhile."""

    step: str
    note: str = ""
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Leave:
    """The shopper said no to the whole thing: end the flow, changing nothing."""


Reading = Filled | Retry | GoBack | Leave


@dataclass
class FlowRun:
    """One flow in one conversation: its data so far, and whom it is for."""

    flow: Flow
    data: dict[str, str]
    conversation: Conversation
    # CRM records the steps read on the way: they go on the reply, for agents.
    ledger: list[LedgerEntry] = field(default_factory=list)

    def get(self, key: str) -> str | None:
        return self.data.get(key) or None


Asker = Callable[[FlowRun], Ask]
Reader = Callable[[FlowRun, str, Option | None], Reading | None]
Auto = Callable[[FlowRun], Mapping[str, str] | None]
Finisher = Callable[[FlowRun], "Reply | GoBack"]


def _never(_: FlowRun) -> Mapping[str, str] | None:
    return None


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    fills: tuple[str, ...]  # the data keys this step sets; filled = all present
    # May consume one-off hints in run.data ("_note", a typed time): the state saved
    # with the question is taken after it asks.
    ask: Asker
    read: Reader  # None: the message is not an answer to this step
    auto: Auto = _never  # values that fill the step without asking, when the data says
    # Keys of later steps that no longer hold once this step's value changes
    # (another appointment type: the chosen time and order are void).
    resets: tuple[str, ...] = ()
    revisable: bool = True  # a later "actually …" may reopen it


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    steps: tuple[Step, ...]
    finish: Finisher
    left_text: str  # said when the shopper leaves the flow
    kind: ReplyKind = ReplyKind.CONFIRM
    max_steps: int = MAX_STEPS

    def __post_init__(self) -> None:
        names = [s.name for s in self.steps]
        if not names:
            raise ValueError(f"flow {self.name!r} has no steps")
        if len(set(names)) != len(names):
            raise ValueError(f"flow {self.name!r} has two steps with one name")
        keys = [k for s in self.steps for k in s.fills]
        if len(set(keys)) != len(keys) or not all(s.fills for s in self.steps):
            raise ValueError(f"flow {self.name!r}: every step fills its own keys")
        if any(k.startswith("_") for k in keys):
            raise ValueError(f"flow {self.name!r}: keys starting with _ are the executor's")
        unknown = {r for s in self.steps for r in s.resets} - set(keys)
        if unknown:
            raise ValueError(f"flow {self.name!r} resets unknown keys {sorted(unknown)}")

    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"flow {self.name!r} has no step {name!r}")


class FlowExecutor:
    def __init__(self, flows: list[Flow]) -> None:
        self.flows = {f.name: f for f in flows}
        if len(self.flows) != len(flows):
            raise ValueError("two flows with one name")

    def owns(self, state: FlowState | None) -> bool:
        return (
            state is not None
            and state.name in self.flows
            and state.step in {s.name for s in self.flows[state.name].steps}
        )

    def start(
        self, name: str, conversation: Conversation, data: Mapping[str, str], intro: str = ""
    ) -> Reply:
        run = FlowRun(self.flows[name], {**data, STEPS_KEY: "0"}, conversation)
        return self._proceed(run, intro)

    def advance(
        self, conversation: Conversation, state: FlowState, text: str, chosen: Option | None
    ) -> Reply | None:
        """The flow's next reply to ``text``, or None when ``text`` answers none of its
        steps (the caller answers it and then asks the step again: ``resume``)."""
        flow = self.flows[state.name]
        run = FlowRun(flow, dict(state.data), conversation)
        steps = int(run.data.get(STEPS_KEY, "0")) + 1
        if steps > flow.max_steps:
            log.warning("flow %s stopped after %d steps", flow.name, flow.max_steps)
            return Reply(
                flow.kind,
                "I'm sorry, we've been going round in circles, so I've stopped here and "
                "nothing was changed. You can start again whenever you like, or ask for "
                "a member of our team.",
                notes=(f"flow:{flow.name}:step_limit",),
            )
        run.data[STEPS_KEY] = str(steps)
        current = flow.step(state.step)
        reading = current.read(run, text, chosen)
        target = current
        if reading is None or _is_correction(text):
            earlier = self._earlier_answer(run, current, text)
            if earlier is not None:
                target, reading = earlier
        if reading is None:
            # Only now: "cancel it" may be the very answer a step asked for.
            return self._left(flow) if chosen is None and LEAVE.match(text) else None
        return self._apply(run, target, reading)

    def resume(self, reply: Reply, conversation: Conversation, state: FlowState) -> Reply:
        """``reply`` (the answer to a question asked mid-flow), then the flow's pending
        question again, so the flow picks up where it was."""
        flow = self.flows[state.name]
        run = FlowRun(flow, dict(state.data), conversation)
        asked = flow.step(state.step).ask(run)
        return replace(
            reply,
            text=f"{reply.text}\n\nBack to where we were: {asked.text}",
            options=asked.options,
            links=asked.links,
            flow=state,
            ledger=(*reply.ledger, *asked.ledger),
        )

    def reask(self, conversation: Conversation, state: FlowState, note: str) -> Reply:
        flow = self.flows[state.name]
        run = FlowRun(flow, dict(state.data), conversation)
        return self._ask(run, flow.step(state.step), note)

    # -- inside ----------------------------------------------------------------------

    def _earlier_answer(
        self, run: FlowRun, current: Step, text: str
    ) -> tuple[Step, Reading] | None:
        """An earlier step that ``text`` answers, latest first: "actually Tuesday"
        after the summary reopens the time, not the appointment type. Only a short
        answer or an explicit correction counts, so a question that mentions a
        type ("how much is an installation?") is not taken as a change."""
        short_answer = len(text.split()) <= SHORT_ANSWER_WORDS and not QUESTION.search(text)
        if not (_is_correction(text) or short_answer):
            return None
        steps = run.flow.steps
        index = steps.index(current)
        for step in reversed(steps[:index]):
            if not step.revisable:
                continue
            reading = step.read(run, text, None)
            if isinstance(reading, (Filled, Retry)):
                return step, reading
        return None

    def _apply(self, run: FlowRun, step: Step, reading: Reading) -> Reply:
        if isinstance(reading, Leave):
            return self._left(run.flow)
        if isinstance(reading, GoBack):
            target = run.flow.step(reading.step)
            self._reopen(run, target)
            run.data.update(reading.values)
            return self._proceed(run, reading.note)
        if isinstance(reading, Retry):
            self._reopen(run, step)
            run.data.update(reading.values)
            return self._ask(run, step, reading.note)
        changed = any(run.data.get(k) != v for k, v in reading.values.items())
        if changed:
            self._reopen(run, step)
        run.data.update(reading.values)
        return self._proceed(run, "")

    @staticmethod
    def _left(flow: Flow) -> Reply:
        return Reply(flow.kind, flow.left_text, notes=(f"flow:{flow.name}:left",))

    def _reopen(self, run: FlowRun, step: Step) -> None:
        """Clear ``step`` and what depends on it, so it (and they) are asked again."""
        for key in (*step.fills, *step.resets):
            run.data.pop(key, None)

    def _proceed(self, run: FlowRun, note: str) -> Reply:
        """Fill what fills itself, then ask the first open step or finish."""
        for _ in range(MAX_TRANSITIONS):
            step = self._first_open(run)
            if step is None:
                outcome = run.flow.finish(run)
                if isinstance(outcome, GoBack):
                    self._reopen(run, run.flow.step(outcome.step))
                    run.data.update(outcome.values)
                    note = outcome.note
                    continue
                return replace(outcome, ledger=(*outcome.ledger, *run.ledger))
            values = step.auto(run)
            if values is None:
                return self._ask(run, step, note)
            run.data.update(values)
            if not all(run.data.get(k) for k in step.fills):
                return self._ask(run, step, note)  # filled only in part: ask the rest
        log.error("flow %s passed %d steps in one message", run.flow.name, MAX_TRANSITIONS)
        return Reply(
            run.flow.kind,
            "Sorry, something went wrong on my side and nothing was changed. Please start "
            "again, or ask for a member of our team.",
            notes=(f"flow:{run.flow.name}:transition_limit",),
        )

    def _first_open(self, run: FlowRun) -> Step | None:
        return next((s for s in run.flow.steps if not all(run.data.get(k) for k in s.fills)), None)

    def _ask(self, run: FlowRun, step: Step, note: str) -> Reply:
        asked = step.ask(run)
        text = f"{note}\n\n{asked.text}" if note else asked.text
        return Reply(
            run.flow.kind,
            text,
            options=asked.options,
            links=asked.links,
            flow=FlowState(run.flow.name, step.name, dict(run.data)),
            ledger=(*asked.ledger, *run.ledger),
        )


def _is_correction(text: str) -> bool:
    return CORRECTION.search(text) is not None
