"""Does this message ask for a person, or bring a complaint that a person should take?

Three readings, the strongest wins:

1. precise phrases for the obvious asks ("agent please", "talk to a real person",
   "put me through to someone", "I want to make a complaint"). They name a person
   after a verb of asking, so look-alikes stay out: "my estate agent needs the
   invoice", "can another person pick up my order", "how do I contact customer
   service" (a request for contact details, not for a person);
2. an embedding classifier over labelled example messages, for the many other
   phrasings ("is anyone actually there?", "I'd rather deal with a human"): the
   message's nearest asking examples against its nearest other examples;
3. optionally a trained intent model, whose contact_human_agent / complaint label
   counts when it is confident.

A bare "yes" or "please" right after the assistant offered a member of the team
(an abstention does) accepts that offer, and counts as asking too.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from frontdesk.core.conversation import Reply, ReplyKind
from frontdesk.core.nlu.intents import IntentDetector
from frontdesk.core.nlu.text import normalise
from frontdesk.core.ports import Embedder, FloatArray
from frontdesk.errors import ConfigError

ESCALATE, OTHER = "escalate", "other"
# Intents of a trained model (the Bitext label set) that mean "a person, please".
HUMAN_INTENTS = frozenset({"contact_human_agent", "complaint"})
SHIPPED_EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "escalation_examples.csv"

# How readings are named in a Trigger's detail.
ACCEPTED_OFFER, PHRASE, COMPLAINT, MODEL, INTENT = (
    "accepted_offer",
    "phrase",
    "complaint",
    "model",
    "intent",
)

# The example reading: the mean cosine of the 3 nearest asking examples against that
# of the 3 nearest other ones, with a floor under the "other" side so that a message
# far from every example scores low instead of being decided by whichever side is a
# little less far. Chosen for the shipped examples on the Bitext train part only
# (bench/escalation_bench.py); the test part was left for the figures.
NEIGHBOURS = 3
OTHER_FLOOR = 0.4
SCALE = 10.0
EVIDENCE_EXAMPLES = 2

Example = tuple[str, bool]  # (message, should escalate)


@dataclass(frozen=True, slots=True)
class Asking:
    """How strongly a message asks for a person (0 … 1), which reading said so and
    what showed it (the phrase, the nearest examples, the intent)."""

    score: float
    detail: str = ""
    evidence: tuple[str, ...] = ()


# -- the phrases ---------------------------------------------------------------------

_ADJ = r"(?:(?:real|live|actual|proper|human|senior|customer\s+service|support)\s+)?"
_DET = r"(?:(?:a|an|the|your|some|one\s+of\s+your|any|somebody\s+from\s+your)\s+)?"
# Who a shopper may ask for by name of role. "agent" is safe here because every
# pattern puts a verb of asking (or nothing at all) right before it.
_ROLE = (
    r"(?:human(?:\s+being)?s?|person|people|agents?|operators?|representatives?|rep|"
    r"advis[eo]rs?|staff(?:\s+member)?|members?\s+of\s+(?:staff|(?:your|the)\s+team)|"
    r"managers?|supervisors?|colleagues?|boss|someone|somebody|some\s+one|sum1|"
    r"anyone|anybody|whoever\s+is\s+in\s+charge)"
)
_PERSON = _DET + _ADJ + _ROLE + r"\b"
# Without the vague "someone": "I need someone to collect my old sofa" asks for a
# service, "I need an agent" for a person.
_STRICT_ROLE = (
    r"(?:human(?:\s+being)?|(?:real|live|actual|proper)\s+(?:person|someone|somebody|agent)|"
    r"agent|operator|representative|advis[eo]r|manager|supervisor|staff\s+member)"
)
_SERVICE_DESK = (
    r"(?:customer\s+(?:services?|support|care)(?:\s+team)?|the\s+support\s+team|"
    r"your\s+(?:support\s+)?team|support\s+staff)"
)
_POLITE = r"(?:\s+(?:please|pls|plz|now|asap|thanks|thank\s+you|today))*"

_ASK_PATTERNS = tuple(
    re.compile(p)
    for p in (
        # "talk to a real person", "chat with someone", "deal with a human"
        r"\b(?:speak|speaking|talk|talking|chat|chatting|communicate|deal)\s+(?:to|with)\s+"
        + _PERSON,
        # "put me through to someone", "pass this on to a colleague", "escalate it to a manager"
        r"\b(?:(?:connect|transfer|put|switch|redirect|route)(?:ing|ed)?\s+(?:me|us|this\s+chat|"
        r"the\s+chat)|(?:pass|hand|escalate)(?:ing|ed)?\s+(?:me|us|this|it|this\s+chat|the\s+chat|"
        r"my\s+(?:case|query|issue|complaint)))\s+(?:(?:on|over|through|back|in\s+touch|"
        r"in\s+contact)\s+)?(?:to|with|onto)\s+(?:" + _PERSON + r"|" + _SERVICE_DESK + r")",
        # "I want a human", "can I get an agent", "give me a real person"
        r"\b(?:i\s+(?:want|need|would\s+like|'d\s+like|demand|require|prefer)|"
        r"(?:can|could|may)\s+i\s+(?:have|get|speak\s+to|talk\s+to)|give\s+me|get\s+me|"
        r"bring\s+in|i'm\s+after)\s+" + _DET + _STRICT_ROLE + r"\b",
        # "how do I contact a person", "get hold of an actual human"
        r"\b(?:contact|reach|get\s+hold\s+of|get\s+in\s+touch\s+with|get\s+through\s+to)\s+"
        + _DET
        + _ADJ
        + r"(?:human|person|agent|operator|representative|advis[eo]r|someone|somebody|"
        r"staff|manager|supervisor)\b",
        # "a real person", "human being", "a live agent", "human help"
        r"\b(?:real|actual|live|proper)\s+(?:human|person|agent|someone|somebody)\b",
        r"\bhuman\s+(?:being|agent|help|support|assistance)\b",
        # "I need help from a human with my order", "help from an actual person"
        r"\b(?:help|assistance|support)\s+from\s+"
        + _DET
        + _ADJ
        + r"(?:human|person|agent|operator|member\s+of\s+staff|staff\s+member)\b",
        # "not a bot", "I don't want to talk to a robot" (but not a captcha's "I'm not a robot")
        r"(?<!i'm\s)(?<!i\sam\s)\b(?:not|no\s+more|enough\s+(?:of|with)(?:\s+the|\s+this)?|"
        r"done\s+with(?:\s+the|\s+this)?|sick\s+of(?:\s+the|\s+this)?|stop\s+the|"
        r"don't\s+want(?:\s+to\s+(?:talk|speak|chat)\s+to)?)\s+(?:a\s+|an\s+|the\s+)?"
        r"(?:bot|robot|chatbot|chat\s*bot|machine|computer|automated\s+\w+)\b",
        # "can someone call me back", "arrange a callback"
        r"\b(?:someone|somebody|a\s+person|an?\s+agent|your\s+team|a\s+member\s+of\s+staff)"
        r"\s+(?:to\s+)?(?:call|ring|phone)\s+me\b",
        r"\b(?:arrange|request|book|get|want|like|need)\s+a\s+call\s*-?\s*back\b",
        # The whole message is the ask: "agent", "a human please", "escalate"
        r"^(?:i\s+(?:want|need)\s+|(?:can|could)\s+i\s+(?:have|get)\s+)?(?:an?\s+|the\s+)?"
        r"(?:(?:real|live|actual|human)\s+)?(?:human(?:\s+being)?|person|agent|operator|"
        r"representative|rep|advis[eo]r|someone|somebody|manager|supervisor|people|staff|"
        r"escalate|live\s+chat)" + _POLITE + r"\s*[.!?]*$",
    )
)
_COMPLAINT_PATTERNS = tuple(
    re.compile(p)
    for p in (
        r"\b(?:make|making|file|filing|lodge|lodging|raise|raising|submit|submitting|"
        r"register|registering|put\s+in|log|logging|open|opening|send|sending|write|"
        r"writing|escalate|escalating|have)\s+(?:a\s+|an\s+|my\s+|the\s+|this\s+)?"
        r"(?:formal\s+|official\s+|consumer\s+|customer\s+)?(?:complaint|grievance)s?\b",
        r"\bi\s+(?:want|would\s+like|'d\s+like|wish|need|am\s+going|'m\s+going|have)\s+to\s+"
        r"complain\b",
        r"\b(?:how|where|who)\s+(?:do|can|should|would|could)\s+i\s+complain\b",
        r"\b(?:writing|want)\s+to\s+complain\b|\bcomplain\s+(?:formally|to\s+a\s+manager)\b",
        r"\bcomplaints?\s+(?:department|procedure|process|form|team)\b",
        # "reclamation" is how many shoppers whose first language is Spanish, French or
        # Portuguese say complaint; a claim "against the company" is one, a warranty
        # claim is not.
        r"\breclamations?\b",
        r"\bclaims?\s+against\s+(?:your|the|this|ur|you)\b",
        r"^(?:a\s+)?(?:formal\s+)?complaint" + _POLITE + r"\s*[.!?]*$",
    )
)

# "are you a real person?" asks about the assistant, which says what it is and offers
# a person (small talk); the shopper's yes to that offer is the ask.
_ABOUT_BOT = re.compile(
    r"^(?:are\s+you|is\s+this|am\s+i\s+(?:talking|speaking|chatting)\s+(?:to|with))\s+"
    r"(?:a\s+|an\s+)?(?:real\s+|actual\s+|live\s+)?(?:human|person|bot|robot|ai|machine)\b"
    r"(?:\s+or\s+(?:a\s+|an\s+)?(?:real\s+)?(?:human|person|bot|robot|ai|machine))?\s*\??$"
)
# A whole message that says yes to an offer.
_YES = re.compile(
    r"^(?:(?:yes|yeah|yep|yup|ya|yea|aye|sure|ok|okay|please|y|definitely|absolutely|"
    r"go\s+ahead|do\s+it|please\s+do|yes\s+please|that\s+would\s+be\s+(?:great|good|nice)|"
    r"i\s+would|i'd\s+like\s+that|i\s+would\s+like\s+that|put\s+me\s+through|connect\s+me|"
    r"that\s+would\s+help|sounds\s+good)[\s,.!]*)+(?:thanks|thank\s+you|please)?[\s.!]*$"
)
# The yeses that ask to be put through even when nothing was offered.
_CONNECT = re.compile(r"\b(?:put\s+me\s+through|connect\s+me)\b")
# Reply wording that offers a person: "… would you like me to put you in touch with a
# member of our team?", "… or I can put you in touch with a member of our team."
_OFFER = re.compile(
    r"(?:would\s+you\s+like|shall\s+i|should\s+i|do\s+you\s+want|i\s+can)\b[^.?!]*"
    r"(?:member\s+of\s+(?:our|the)\s+team|a\s+person|an\s+agent|a\s+colleague|"
    r"put\s+you\s+in\s+touch|pass\s+you|connect\s+you|transfer\s+you)"
)


def phrase_asking(text: str) -> Asking | None:
    """The obvious asks, by phrase; None when no phrase matches."""
    lowered = _lowered(text)
    if _ABOUT_BOT.match(lowered):
        return None
    for pattern in _ASK_PATTERNS:
        match = pattern.search(lowered)
        if match is not None:
            return Asking(1.0, PHRASE, (f'said "{match.group(0).strip()}"',))
    for pattern in _COMPLAINT_PATTERNS:
        match = pattern.search(lowered)
        if match is not None:
            return Asking(1.0, COMPLAINT, (f'said "{match.group(0).strip()}"',))
    return None


def offers_person(reply: Reply | None) -> bool:
    """Whether the assistant's reply offered to put the shopper through to a person."""
    if reply is None:
        return False
    return reply.kind is ReplyKind.ABSTAIN or _OFFER.search(reply.text.lower()) is not None


