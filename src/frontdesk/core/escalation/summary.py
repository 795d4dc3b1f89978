"""What an agent reads before taking a conversation, and what they might say first.

Both are built from the conversation itself, with no language model: the shopper's
own messages say what they want (and what went wrong, in their words), the bot's
replies say what it answered, the trigger says why it came to a person. Nothing is
added that the conversation does not say: an introduction that names a fact the
shopper never gave would put words in the agent's mouth.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from frontdesk.core.conversation import (
    Event,
    EventKind,
    LedgerEntry,
    Mode,
    Reply,
    ReplyKind,
    Source,
)
from frontdesk.core.escalation.model import Trigger, TriggerKind
from frontdesk.core.nlu.entities import is_no, is_yes, order_numbers
from frontdesk.core.nlu.smalltalk import detect_smalltalk
from frontdesk.core.nlu.text import content_words, normalise
from frontdesk.core.ports import SentimentScorer

# VADER's own cut-offs for its compound score.
POSITIVE_FROM = 0.05
NEGATIVE_TO = -0.05
# The summary's list of answers stays short: the agent has the full history beside it.
MAX_ANSWERS = 5
MAX_QUOTE = 160  # characters of a shopper's message quoted in the summary
MAX_INTRO_QUOTE = 100  # … and in the introduction
MAX_SENTENCE = 120  # characters of a bot reply's first sentence

# Words that ask for a person rather than say what the shopper wants: "agent please"
# and "can I talk to a real human now" carry no request of their own.
_ASKING_FOR_A_PERSON = frozenset(
    """human humans person people agent agents someone somebody anyone anybody
    representative rep operator staff real live actual talk speak chat connect
    transfer manager supervisor team member support bot robot asap""".split()
)

# Label of a FAQ entry id for the summary ("orders-track" → "How do I track my order?").
EntryTitle = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class Problem:
    """What went wrong (or what the shopper wants done), in two shapes so the
    introduction reads naturally with or without an order number:
    ``after_order`` follows "order #1043" (", which arrived damaged"),
    ``alone`` stands as a clause ("your lamp arrived damaged")."""

    after_order: str
    alone: str
    sorry: bool  # something went wrong: the agent apologises for it


@dataclass(frozen=True, slots=True)
class CaseSummary:
    who: str  # "Dana Whitfield", or "A visitor"
    wants: str  # one line: what the shopper wants, from their messages
    request: str  # their first message that asks for something ("" when none did)
    trigger_message: str  # the message that escalated
    orders: tuple[str, ...]  # order numbers they mentioned, without "#"
    topics: tuple[str, ...]  # the FAQ entries the assistant answered from
    problem: Problem | None  # what went wrong, in their words
    answered: tuple[str, ...]  # "answer: Refunds take 5 working days.", "abstain: did not know"
    sentiment: str  # negative, neutral, positive; "unknown" when nothing scored it
    sentiment_score: float | None  # -1 … 1 over the shopper's messages
    why: str  # the trigger's reason and evidence
    records: tuple[LedgerEntry, ...]  # customer data the assistant read or changed
    text: str  # all of it, a few lines for the console and the notification

    def as_dict(self) -> dict[str, object]:
        score = self.sentiment_score
        return {
            "who": self.who,
            "wants": self.wants,
            "request": self.request,
            "trigger_message": self.trigger_message,
            "orders": list(self.orders),
            "topics": list(self.topics),
            "problem": None if self.problem is None else self.problem.alone,
            "answered": list(self.answered),
            "sentiment": {
                "label": self.sentiment,
                "score": None if score is None else round(score, 4),
            },
            "why": self.why,
            "records": [entry.as_dict() for entry in self.records],
            "text": self.text,
        }


def summarise(
    events: Sequence[Event],
    trigger: Trigger,
    customer_name: str | None,
    sentiment: SentimentScorer | None,
    *,
    entry_title: EntryTitle | None = None,
) -> CaseSummary:
    """The case as an agent reads it, from the conversation's events: up to the message
    that escalated, or the whole conversation later on (the console), where what the
    shopper typed while waiting adds orders and mood but the message that escalated is
    the last one before the latest move to the queue. ``entry_title`` names FAQ
    entries; their ids are shown without it."""
    said = _said(events)
    before = _said(events[: _queued_at(events)])
    replies = [e.reply for e in events if e.source is Source.BOT and e.reply is not None]
    request = next((text for text in said if _is_request(text)), "")
    last = before[-1] if before else (said[-1] if said else "")
    orders = tuple(dict.fromkeys(n for text in said for n in order_numbers(text)))
    topics = _topics(replies, entry_title)
    label, score = _sentiment(said, trigger, sentiment)
    summary = CaseSummary(
        who=_clean(customer_name) or "A visitor",
        wants=_wants(request, last, orders, topics),
        request=request,
        trigger_message=last,
        orders=orders,
        topics=topics,
        problem=_problem([request, *said] if request else said),
        answered=_answered(replies),
        sentiment=label,
        sentiment_score=score,
        why=_why(trigger),
        records=_records(replies),
        text="",
    )
    return replace(summary, text=_text(summary))


def _said(events: Sequence[Event]) -> list[str]:
    return [normalise(e.text) for e in events if e.source is Source.CUSTOMER and e.text.strip()]


def _queued_at(events: Sequence[Event]) -> int:
    """The index of the latest move to the queue (the handover now waiting or taken);
    the length of ``events`` when there is none yet."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.kind is EventKind.MODE and event.mode is Mode.QUEUED:
            return index
    return len(events)


