"""The knowledge-base entries agents most often said the assistant answered wrongly
with: the entries to fix first.

An agent's "wrong answer" verdict names the bot reply it is about (its event seq)
when the agent picked one; otherwise it is about the last answer the assistant gave
before the hand-over. The entry is that reply's first source id.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from frontdesk.core.conversation import Event, ReplyKind, Source
from frontdesk.core.escalation.model import Case, Feedback, Verdict

TOP = 10


@dataclass(frozen=True, slots=True)
class WrongEntry:
    entry_id: str
    question: str | None  # None: no longer in the knowledge base
    count: int
    # What agents said was right instead: other entries (by how often), new answers.
    right_entries: tuple[str, ...]
    new_answers: int

    def as_dict(self) -> dict[str, object]:
        return {
            "entry_id": self.entry_id,
            "question": self.question,
            "count": self.count,
            "right_entries": list(self.right_entries),
            "new_answers": self.new_answers,
        }


def wrong_entries(
    feedback: Sequence[Feedback],
    cases: Sequence[Case],
    events_of: Mapping[str, Sequence[Event]],
    entry_question: Callable[[str], str | None],
    top: int = TOP,
) -> tuple[WrongEntry, ...]:
    opened_at = {c.id: c.created_at for c in cases}
    counted: Counter[str] = Counter()
    right: dict[str, Counter[str]] = defaultdict(Counter)
    new_answers: Counter[str] = Counter()
    for item in feedback:
        if item.verdict is not Verdict.WRONG:
            continue
        events = events_of.get(item.conversation_id, ())
        entry = _answered_entry(events, item.event_seq, opened_at.get(item.case_id))
        if entry is None:
            continue
        counted[entry] += 1
        if item.right_entry_id:
            right[entry][item.right_entry_id] += 1
        if item.new_answer.strip():
            new_answers[entry] += 1
    ranked = sorted(counted, key=lambda e: (-counted[e], e))[:top]
    return tuple(
        WrongEntry(
            entry,
            entry_question(entry),
            counted[entry],
            tuple(e for e, _ in right[entry].most_common()),
            new_answers[entry],
        )
        for entry in ranked
    )


def _answered_entry(
    events: Sequence[Event], seq: int | None, handed_over_at: float | None
) -> str | None:
    answers = [
        e
        for e in events
        if e.source is Source.BOT
        and e.reply is not None
        and e.reply.kind is ReplyKind.ANSWER
        and e.reply.source_ids
    ]
    if seq is not None:
        chosen = next((e for e in answers if e.seq == seq), None)
    else:
        before = [e for e in answers if handed_over_at is None or e.at <= handed_over_at]
        chosen = before[-1] if before else None
    return None if chosen is None or chosen.reply is None else chosen.reply.source_ids[0]
