"""What a chat completion costs, from the per-million-token price table in Settings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from frontdesk.config import LlmPrice

# Snapshot suffixes ("-2024-07-18", "-0125") name a dated build of a priced model.
_SNAPSHOT = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{4})$")


@dataclass(frozen=True, slots=True)
class PriceTable:
    prices: Mapping[str, LlmPrice]

    def price_for(self, model: str) -> LlmPrice | None:
        """Exact id first; a fine-tuned id ``ft:BASE:org::id`` is priced as ``ft:BASE``
        (OpenAI bills fine-tuned models at their own rate) and then as ``BASE``; dated
        snapshots fall back to their undated name. None: no price is known."""
        for name in _candidates(model):
            if name in self.prices:
                return self.prices[name]
        return None

    def cost_usd(self, model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
        price = self.price_for(model)
        if price is None:
            return None
        return (prompt_tokens * price.input + completion_tokens * price.output) / 1_000_000


def _candidates(model: str) -> list[str]:
    names = [model]
    if model.startswith("ft:"):
        base = model.split(":")[1]
        names += [f"ft:{base}", f"ft:{_SNAPSHOT.sub('', base)}", base]
    names.append(_SNAPSHOT.sub("", names[-1]))
    return list(dict.fromkeys(name for name in names if name))
