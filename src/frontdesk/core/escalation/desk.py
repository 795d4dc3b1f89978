"""The escalation step of a turn (DESIGN.md, step 3): should this message go to a
person, and if so, hand it over with the case's topic and a summary for the agent."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from frontdesk.core.conversation import Customer, Event, Reply, Source
from frontdesk.core.escalation.asking import MODEL as MODEL_DETAIL
from frontdesk.core.escalation.handover import Handed, Handover
from frontdesk.core.escalation.model import Trigger, TriggerKind
from frontdesk.core.escalation.summary import CaseSummary, summarise
from frontdesk.core.escalation.triggers import EscalationTriggers
from frontdesk.core.ports import SentimentScorer

# What the shopper wanted, for reports: ("faq:12", "How long do refunds take?") or
# ("intent:complaint", "complaint"); ("none", "…") when nothing matched.
TopicOf = Callable[[str], tuple[str, str]]


class EscalationDesk:
    def __init__(
        self,
        handover: Handover,
        triggers: EscalationTriggers,
        topic_of: TopicOf,
        sentiment: SentimentScorer | None = None,
        entry_title: Callable[[str], str | None] | None = None,
        names_task: Callable[[str], bool] | None = None,
    ) -> None:
        self.handover = handover
        self.triggers = triggers
        self.topic_of = topic_of
        self.sentiment = sentiment
        # An FAQ entry's question from its id, so summaries name what was answered.
        self.entry_title = entry_title
        # Whether a message asks for something the assistant does itself (book an
        # appointment, cancel an order).
        self.names_task = names_task

    def summarise(
        self, events: Sequence[Event], trigger: Trigger, customer: Customer | None
    ) -> CaseSummary:
        return summarise(
            events, trigger, _name(customer), self.sentiment, entry_title=self.entry_title
        )

    def before_reply(self, history: Sequence[Event], text: str) -> Trigger | None:
        trigger = self.triggers.before_reply(history, text)
        if trigger is not None and self._task_first(trigger, text):
            return None
        return trigger

    def _task_first(self, trigger: Trigger, text: str) -> bool:
        """ "Can I book a video call with an advisor?" reads like asking for a
        person to the example model, but it names something the assistant does
        itself (book it): only a clear phrase takes such a message to a person."""
        return (
            trigger.kind is TriggerKind.ASKED
            and trigger.detail == MODEL_DETAIL
            and self.names_task is not None
            and self.names_task(text)
        )

    def after_reply(self, history: Sequence[Event], text: str, reply: Reply) -> Trigger | None:
        return self.triggers.after_reply(history, text, reply)

    def escalate(
        self,
        conversation_id: str,
        trigger: Trigger,
        events: Sequence[Event],
        customer: Customer | None,
        message_seq: int,
    ) -> Handed | None:
        """``events`` ends with the message that triggered it. None: another worker
        queued the conversation a moment ago."""
        summary = self.summarise(events, trigger, customer)
        return self.handover.hand_over(
            conversation_id,
            trigger,
            queue=self.triggers.queue_for(trigger),
            topic=self.topic_of(_request(events, trigger)),
            customer_id=None if customer is None else customer.id,
            message_seq=message_seq,
            summary=summary.text,
        )


def _name(customer: Customer | None) -> str | None:
    return None if customer is None else customer.name


def _request(events: Sequence[Event], trigger: Trigger) -> str:
    """The message that says what the shopper wants: "agent please" says who, not
    what, so an explicit ask is filed under the question before it."""
    said = [e.text for e in events if e.source is Source.CUSTOMER]
    if trigger.kind is TriggerKind.ASKED and len(said) > 1:
        return said[-2]
    return said[-1] if said else ""
