"""Turn the agents' verdicts into training data and knowledge-base suggestions.

For each piece of feedback the shopper's message it is about is found in the
conversation's events: the feedback's ``event_seq`` names a bot reply (whose
``reply_to`` is the shopper's message) or the message itself. Then:

- **wrong answer, with the entry that was right**: the message becomes an alternative
  question of that entry (``kb_additions.jsonl``, and the KB with them added,
  ``kb_with_feedback.jsonl``, for ``frontdesk train --kb``). It cannot be a
  ``faq:``-labelled row for ``frontdesk train --intents``: that prefix is reserved,
  because the FAQ's labels are answer groups made from the KB at training time
  (entries with near-identical answers share one label), so the KB is where an FAQ
  example belongs. Where the right entry stands for an account intent
  (``track_order`` …) the message is also an intent example, ``training_pairs.csv``
  (``text,label``), which ``--intents`` takes.
- **wrong answer, with a new answer**: a knowledge-base suggestion (the shopper's
  message as the question, the agent's answer), in ``kb_suggestions.jsonl``, beside
  the entries that were answered wrongly and how often.
- **escalated needlessly**: the message that set the trigger off, labelled ``other``;
  **should have escalated sooner**: the named message, else the shopper's message
  before the one that set it off, labelled ``escalate`` (``escalation_examples.csv``,
  the format of the detector's shipped examples).

Feedback whose message cannot be found is counted as skipped, with the reason.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from frontdesk.core.conversation import Event, EventKind, Mode, ReplyKind, Source
from frontdesk.core.escalation.asking import ESCALATE, OTHER
from frontdesk.core.escalation.model import Case, Feedback, Verdict
from frontdesk.core.escalation.report import iso_utc
from frontdesk.core.knowledge.model import KnowledgeBase
from frontdesk.core.nlu.text import normalise

TRAINING_PAIRS = "training_pairs.csv"
KB_ADDITIONS = "kb_additions.jsonl"
KB_WITH_FEEDBACK = "kb_with_feedback.jsonl"
ESCALATION_EXAMPLES = "escalation_examples.csv"
KB_SUGGESTIONS = "kb_suggestions.jsonl"
# Shopper messages kept per wrongly answered entry, as examples for the KB's author.
EXAMPLE_MESSAGES = 5
_ANSWER_KINDS = frozenset({ReplyKind.ANSWER, ReplyKind.CLARIFY})

CaseOf = Callable[[str], Case | None]
EventsOf = Callable[[str], Sequence[Event]]


@dataclass(frozen=True, slots=True)
class Labelled:
    """A shopper's message and what it should have been: an entry id, an intent, or
    ``escalate``/``other``."""

    text: str
    label: str
    case_id: str


@dataclass(frozen=True, slots=True)
class NewAnswer:
    question: str  # the shopper's message
    answer: str  # what the agent wrote
    case_id: str
    answered_with: tuple[str, ...]  # the entries the assistant answered from
    agent_id: str
    at: float


@dataclass(frozen=True, slots=True)
class WrongEntry:
    entry_id: str
    count: int
    messages: tuple[str, ...]  # some of the messages it was the wrong answer to
    right_entries: dict[str, int]  # what the agents said was right instead


@dataclass(frozen=True, slots=True)
class Skipped:
    case_id: str
    verdict: str
    reason: str


@dataclass(frozen=True, slots=True)
class FeedbackExport:
    read: int  # pieces of feedback looked at
    alt_questions: tuple[Labelled, ...]  # label: the right entry's id
    intent_pairs: tuple[Labelled, ...]  # label: the right entry's account intent
    escalation_examples: tuple[Labelled, ...]  # label: escalate | other
    new_answers: tuple[NewAnswer, ...]
    wrong_entries: tuple[WrongEntry, ...]
    skipped: tuple[Skipped, ...]


@dataclass(frozen=True, slots=True)
class _About:
    """The shopper's message a piece of feedback is about, and the bot's reply to it."""

    message: Event | None
    reply: Event | None


class _Collector:
    def __init__(self, kb: KnowledgeBase | None) -> None:
        self.kb = kb
        self.alt: list[Labelled] = []
        self.intents: list[Labelled] = []
        self.escalation: list[Labelled] = []
        self.new_answers: list[NewAnswer] = []
        self.wrong: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
        self.skipped: list[Skipped] = []

    def skip(self, item: Feedback, reason: str) -> None:
        self.skipped.append(Skipped(item.case_id, item.verdict.value, reason))

    def wrong_answer(self, item: Feedback, about: _About) -> None:
        if about.message is None:
            self.skip(item, "no message named, and not one answer to choose")
            return
        text = about.message.text
        answered = _sources(about.reply)
        if answered:
            self.wrong[answered[0]].append((text, item.right_entry_id))
        if item.right_entry_id:
            self.alt.append(Labelled(text, item.right_entry_id, item.case_id))
            intent = self._intent_of(item.right_entry_id)
            if intent:
                self.intents.append(Labelled(text, intent, item.case_id))
        if item.new_answer.strip():
            self.new_answers.append(
                NewAnswer(
                    text, item.new_answer.strip(), item.case_id, answered, item.agent_id, item.at
                )
            )
        if not item.right_entry_id and not item.new_answer.strip():
            self.skip(item, "wrong answer without the right entry or a new answer")

    def _intent_of(self, entry_id: str) -> str:
        if self.kb is None or entry_id not in self.kb:
            return ""
        return self.kb.get(entry_id).intent

    def escalation_example(self, item: Feedback, message: Event | None, label: str) -> None:
        if message is None:
            self.skip(item, "the message that set the trigger off is not in the conversation")
            return
        self.escalation.append(Labelled(message.text, label, item.case_id))

    def result(self, read: int) -> FeedbackExport:
        return FeedbackExport(
            read=read,
            alt_questions=_unique(self.alt),
            intent_pairs=_unique(self.intents),
            escalation_examples=_unique(self.escalation),
            new_answers=tuple(self.new_answers),
            wrong_entries=_wrong_entries(self.wrong),
            skipped=tuple(self.skipped),
        )


def collect(
    feedback: Iterable[Feedback],
    case_of: CaseOf,
    events_of: EventsOf,
    kb: KnowledgeBase | None = None,
) -> FeedbackExport:
    """What the feedback teaches; ``events_of`` is called once per conversation."""
    cached: dict[str, Sequence[Event]] = {}
    collector = _Collector(kb)
    read = 0
    for item in feedback:
        read += 1
        case = case_of(item.case_id)
        if case is None:
            collector.skip(item, "its case is gone")
            continue
        if item.conversation_id not in cached:
            cached[item.conversation_id] = events_of(item.conversation_id)
        _one(collector, item, case, cached[item.conversation_id])
    return collector.result(read)


def _one(collector: _Collector, item: Feedback, case: Case, events: Sequence[Event]) -> None:
    if item.verdict is Verdict.WRONG:
        collector.wrong_answer(item, _wrong_about(events, item, case))
    elif item.verdict is Verdict.NEEDLESS:
        message = _named(events, item.event_seq).message or trigger_message(events, case)
        collector.escalation_example(item, message, OTHER)
    elif item.verdict is Verdict.LATE:
        named = _named(events, item.event_seq).message
        message = named or _before(events, trigger_message(events, case))
        collector.escalation_example(item, message, ESCALATE)


# -- finding the message ---------------------------------------------------------------


def _by_seq(events: Sequence[Event], seq: int | None) -> Event | None:
    if seq is None:
        return None
    return next((e for e in events if e.seq == seq), None)


def _named(events: Sequence[Event], seq: int | None) -> _About:
    """The message an ``event_seq`` names: a bot reply's ``reply_to``, or itself."""
    event = _by_seq(events, seq)
    if event is None:
        return _About(None, None)
    if event.source is Source.CUSTOMER:
        reply = next((e for e in events if e.reply_to == event.seq and e.reply), None)
        return _About(event, reply)
    message = _by_seq(events, event.reply_to)
    if message is None or message.source is not Source.CUSTOMER:
        return _About(None, event)
    return _About(message, event)


