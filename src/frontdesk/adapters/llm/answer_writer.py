"""Answer a shopper in the model's words from retrieved entries, citing what it used.

Every entry in the prompt is introduced by its marker ``[entry:ID]`` and the model must
end its answer with the markers of the entries it used, or reply ``NO_ANSWER``. A plain
text marker works with every OpenAI-compatible server (JSON modes do not), and the
engine gives the knowledge base's own answer when no retrieved entry is cited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from frontdesk.adapters.llm.client import LlmClient
from frontdesk.adapters.llm.pricing import PriceTable
from frontdesk.core.conversation import LlmUsage
from frontdesk.core.knowledge.model import Entry
from frontdesk.core.ports import WrittenAnswer

NO_ANSWER = "NO_ANSWER"
SYSTEM_PROMPT = (
    "You are the customer-service assistant of an online shop. Answer the shopper's "
    "message using only the knowledge-base entries you are given; never add policies, "
    "prices, dates or promises that they do not state. Be brief and friendly: at most "
    "three sentences. End your answer with the marker of every entry you used, exactly "
    "as written, for example [entry:shipping-times]. If none of the entries answers the "
    f"message, reply with exactly {NO_ANSWER}."
)
MAX_ANSWER_TOKENS = 300
# "[entry:a]", "[Entry: a, b]": models vary the spacing and sometimes list several ids.
_MARKER = re.compile(r"\[\s*entry\s*:\s*([^\]]*?)\s*\]", re.IGNORECASE)
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?])")


@dataclass(frozen=True)
class ChatAnswerWriter:
    """An :class:`~frontdesk.core.ports.AnswerWriter` over chat completions."""

    client: LlmClient
    model: str
    prices: PriceTable
    max_entries: int = 3

    @property
    def name(self) -> str:
        return f"{self.model} at {self.client.endpoint.base_url}"

    def write(self, message: str, query: str, entries: Sequence[Entry]) -> WrittenAnswer:
        prompt = build_prompt(message, query, entries)
        response = self.client.call(
            f"chat completion with {self.model}",
            lambda api, headers: api.chat.completions.create(
                model=self.model,
                messages=[
                    {"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": prompt},
                ],
                temperature=0,  # the same question should get the same answer
                max_tokens=MAX_ANSWER_TOKENS,
                extra_headers=headers,
            ),
            post=True,
            missing=(
                f"Check that FRONTDESK_LLM_MODEL ({self.model}) is a model this endpoint "
                "serves (for Ollama: `ollama list`) and FRONTDESK_LLM_BASE_URL."
            ),
        )
        content = response.choices[0].message.content if response.choices else None
        text, cited = parse_answer(content or "")
        usage = response.usage
        prompt_tokens = usage.prompt_tokens if usage is not None else 0
        completion_tokens = usage.completion_tokens if usage is not None else 0
        # Without reported usage the cost is unknown, not zero.
        cost = (
            self.prices.cost_usd(self.model, prompt_tokens, completion_tokens)
            if usage is not None
            else None
        )
        return WrittenAnswer(
            text, cited, LlmUsage(self.model, prompt_tokens, completion_tokens, cost)
        )


def build_prompt(message: str, query: str, entries: Sequence[Entry]) -> str:
    blocks = [f"[entry:{e.id}]\nQuestion: {e.question}\nAnswer: {e.answer}" for e in entries]
    lines = ["Knowledge-base entries:", "", "\n\n".join(blocks), "", f"Shopper: {message}"]
    if query.strip() and query.strip() != message.strip():
        # A follow-up ("and to France?") was retrieved together with the question before.
        lines.append(f"(This follows up on an earlier question; read together: {query})")
    return "\n".join(lines)


def parse_answer(content: str) -> tuple[str, tuple[str, ...]]:
    """The answer without its markers, and the cited ids in the order given."""
    if NO_ANSWER in content:
        return "", ()
    cited: list[str] = []
    for match in _MARKER.finditer(content):
        cited += [part.strip() for part in match.group(1).split(",") if part.strip()]
    text = _MARKER.sub(" ", content)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(text.split()))
    return text, tuple(dict.fromkeys(cited))