def _text(summary: CaseSummary) -> str:
    answered = "; ".join(summary.answered) if summary.answered else "nothing yet"
    score = summary.sentiment_score
    lines = [
        f"{summary.who} wants: {summary.wants}",
        f"Assistant answered: {answered}",
        f"Sentiment: {summary.sentiment}" + ("" if score is None else f" ({score:+.2f})"),
        f"Escalated: {summary.why}",
    ]
    if summary.records:
        lines.append(f"Customer data: {_records_text(summary.records)}")
    return "\n".join(lines)


# -- what the shopper wants -----------------------------------------------------------------


def _is_request(text: str) -> bool:
    """A message that asks for something: not a greeting or a thanks, not a yes, a no
    or a picked option, not only "can I talk to a person"."""
    if is_yes(text) or is_no(text) or detect_smalltalk(text) is not None:
        return False
    return any(w not in _ASKING_FOR_A_PERSON for w in content_words(text))


def _wants(request: str, last: str, orders: tuple[str, ...], topics: tuple[str, ...]) -> str:
    parts = [_quote(request or last, MAX_QUOTE)] if request or last else ["not said yet"]
    if request and last and last != request:
        parts.append(f"then: {_quote(last, MAX_QUOTE)}")
    if orders:
        parts.append(f"order{'s' if len(orders) > 1 else ''} {_and(['#' + n for n in orders])}")
    if topics:
        parts.append(f"FAQ answered: {', '.join(topics)}")
    return "; ".join(parts)


def _topics(replies: Sequence[Reply], entry_title: EntryTitle | None) -> tuple[str, ...]:
    """The entries the shopper got an answer from (a clarify's options were only
    offered, so they do not count)."""
    ids = dict.fromkeys(
        r.source_ids[0] for r in replies if r.kind is not ReplyKind.CLARIFY and r.source_ids
    )
    titles = ((entry_title(i) if entry_title else None) or i for i in ids)
    return tuple(dict.fromkeys(titles))


# -- what went wrong, in the shopper's words ---------------------------------------------