def _wrong_about(events: Sequence[Event], item: Feedback, case: Case) -> _About:
    """The named reply; without one, the assistant's only answer before the case (with
    several, which one was wrong is anyone's guess, so none)."""
    if item.event_seq is not None:
        return _named(events, item.event_seq)
    answers = [
        e
        for e in events
        if e.source is Source.BOT
        and e.reply is not None
        and e.reply.kind in _ANSWER_KINDS
        and e.at <= case.created_at
    ]
    return _named(events, answers[0].seq) if len(answers) == 1 else _About(None, None)


def trigger_message(events: Sequence[Event], case: Case) -> Event | None:
    """The shopper's message that set the case off: the one the hand-over (the mode
    change to "queued" made with the case) replied to."""
    queued = [
        e
        for e in events
        if e.kind is EventKind.MODE and e.mode is Mode.QUEUED and e.reply_to is not None
    ]
    if not queued:
        return None
    handover = min(queued, key=lambda e: abs(e.at - case.created_at))
    message = _by_seq(events, handover.reply_to)
    return message if message is not None and message.source is Source.CUSTOMER else None


def _before(events: Sequence[Event], message: Event | None) -> Event | None:
    """The shopper's message before ``message``."""
    if message is None:
        return None
    earlier = [
        e
        for e in events
        if e.source is Source.CUSTOMER and e.kind is EventKind.MESSAGE and e.seq < message.seq
    ]
    return earlier[-1] if earlier else None