def accepts_offer(text: str) -> bool:
    """A whole message that says yes: "yes", "yes please", "ok go ahead" …"""
    return _YES.match(_lowered(text)) is not None


# -- the classifier ------------------------------------------------------------------


class HumanRequestDetector:
    """Scores how strongly a message asks for a person, from labelled examples.

    ``embedder`` must be ready to embed (a TF-IDF embedder fitted); the detector never
    refits it, since the same embedder usually serves the knowledge base.
    """

    def __init__(
        self,
        embedder: Embedder,
        examples: Sequence[Example],
        *,
        intents: IntentDetector | None = None,
        vectors: FloatArray | None = None,
        neighbours: int = NEIGHBOURS,
        other_floor: float = OTHER_FLOOR,
        scale: float = SCALE,
    ) -> None:
        """``vectors``: the examples' embeddings from ``embedder``, in order, when a
        cache has them (embedding the shipped examples takes a second or two)."""
        escalate = np.array([wanted for _, wanted in examples], dtype=bool)
        if not escalate.any() or escalate.all():
            raise ValueError("the detector needs examples of both asking and other messages")
        if vectors is None:
            vectors = embedder.embed([text for text, _ in examples])
        if vectors.shape[0] != len(examples):
            raise ValueError(f"{vectors.shape[0]} vectors for {len(examples)} examples")
        self.embedder = embedder
        self.intents = intents
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.neighbours = neighbours
        self.other_floor = other_floor
        self.scale = scale
        self._asking_texts = tuple(text for text, wanted in examples if wanted)
        self._asking = self.vectors[escalate]
        self._other = self.vectors[~escalate]

    @classmethod
    def shipped(
        cls, embedder: Embedder, intents: IntentDetector | None = None
    ) -> HumanRequestDetector:
        """The detector on the examples frontdesk ships with."""
        return cls(embedder, load_examples(SHIPPED_EXAMPLES), intents=intents)

    def assess(
        self, text: str, *, last_bot: Reply | None = None, vector: FloatArray | None = None
    ) -> Asking:
        """``last_bot``: the assistant's previous reply, for a yes to its offer;
        ``vector``: the message's embedding from this detector's embedder, if at hand."""
        if accepts_offer(text):
            said = _lowered(text)
            if offers_person(last_bot):
                return Asking(1.0, ACCEPTED_OFFER, (f'said "{said}" to the offer of a person',))
            if _CONNECT.search(said) is None:
                # A bare yes answers whatever the assistant just asked (shall I book
                # it? cancel order 1059?); the examples must not read it as an ask.
                return Asking(0.0)
        phrase = phrase_asking(text)
        if phrase is not None:
            return phrase
        if vector is None:
            vector = self.embedder.encode(text)[0]
        best = self.model_asking(vector)
        intent = self._intent_asking(text)
        if intent is not None and intent.score > best.score:
            best = intent
        return best

    def model_asking(self, vector: FloatArray) -> Asking:
        """The example-based reading alone: near asking examples, far from others."""
        to_asking = self._asking @ vector
        near_asking = _top_mean(to_asking, self.neighbours)
        near_other = max(_top_mean(self._other @ vector, self.neighbours), self.other_floor)
        score = _sigmoid(self.scale * (near_asking - near_other))
        nearest = np.argsort(-to_asking)[:EVIDENCE_EXAMPLES]
        evidence = tuple(
            f'like "{self._asking_texts[i]}" ({float(to_asking[i]):.2f})' for i in nearest
        )
        return Asking(score, MODEL, evidence)

    def _intent_asking(self, text: str) -> Asking | None:
        if self.intents is None:
            return None
        intent = self.intents.detect(text)
        if intent is None or intent.name not in HUMAN_INTENTS:
            return None
        return Asking(intent.confidence, INTENT, (f"intent {intent.name} {intent.confidence:.2f}",))