_BROKEN = r"damaged|broken|cracked|smashed|shattered|dented|scratched|torn|ripped|crushed|bent"
_ARRIVAL = r"arrived|came|turned up|was delivered|got here|showed up"
# "my lamp", "the glass shade": what they say arrived broken (lazily, up to 3 words),
# with their determiner: "my lamp" is "your lamp" to the agent, "the legs" stay "the legs".
_THING = r"(?P<det>my|the) (?P<thing>(?:[a-z]+ ){0,2}?[a-z]+)"
_DAMAGED = re.compile(
    rf"(?:{_THING}\b[^.!?]{{0,30}}?\s)?(?P<arrival>{_ARRIVAL})"
    rf"(?: with (?P<some>a |an |some )?(?P<with>{_BROKEN}) (?P<part>[a-z]+)|"
    rf"(?: [a-z]+){{0,3}}? (?P<word>{_BROKEN}))\b"
)
_NEGATED = re.compile(r"\b(?:not|no|never|nothing|none|without)\b|n't\b")
_DAMAGED_STATE = re.compile(
    rf"{_THING} (?P<verb>is|are|was|were|has been|have been) (?P<word>{_BROKEN})\b"
)
_FAULTY = re.compile(
    rf"(?:{_THING} )?(?:is |are )?(?:not working|doesn't work|does not work|stopped working|"
    r"won't (?:turn on|switch on|work|charge)|faulty|defective)\b"
)
_WRONG = re.compile(r"\b(?:wrong|incorrect) (item|size|colou?r|product|model|order|one|parcel)\b")
_MISSING = re.compile(
    r"\bmissing (?:a |an |the |some |one )?(part|parts|piece|pieces|item|items|screws|bits)\b|"
    r"\b(part|parts|piece|pieces|item|items|screws|bits) (?:is|are|was|were) missing\b"
)
_NOT_ARRIVED = re.compile(
    r"\b(?:hasn't|has not|haven't|have not|never|didn't|did not|still not|not yet|"
    r"still hasn't|still haven't) (?:arrived|come|turned up|been delivered|got (?:it|here)|"
    r"received (?:it|my order|the order|my parcel|the parcel))\b"
)
_CHARGED_TWICE = re.compile(
    r"\b(?:charged|billed|paid|taken)(?: me)? (?:twice|two times|double)\b|\bdouble[- ]charged\b"
)
_REFUND = re.compile(
    r"\b(?:no|not|never|still|haven't|hasn't|waiting)\b[a-z' ]{0,30}\brefund\b|"
    r"\bwhere(?:'s| is) my refund\b"
)
_LATE = re.compile(r"\b(?:is|it's|running|arrived|very|so) (?:late|delayed|overdue)\b")
_CANCEL = re.compile(
    r"\bcancel (?:my |the |an |a |this |that )?"
    r"(order|subscription|plan|membership|booking|appointment)\b"
)
_RETURN = re.compile(
    r"\b(?:return|send back) "
    r"(?:(?:it|them)\b|(?P<det>my|the|this|these) (?P<thing>(?:[a-z]+ )?[a-z]+))"
)
_GENERIC_THINGS = frozenset(
    {"order", "orders", "parcel", "package", "delivery", "stuff", "item", "items", "it", "thing"}
)


def _problem(messages: Sequence[str]) -> Problem | None:
    """The first thing that went wrong that the shopper names, checking their first
    request before the rest; else what they want done (cancel, return)."""
    for text in messages:
        found = _went_wrong(text.lower())
        if found is not None:
            return found
    for text in messages:
        found = _wanted_done(text.lower())
        if found is not None:
            return found
    return None


def _went_wrong(text: str) -> Problem | None:
    for find in (_damaged, _faulty, _wrong, _missing, _other_trouble):
        found = find(text)
        if found is not None:
            return found
    return None


def _damaged(text: str) -> Problem | None:
    arrived = _DAMAGED.search(text)
    if arrived is not None and _NEGATED.search(text, arrived.start("arrival"), arrived.end()):
        arrived = None  # "it arrived fine, not damaged": no damage to apologise for
    if arrived is not None:
        yours = _your(arrived["det"], arrived["thing"])
        if arrived["with"]:  # "arrived with a torn cushion"
            how = f"with {arrived['some'] or ''}{arrived['with']} {arrived['part']}"
        else:
            how = arrived["word"]
        return Problem(f", which arrived {how}", f"{yours} arrived {how}", True)
    state = _DAMAGED_STATE.search(text)
    if state is None:
        return None
    yours, verb, word = _your(state["det"], state["thing"]), state["verb"], state["word"]
    if yours == "your order":
        return Problem(f", which is {word}", f"your order is {word}", True)
    thing = state["thing"]
    plural = verb.startswith(("are", "were", "have"))
    has = f"{word} {thing}" if plural else f"{_article(word)} {word} {thing}"
    return Problem(f", which has {has}", f"{yours} {verb} {word}", True)


def _faulty(text: str) -> Problem | None:
    faulty = _FAULTY.search(text)
    if faulty is None:
        return None
    yours = _your(faulty["det"], faulty["thing"])
    return Problem(", which isn't working properly", f"{yours} isn't working properly", True)


def _wrong(text: str) -> Problem | None:
    wrong = _WRONG.search(text)
    if wrong is None:
        return None
    what = wrong.group(1)
    return Problem(f", which came with the wrong {what}", f"you received the wrong {what}", True)


def _missing(text: str) -> Problem | None:
    missing = _MISSING.search(text)
    if missing is None:
        return None
    what = missing.group(1) or missing.group(2)
    some = what if what.endswith("s") else f"{_article(what)} {what}"
    return Problem(
        f", which arrived with {some} missing", f"your order arrived with {some} missing", True
    )


