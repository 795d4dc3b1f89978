"""Handing a conversation to a person and back: the case, the mode, the events.

Every change of hands is a mode change plus events in the same conversation
(DESIGN.md habit 4): the shopper sees "Sam joined the chat" where it happened, and
the console, the evaluation and the reports read the same log.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from frontdesk.core.booking.service import zone_or_none
from frontdesk.core.conversation import (
    Event,
    EventKind,
    Mode,
    Reply,
    ReplyKind,
    Source,
    reply_id,
)
from frontdesk.core.escalation.model import (
    Agent,
    Case,
    CaseStatus,
    Handled,
    SupportHours,
    Trigger,
    TriggerKind,
    WaitEstimate,
)
from frontdesk.core.escalation.wait import RECENT_CASES, estimate_wait
from frontdesk.core.ports import AgentStore, CaseStore, ConversationStore, Notice, Notifier
from frontdesk.errors import CaseNotFoundError, CaseStateError, InputError

log = logging.getLogger("frontdesk.escalation")

# A console that sent a heartbeat this recently counts as an agent online.
ONLINE_WINDOW_S = 90.0
# Recent handling times the wait estimate learns from.
HANDLED_WINDOW_S = 7 * 24 * 3600.0
MAX_AGENT_MESSAGE = 4000
MAX_NOTE = 1000
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

_OPENING = {
    TriggerKind.ASKED: "Of course. I'm passing you to a member of our team.",
    TriggerKind.FRUSTRATED: (
        "I'm sorry this has been frustrating. I'm passing you to a member of our team "
        "who can sort it out."
    ),
    TriggerKind.FAILING: (
        "I'm sorry I couldn't help with that. I'm passing you to a member of our team."
    ),
    TriggerKind.SENSITIVE: (
        "That's something a member of our team should look at with you, so I'm passing you to them."
    ),
}
KEEP_TYPING = "You can keep typing here: they will see the whole conversation."


def mode_event_id(message_seq: int) -> str:
    """The client id of the mode change a message caused: a resend finds it."""
    return f"mode/{message_seq}"


@dataclass(frozen=True, slots=True)
class Handed:
    """What a handover added: the case and the events, in order."""

    case: Case
    events: tuple[Event, ...]
    wait: WaitEstimate


class Handover:
    def __init__(
        self,
        store: ConversationStore,
        cases: CaseStore,
        agents: AgentStore,
        hours: SupportHours,
        *,
        notifiers: Sequence[Notifier] = (),
        console_url: str = "/console",
        clock: Callable[[], float],
    ) -> None:
        self.store = store
        self.cases = cases
        self.agents = agents
        self.hours = hours
        self.notifiers = tuple(notifiers)
        self.console_url = console_url
        self._clock = clock
        # Notifications leave the turn at once, each notifier on its own thread: a
        # hanging webhook holds neither a reply nor the email.
        self._outboxes = tuple(
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"notify-{n.name}")
            for n in self.notifiers
        )
        self._pending: set[Future[None]] = set()

    # -- to a person -------------------------------------------------------------------

    def hand_over(
        self,
        conversation_id: str,
        trigger: Trigger,
        *,
        queue: str,
        topic: tuple[str, str],
        customer_id: str | None,
        message_seq: int,
        summary: str,
    ) -> Handed | None:
        """Queue the conversation for a person and tell the shopper where they stand;
        None when another worker queued it a moment ago (that one told the shopper)."""
        now = self._clock()
        new_id = f"esc_{uuid.uuid4().hex[:16]}"
        case = self.cases.open(
            Case(
                id=new_id,
                conversation_id=conversation_id,
                queue=queue,
                trigger=trigger,
                topic=topic[0],
                topic_label=topic[1],
                status=CaseStatus.QUEUED,
                created_at=now,
                customer_id=customer_id,
            )
        )
        if case.id != new_id:
            return None
        self.store.set_mode(conversation_id, Mode.QUEUED)
        wait = self.wait_for(case)
        text = f"{_OPENING[trigger.kind]} {wait.text} {KEEP_TYPING}"
        mode = Event(
            Source.SYSTEM,
            f"Waiting for a member of our team ({trigger.reason}).",
            now,
            kind=EventKind.MODE,
            mode=Mode.QUEUED,
            client_message_id=mode_event_id(message_seq),
            reply_to=message_seq,
        )
        reply = Reply(ReplyKind.HANDOVER, text, notes=(f"trigger:{trigger.kind.value}",))
        said = Event(
            Source.BOT,
            text,
            now,
            reply=reply,
            client_message_id=reply_id(message_seq),
            reply_to=message_seq,
        )
        events = tuple(self.store.append(conversation_id, e).event for e in (mode, said))
        self._notify(Notice(case, summary, f"{self.console_url}#case={case.id}"))
        return Handed(case, events, wait)

    def wait_for(self, case: Case) -> WaitEstimate:
        """One case's estimate. Its place is counted by the store, so a handover costs
        the same with five shoppers waiting or five hundred."""
        # Place 1 when claimed or finished meanwhile: a person is with them, or was.
        place = self.cases.place(case.id) or 1
        return self._line(case.queue).estimate(place, case.conversation_id)

    def waits(self, queue: str) -> list[tuple[Case, WaitEstimate]]:
        """Every queued case of ``queue`` with its current estimate (to update them
        live), from one read of the queue, the agents online and recent handling."""
        line = self._line(queue)
        queued = [c for c in self.cases.waiting((queue,)) if c.status is CaseStatus.QUEUED]
        return [
            (case, line.estimate(place, case.conversation_id))
            for place, case in enumerate(queued, start=1)
        ]

    def _line(self, queue: str) -> _Line:
        now = self._clock()
        online = [a for a in self.agents.online(now - ONLINE_WINDOW_S) if a.sees(queue)]
        handled = self.cases.handled(now - HANDLED_WINDOW_S, queue, latest=RECENT_CASES)
        return _Line(self, now, len(online), handled)

    def left_email(self, conversation_id: str, text: str, message_seq: int) -> Event | None:
        """While waiting, an email address in the shopper's message is where the team
        answers if the shopper has gone by then: acknowledged, once per message."""
        match = _EMAIL.search(text)
        case = self.cases.current(conversation_id)
        if match is None or case is None or case.status is not CaseStatus.QUEUED:
            return None
        email = match.group(0)
        event = Event(
            Source.SYSTEM,
            f"Thanks. If you have to go, we will answer by email at {email}.",
            self._clock(),
            client_message_id=f"email/{message_seq}",
            reply_to=message_seq,
        )
        return self.store.append(conversation_id, event).event

    def _notify(self, notice: Notice) -> None:
        for notifier, outbox in zip(self.notifiers, self._outboxes, strict=True):
            sent = outbox.submit(_safely, notifier, notice)
            self._pending.add(sent)
            sent.add_done_callback(self._pending.discard)

    # -- the agent's side -----------------------------------------------------------------

    def case_for(self, agent: Agent, case_id: str) -> Case:
        """The case, if it is in one of the agent's queues; otherwise not found (an
        agent learns nothing about other queues, not even that a case exists)."""
        case = self.cases.get(case_id)
        if case is None or not agent.sees(case.queue):
            raise CaseNotFoundError(f"No case {case_id} in your queues.")
        return case

    def claim(self, agent: Agent, case_id: str) -> tuple[Case, Event | None]:
        case = self.case_for(agent, case_id)
        if case.status is CaseStatus.CLAIMED and case.agent_id == agent.id:
            return case, None  # a second click, or a second tab
        now = self._clock()
        claimed = self.cases.claim(case.id, agent.id, now)
        if claimed.claimed_at != now:
            return claimed, None  # their other tab claimed it a moment before
        self.store.set_mode(case.conversation_id, Mode.AGENT)
        event = self._mode_event(
            case.conversation_id, Mode.AGENT, f"{agent.name} joined the chat.", agent
        )
        return claimed, event

    def say(self, agent: Agent, case_id: str, text: str, client_message_id: str | None) -> Event:
        case = self._held(agent, case_id)
        text = text.strip()
        if not text:
            raise InputError("The message is empty: type something to send.")
        if len(text) > MAX_AGENT_MESSAGE:
            raise InputError(
                f"That message is {len(text)} characters; the limit is {MAX_AGENT_MESSAGE}."
            )
        event = Event(
            Source.AGENT,
            text,
            self._clock(),
            client_message_id=client_message_id,
            author=agent.name,
        )
        return self.store.append(case.conversation_id, event).event

    def hand_back(self, agent: Agent, case_id: str, note: str) -> tuple[Case, Event]:
        """Back to the assistant; ``note`` (what was done) is shown to the shopper and
        read by the assistant with the next message."""
        case = self._held(agent, case_id)
        note = note.strip()[:MAX_NOTE]
        done = self.cases.finish(
            case.id, CaseStatus.RETURNED.value, self._clock(), note, by=agent.id
        )
        self.store.set_mode(case.conversation_id, Mode.BOT)
        text = f"{agent.name} handed the chat back to the assistant."
        if note:
            text = f"{text} {note}"
        return done, self._mode_event(case.conversation_id, Mode.BOT, text, agent)

    def close(self, agent: Agent, case_id: str) -> tuple[Case, Event]:
        """Closed: the shopper is asked to rate the conversation."""
        case = self.case_for(agent, case_id)
        done = self.cases.finish(case.id, CaseStatus.CLOSED.value, self._clock(), by=agent.id)
        self.store.set_mode(case.conversation_id, Mode.CLOSED)
        text = f"{agent.name} closed the chat. How did we do?"
        return done, self._mode_event(case.conversation_id, Mode.CLOSED, text, agent)

    def _held(self, agent: Agent, case_id: str) -> Case:
        case = self.case_for(agent, case_id)
        if case.status is not CaseStatus.CLAIMED:
            raise CaseStateError(f"Claim {case_id} first: it is {case.status.value}.")
        if case.agent_id != agent.id:
            raise CaseStateError(f"{case_id} is another agent's conversation.")
        return case

    def _mode_event(self, conversation_id: str, mode: Mode, text: str, agent: Agent) -> Event:
        event = Event(
            Source.SYSTEM, text, self._clock(), kind=EventKind.MODE, mode=mode, author=agent.name
        )
        return self.store.append(conversation_id, event).event

    def close_outbox(self) -> None:
        unsent = sum(1 for sent in list(self._pending) if not sent.done())
        if unsent:
            log.warning("stopping with %d agent notification(s) not yet sent", unsent)
        for outbox in self._outboxes:
            outbox.shutdown(wait=False, cancel_futures=True)


class _Line:
    """One queue as read now: what an estimate rests on (agents online, recent handling)."""

    def __init__(
        self, handover: Handover, now: float, online: int, handled: Sequence[Handled]
    ) -> None:
        self.handover = handover
        self.now = now
        self.online = online
        self.handled = handled

    def estimate(self, place: int, conversation_id: str) -> WaitEstimate:
        info = self.handover.store.get(conversation_id)
        viewer = None if info is None else zone_or_none(info.timezone)
        return estimate_wait(
            place, self.online, self.handled, self.now, self.handover.hours, viewer=viewer
        )


def _safely(notifier: Notifier, notice: Notice) -> None:
    try:
        notifier.notify(notice)
    except Exception:  # a notifier must never take the worker down with it
        log.exception("notifier %s failed", notifier.name)


def just_handed_back(events: Sequence[Event]) -> bool:
    """An agent handed the conversation back and the assistant has not spoken since."""
    for event in reversed(events):
        if event.source is Source.BOT:
            return False
        if event.kind is EventKind.MODE and event.mode is Mode.BOT and event.author:
            return True
    return False
