"""Complex or sensitive matters a bot should not handle alone: chargebacks, fraud,
legal threats, safety incidents and requests to erase personal data.

Each topic is a handful of precise patterns rather than single words, because the
words on their own are everyday shop vocabulary: "fire" is also "Fire TV", "smoke"
also "smoke alarm", "dispute" also a review, "delete" also an old address. A match
names the topic (the trigger's ``detail``) and the words that matched (its evidence).

Choices the tests pin down:
- a product question about safety ("is the kettle safe for kids?") is a FAQ, not an
  incident: only something that happened (burnt, sparked, swallowed …) counts;
- "delete my address" / "remove my card" / "close my account" are self-service
  account changes; "delete my data", "erase my account", "right to be forgotten" are
  erasure requests the shop must handle by law.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from frontdesk.core.nlu.text import normalise

CHARGEBACK, FRAUD, LEGAL, SAFETY, DATA_DELETION = (
    "chargeback",
    "fraud",
    "legal",
    "safety",
    "data_deletion",
)
# Checked in this order: the most urgent topic names the case when several match.
TOPICS = (SAFETY, FRAUD, CHARGEBACK, LEGAL, DATA_DELETION)

REASONS = {
    CHARGEBACK: "mentions a chargeback or a card dispute",
    FRAUD: "reports fraud or a payment they did not make",
    LEGAL: "mentions legal action",
    SAFETY: "reports a safety problem",
    DATA_DELETION: "asks for their personal data to be erased",
}

_CARD = r"(?:credit\s+|debit\s+|bank\s+)?(?:card|account|details)"
_CHILD = r"(?:child|kid|baby|toddler|son|daughter|dog|cat|puppy|grandson|granddaughter)"
_MY_DATA = (
    r"(?:(?:all\s+)?(?:of\s+)?my\s+(?:personal\s+)?(?:data|information|info)"
    r"|my\s+personal\s+details|all\s+(?:of\s+)?my\s+details"
    r"|(?:the\s+)?(?:data|information|everything)\s+(?:you\s+)?(?:hold|have|keep|store)"
    r"\s+(?:on|about)\s+me)"
)

_PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    CHARGEBACK: tuple(
        re.compile(p)
        for p in (
            r"\bcharge[\s-]?backs?\b",
            r"\bdisput(?:e|ed|ing)\s+(?:the|this|that|a|my)\s+"
            r"(?:charge|payment|transaction|purchase)",
            r"\b(?:raise|file|open|start|opened|raised|filed)\s+a\s+(?:dispute|claim)\s+"
            r"(?:with|through)\s+(?:my|the)\s+(?:bank|card|credit\s+card|card\s+issuer|paypal)",
            r"\b(?:ask|asking|asked|get|getting|got|tell|telling|told)\s+(?:my|the)\s+bank\s+to\s+"
            r"(?:reverse|refund|recall|claw\s+back|take\s+back|stop)\b",
            r"\b(?:my|the)\s+bank\s+(?:will|is\s+going\s+to|can)\s+(?:reverse|claw\s+back)\b",
            r"\b(?:reverse|claw\s+back)\s+the\s+(?:charge|payment|transaction)",
            r"\bpaypal\s+(?:dispute|claim)\b",
            r"\bsection\s+75\b",
        )
    ),
    FRAUD: tuple(
        re.compile(p)
        for p in (
            r"\bfraud(?:ulent|ulently|ster|sters)?\b(?!\s+(?:protection|prevention|check))",
            r"\bscam(?:med|mer|mers)?\b",
            r"\bphishing\b",
            r"\bidentity\s+theft\b",
            r"\b(?:stolen|cloned|compromised)\s+" + _CARD,
            r"\b(?:card|account|details)\s+(?:was|were|has\s+been|have\s+been|got)\s+"
            r"(?:stolen|cloned|compromised|hacked)",
            r"\bunauthori[sz]ed\s+(?:payment|charge|transaction|purchase|order|debit|access)",
            r"\b(?:payment|charge|transaction|purchase|order)s?\s+(?:that\s+)?i\s+"
            r"(?:didn't|did\s+not|never)\s+(?:make|made|authori[sz]e|place|order|do)",
            # "a payment on my card I didn't make": where it showed up, in between.
            r"\b(?:payment|charge|transaction|debit)s?\s+(?:on|from|in)\s+(?:my|the)\s+"
            r"(?:(?:bank|credit|debit)\s+)?(?:card|account|statement|paypal)\s+(?:that\s+)?i\s+"
            r"(?:didn't|did\s+not|never)\s+(?:make|made|authori[sz]e)\b",
            r"\bi\s+(?:didn't|did\s+not|never)\s+(?:make|made|place|placed|authori[sz]ed?|order|ordered)\s+"
            r"(?:this|that|these|those)\s+(?:order|payment|charge|purchase|transaction)",
            r"\bi\s+(?:never|didn't|did\s+not)\s+authori[sz]ed?",
            r"\bsome(?:one|body)\s+(?:else\s+)?(?:has\s+|is\s+|have\s+)?"
            r"(?:used|using|hacked|accessed|got\s+into)\s+my\s+(?:card|account|details|paypal)",
            r"\b(?:my\s+)?account\s+(?:was|has\s+been|got)\s+hacked",
            r"\bhacked\s+my\s+account\b",
        )
    ),
    LEGAL: tuple(
        re.compile(p)
        for p in (
            r"\b(?:my\s+|a\s+|our\s+)?(?:lawyer|lawyers|solicitor|solicitors|attorney|attorneys)\b",
            r"\b(?:sue|suing)\s+(?:you|your|the\s+company|this\s+company|them)\b",
            r"\b(?:will|gonna|going\s+to|i'll|i\s+will|i'm|i\s+am)\s+(?:sue|suing)\b",
            r"\blegal\s+(?:action|proceedings|advice|claim)\b",
            r"\b(?:take|taking|see)\s+(?:you|this|it|your\s+company|you\s+guys)\s+to\s+court\b",
            r"\bsmall\s+claims?\b",
            r"\btrading\s+standards\b",
            r"\bombudsman\b",
            r"\bletter\s+before\s+action\b",
            r"\breport(?:ing)?\s+you\s+to\s+(?:the\s+)?(?:police|trading|bbb|cma|authorities)",
        )
    ),
    SAFETY: tuple(
        re.compile(p)
        for p in (
            r"\b(?:caught|catching|catches)\s+(?:on\s+)?fire\b",
            r"\b(?:on\s+fire|burst\s+into\s+flames?|went\s+up\s+in\s+flames?)\b",
            r"\bburning\s+smell\b|\bsmell(?:s|ed|ing)?\s+(?:of\s+)?burning\b",
            r"\b(?:smoke|smoking)\s+(?:came|comes|coming|was\s+coming|is\s+coming|poured)\b",
            r"\b(?:started|starts|began)\s+(?:to\s+)?smok(?:e|ing)\b",
            r"\b(?:it|it's|its)\s+(?:is\s+|was\s+)?smoking\b|\bwas\s+smoking\b",
            r"\bspark(?:ed|ing)\b|\b(?:throws|threw|gives\s+off|gave\s+off)\s+sparks\b",
            r"\bsparks\s+(?:came|coming|flew|fly|flying|when|from|out)\b",
            r"\b(?:got|gave|gives|giving|had|received|get|getting)\s+(?:me\s+|him\s+|her\s+|us\s+"
            r"|you\s+|my\s+\w+\s+)?(?:a\s+|an\s+)?(?:electric(?:al)?\s+)?shock\b",
            r"\b(?:shocked|electrocuted)\s+(?:me|him|her|us|my)\b|\belectrocuted\b",
            r"\b(?:exploded|explosion|blew\s+up)\b",
            r"\b(?:plug|socket|cable|wire|lead|charger|battery|plastic)\s+(?:has\s+|had\s+|was\s+)?"
            r"(?:melted|melting)\b|\b(?:melted|melting)\s+(?:plug|socket|cable|wire|lead|charger)",
            r"\boverheat(?:ed|ing|s)\b",
            r"\binjured\b|\b(?:caused|suffered|got|have|had|received)\s+(?:a\s+|an\s+|serious\s+"
            r"|nasty\s+|minor\s+)*injur(?:y|ies)\b",
            r"\b(?:burn(?:ed|t)|scalded)\s+(?:me|him|her|us|myself|himself|herself|themselves)\b",
            r"\b(?:burn(?:ed|t)|scalded|cut|hurt)\s+(?:my|his|her|their)\s+(?:hand|hands|finger|"
            r"fingers|thumb|arm|leg|foot|face|skin|mouth|head|back|eye|eyes)\b",
            r"\b(?:cut|hurt)\s+(?:myself|himself|herself|themselves)\b",
            r"\b(?:got|was|were|been|is|are)\s+(?:badly\s+)?(?:hurt|scalded)\b|\bgot\s+burn(?:ed|t)\b",
            r"\b" + _CHILD + r"\s+(?:has\s+|have\s+|had\s+|just\s+)?(?:swallowed|choked|ate)\b",
            r"\bswallowed\s+(?:a|an|the|some|one|part|piece|battery|magnet)",
            r"\bchok(?:ed|ing)\s+on\b",
            r"\bpoisoned\b|\b(?:food|carbon\s+monoxide)\s+poisoning\b",
            r"\b(?:had|having|has|got|caused|gave|given)\s+(?:me\s+|him\s+|her\s+|us\s+)?"
            r"(?:a\s+|an\s+)?(?:bad\s+|severe\s+)?allergic\s+reaction\b",
            r"\b(?:ended\s+up|went|taken|rushed|go|had\s+to\s+go)\s+(?:in|to)\s+(?:the\s+)?"
            r"(?:hospital|a&e|emergency)\b|\bambulance\b",
            r"\b(?:safety|product)\s+recall\b",
            r"\bgas\s+leak\b|\bsmell(?:s|ed)?\s+(?:of\s+)?gas\b",
        )
    ),
    DATA_DELETION: tuple(
        re.compile(p)
        for p in (
            r"\b(?:delete|erase|remove|wipe|purge|destroy)\s+" + _MY_DATA,
            r"\b(?:erase|wipe|purge|permanently\s+delete|permanently\s+remove)\s+"
            r"(?:all\s+)?(?:of\s+)?my\s+(?:account|records|profile)",
            r"\bdelete\s+my\s+account\s+and\s+(?:all\s+)?(?:of\s+)?my\s+(?:data|information|details)",
            r"\bright\s+to\s+(?:be\s+forgotten|erasure)\b",
            r"\b(?:gdpr|data\s+protection)\s+(?:request|deletion|erasure)\b",
            r"\b(?:erasure|deletion)\s+request\b",
            r"\barticle\s+17\b",
            r"\bstop\s+(?:processing|using|storing|holding)\s+my\s+(?:personal\s+)?"
            r"(?:data|information|details)",
            r"\bremove\s+me\s+from\s+(?:your|all\s+your)\s+(?:database|databases|systems|records)",
        )
    ),
}


@dataclass(frozen=True, slots=True)
class SensitiveMatch:
    topic: str  # one of TOPICS
    phrase: str  # the words that matched, as the shopper wrote them (lower-cased)

    @property
    def reason(self) -> str:
        return REASONS[self.topic]


def find_sensitive(text: str, topics: Iterable[str] = TOPICS) -> SensitiveMatch | None:
    """The first of ``topics`` (in TOPICS order) that ``text`` raises, or None."""
    wanted = set(topics)
    lowered = _lowered(text)
    for topic in TOPICS:
        if topic not in wanted:
            continue
        for pattern in _PATTERNS[topic]:
            match = pattern.search(lowered)
            if match is not None:
                return SensitiveMatch(topic, match.group(0).strip())
    return None


def _lowered(text: str) -> str:
    return normalise(text).lower()