def _other_trouble(text: str) -> Problem | None:
    if _NOT_ARRIVED.search(text):
        return Problem(", which hasn't arrived yet", "your order hasn't arrived yet", True)
    if _CHARGED_TWICE.search(text):
        return Problem(", which you were charged twice for", "you were charged twice", True)
    if _REFUND.search(text):
        return Problem(
            " and the refund you're waiting for", "you're still waiting for a refund", True
        )
    if _LATE.search(text):
        return Problem(", which is running late", "your order is running late", True)
    return None


def _wanted_done(text: str) -> Problem | None:
    cancel = _CANCEL.search(text)
    if cancel is not None:
        what = cancel.group(1)
        it = "it" if what == "order" else f"your {what}"
        after = f"{'' if what == 'order' else ','} and that you'd like to cancel {it}"
        return Problem(after, f"you'd like to cancel your {what}", False)
    back = _RETURN.search(text)
    if back is None:
        return None
    if back["thing"] is None:  # "return it"
        return Problem(" and that you'd like to return it", "you'd like to make a return", False)
    yours = _your(back["det"], back["thing"])
    return Problem(" and that you'd like to return it", f"you'd like to return {yours}", False)


def _your(det: str | None, thing: str | None) -> str:
    """ "your lamp" from "my lamp", "the legs" from "the legs"; "your order" when they
    named nothing in particular."""
    if not thing or thing.split()[-1] in _GENERIC_THINGS or len(thing) > 30:
        return "your order"
    return f"{'your' if det == 'my' else 'the'} {thing}"


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


# -- what the assistant answered ----------------------------------------------------------

_SKIPPED_KINDS = frozenset({ReplyKind.HANDOVER, ReplyKind.PROMPT, ReplyKind.SMALLTALK})
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")


def _answered(replies: Sequence[Reply]) -> tuple[str, ...]:
    """One line per reply that tried to help, the latest MAX_ANSWERS of them."""
    lines = [_answer_line(r) for r in replies if r.kind not in _SKIPPED_KINDS]
    if len(lines) <= MAX_ANSWERS:
        return tuple(lines)
    earlier = len(lines) - MAX_ANSWERS
    return (f"{earlier} earlier repl{'y' if earlier == 1 else 'ies'}", *lines[-MAX_ANSWERS:])


def _answer_line(reply: Reply) -> str:
    if reply.kind is ReplyKind.ABSTAIN:
        return "abstain: did not know"
    if reply.kind is ReplyKind.CLARIFY and reply.options:
        return f"clarify: offered {', '.join(_quote(o.label, 60) for o in reply.options)}"
    return f"{reply.kind.value}: {first_sentence(reply.text)}"


def first_sentence(text: str, limit: int = MAX_SENTENCE) -> str:
    text = normalise(text)
    return _clip(_SENTENCE_END.split(text, maxsplit=1)[0], limit)


# -- mood, reason, records ------------------------------------------------------------------


def _sentiment(
    said: Sequence[str], trigger: Trigger, scorer: SentimentScorer | None
) -> tuple[str, float | None]:
    """The shopper's mood over their messages, the later ones weighing more: how they
    feel now matters more to the agent than how they opened."""
    moods = [text for text in said if _carries_mood(text)]
    if scorer is None or not moods:
        if trigger.kind is TriggerKind.FRUSTRATED:
            return "negative", None
        return ("neutral", 0.0) if not moods else ("unknown", None)
    weights = range(1, len(moods) + 1)
    score = sum(w * scorer.compound(t) for w, t in zip(weights, moods, strict=True)) / sum(weights)
    score = max(-1.0, min(1.0, score))
    if score >= POSITIVE_FROM:
        return "positive", score
    if score <= NEGATIVE_TO:
        return "negative", score
    return "neutral", score


def _carries_mood(text: str) -> bool:
    """Not a yes, a no or a bare "I'd like to talk to a person please": VADER reads
    "please" and "like" as warmth, and a polite ask for a person would cover up the
    broken lamp before it."""
    if is_yes(text) or is_no(text):
        return False
    if detect_smalltalk(text) is not None:
        return True
    return any(w not in _ASKING_FOR_A_PERSON for w in content_words(text))