def _sources(reply: Event | None) -> tuple[str, ...]:
    if reply is None or reply.reply is None:
        return ()
    return reply.reply.source_ids


# -- tidying -----------------------------------------------------------------------------


def _key(text: str) -> str:
    return normalise(text).casefold()


def _unique(items: Sequence[Labelled]) -> tuple[Labelled, ...]:
    seen: set[tuple[str, str]] = set()
    kept: list[Labelled] = []
    for item in items:
        key = (_key(item.text), item.label)
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return tuple(kept)


def _wrong_entries(found: dict[str, list[tuple[str, str | None]]]) -> tuple[WrongEntry, ...]:
    entries = [
        WrongEntry(
            entry_id,
            len(pairs),
            tuple(dict.fromkeys(text for text, _ in pairs))[:EXAMPLE_MESSAGES],
            dict(Counter(right for _, right in pairs if right)),
        )
        for entry_id, pairs in found.items()
    ]
    return tuple(sorted(entries, key=lambda w: (-w.count, w.entry_id)))


# -- the files ----------------------------------------------------------------------------


def training_pairs_csv(export: FeedbackExport) -> str:
    """``text,label`` rows that ``frontdesk train --intents`` reads."""
    return _text_label_csv(export.intent_pairs)


def escalation_examples_csv(export: FeedbackExport) -> str:
    """``text,label`` rows (escalate | other), as src/frontdesk/data/escalation_examples.csv."""
    return _text_label_csv(export.escalation_examples)


def _text_label_csv(items: Iterable[Labelled]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["text", "label"])
    writer.writerows([normalise(item.text), item.label] for item in items)
    return out.getvalue()


def kb_additions_jsonl(export: FeedbackExport, kb: KnowledgeBase | None) -> str:
    """One line per entry: its id (and question, when the KB is known) and the
    shopper messages to add as its alternative questions."""
    by_entry: dict[str, list[Labelled]] = defaultdict(list)
    for item in export.alt_questions:
        by_entry[item.label].append(item)
    lines = []
    for entry_id, items in by_entry.items():
        record: dict[str, object] = {"id": entry_id}
        if kb is not None and entry_id in kb:
            record["question"] = kb.get(entry_id).question
        record["alt_questions"] = [normalise(i.text) for i in items]
        record["cases"] = sorted({i.case_id for i in items})
        lines.append(json.dumps(record, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)


def kb_suggestions_jsonl(export: FeedbackExport, kb: KnowledgeBase | None) -> str:
    """New answers the agents wrote, then the entries that were answered wrongly."""
    lines = [_new_answer_record(a) for a in export.new_answers]
    lines += [_wrong_entry_record(w, kb) for w in export.wrong_entries]
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines)


def _new_answer_record(answer: NewAnswer) -> dict[str, object]:
    return {
        "kind": "new_answer",
        "question": normalise(answer.question),
        "answer": answer.answer,
        "answered_with": list(answer.answered_with),
        "case_id": answer.case_id,
        "agent_id": answer.agent_id,
        "at": iso_utc(answer.at),
    }


def _wrong_entry_record(wrong: WrongEntry, kb: KnowledgeBase | None) -> dict[str, object]:
    record: dict[str, object] = {"kind": "wrong_entry", "entry_id": wrong.entry_id}
    if kb is not None and wrong.entry_id in kb:
        record["question"] = kb.get(wrong.entry_id).question
    record["wrong_count"] = wrong.count
    record["messages"] = [normalise(m) for m in wrong.messages]
    record["right_entries"] = wrong.right_entries
    return record


@dataclass(frozen=True, slots=True)
class Merged:
    kb: KnowledgeBase
    added: int  # alternative questions added
    unknown: tuple[str, ...]  # right entries the KB does not have


def merged_kb(kb: KnowledgeBase, export: FeedbackExport) -> Merged:
    """``kb`` with the shopper messages added as alternative questions of the right
    entries; a message the entry already has (in any case or spacing) is not added."""
    extra: dict[str, list[str]] = defaultdict(list)
    unknown: list[str] = []
    for item in export.alt_questions:
        if item.label in kb:
            extra[item.label].append(normalise(item.text))
        elif item.label not in unknown:
            unknown.append(item.label)
    entries = []
    added = 0
    for entry in kb:
        known = {_key(q) for q in (entry.question, *entry.alt_questions)}
        new = [q for q in dict.fromkeys(extra.get(entry.id, ())) if _key(q) not in known]
        added += len(new)
        entries.append(replace(entry, alt_questions=(*entry.alt_questions, *new)))
    return Merged(KnowledgeBase.of(entries, kb.source), added, tuple(unknown))