def _top_mean(similarities: FloatArray, k: int) -> float:
    k = min(k, len(similarities))
    top = np.partition(similarities, len(similarities) - k)[-k:]
    return float(top.mean())


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))


def _lowered(text: str) -> str:
    return normalise(text).lower()


# -- the examples file ---------------------------------------------------------------


def load_examples(path: Path) -> list[Example]:
    """Labelled messages from a CSV with columns text,label (label escalate or other);
    a bad file is a ConfigError that names the line."""
    where = f"escalation examples file {path}"
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{where} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where} cannot be read as UTF-8 text ({exc}).") from None
    reader = csv.DictReader(io.StringIO(raw))
    if reader.fieldnames is None or {"text", "label"} - set(reader.fieldnames):
        raise ConfigError(f"{where} must start with the header line text,label.")
    examples: list[Example] = []
    for line, row in enumerate(reader, start=2):
        text, label = (row.get("text") or "").strip(), (row.get("label") or "").strip()
        if not text:
            raise ConfigError(f"{where}: line {line} has no text.")
        if label not in (ESCALATE, OTHER):
            raise ConfigError(
                f"{where}: line {line}: label {label!r} must be {ESCALATE!r} or {OTHER!r}."
            )
        examples.append((text, label == ESCALATE))
    return examples