def _why(trigger: Trigger) -> str:
    why = trigger.reason.strip() or trigger.kind.value.replace("_", " ")
    if trigger.detail and trigger.detail not in why:
        why += f" ({trigger.detail})"
    evidence = [normalise(e) for e in trigger.evidence if e.strip()]
    if evidence:
        why += " — " + "; ".join(_quote(e, 80) for e in evidence[:4])
    return why


def _records(replies: Sequence[Reply]) -> tuple[LedgerEntry, ...]:
    """Each record once per action and CRM, with every field any reply touched."""
    merged: dict[tuple[str, str, str], list[str]] = {}
    for reply in replies:
        for entry in reply.ledger:
            fields = merged.setdefault((entry.action, entry.record, entry.crm), [])
            fields.extend(f for f in entry.fields if f not in fields)
    return tuple(LedgerEntry(a, r, tuple(f), c) for (a, r, c), f in merged.items())


def _records_text(records: Sequence[LedgerEntry]) -> str:
    return "; ".join(
        f"{e.action} {e.record}" + (f" ({', '.join(e.fields)})" if e.fields else "")
        for e in records
    )


# -- the agent's first message ---------------------------------------------------------------


def introduction(
    summary: CaseSummary,
    customer_first_name: str | None,
    agent_name: str,
    orders_mentioned: Sequence[str] | None = None,
) -> str:
    """A first message the agent can send or edit: who they are, that they have read
    the conversation (naming the order and what went wrong, where the shopper said),
    and that they will help. ``orders_mentioned``: order numbers to name (the
    summary's when None)."""
    name = _first_name(customer_first_name)
    agent = _clean(agent_name)
    hello = f"Hi {name}," if name else "Hi,"
    me = f"I'm {agent} from the support team." if agent else "this is the support team."
    given = summary.orders if orders_mentioned is None else orders_mentioned
    orders = [o for o in dict.fromkeys(o.strip().lstrip("#").strip() for o in given) if o]
    middle = _what_i_see(summary, orders)
    return _tidy(f"{hello} {me} {middle}")


def _what_i_see(summary: CaseSummary, orders: Sequence[str]) -> str:
    problem = summary.problem
    numbers = _and([f"#{o}" for o in orders])
    if orders and problem is not None:
        if len(orders) == 1:
            seen = f"I can see you're asking about order {numbers}{problem.after_order}"
        else:
            seen = f"I can see you're asking about orders {numbers}, and that {problem.alone}"
        return _with_sorry(seen, problem, summary)
    if problem is not None:
        return _with_sorry(f"I can see {problem.alone}", problem, summary)
    sorry = _sorry_sentence(summary)
    if orders:
        noun = "order" if len(orders) == 1 else "orders"
        return f"I can see you're asking about {noun} {numbers}.{sorry} Let me take a look."
    if summary.request:
        asked = _clip(summary.request, MAX_INTRO_QUOTE)
        stop = "" if asked.endswith(("?", "!", ".")) else "."  # not “…?”.
        seen = f"I've read the conversation so far: you asked “{asked}”{stop}"
        return f"{seen}{sorry} Let me help with that."
    return f"I've read the conversation so far.{sorry} How can I help?"


def _with_sorry(seen: str, problem: Problem, summary: CaseSummary) -> str:
    if problem.sorry:
        return f"{seen} — I'm sorry about that. Let me sort it out."
    return f"{seen}.{_sorry_sentence(summary)} Let me help with that."


def _sorry_sentence(summary: CaseSummary) -> str:
    """An apology for the conversation itself, when it went badly."""
    if summary.answered and summary.answered[-1] == "abstain: did not know":
        return " Sorry our assistant couldn't answer that."
    if summary.sentiment == "negative":
        return " I'm sorry for the trouble."
    return ""


def _first_name(name: str | None) -> str:
    cleaned = _clean(name)
    first = cleaned.split(" ")[0].strip(",.;:!?") if cleaned else ""
    return first[:1].upper() + first[1:] if first.islower() else first


# -- text helpers ---------------------------------------------------------------------------

_PLACEHOLDERS = frozenset({"none", "null", "undefined", "nan", "n/a", "-"})


def _clean(value: str | None) -> str:
    """A name as given, or "" for nothing, whitespace or a stringified None."""
    text = normalise(value or "")
    return "" if text.casefold() in _PLACEHOLDERS else text


def _quote(text: str, limit: int) -> str:
    return f"“{_clip(text, limit)}”"


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-–— ")
    return f"{cut}…"


def _and(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"\s+([,.;:!?])", r"\1", text)
