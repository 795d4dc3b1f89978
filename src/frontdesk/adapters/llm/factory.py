"""Build the LLM client and answer writer from Settings (called by the composition root
and by `frontdesk openai`).

The ``openai`` package takes about a second to import, so it is imported only when the
LLM path is switched on: the default local assistant does not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from frontdesk.config import Settings

if TYPE_CHECKING:
    from frontdesk.adapters.llm.answer_writer import ChatAnswerWriter
    from frontdesk.adapters.llm.client import Endpoint, LlmClient


def endpoint_from_settings(settings: Settings) -> Endpoint:
    from frontdesk.adapters.llm.client import OPENAI_BASE_URL, Endpoint

    return Endpoint(
        base_url=settings.llm_base_url or OPENAI_BASE_URL,
        api_key=settings.openai_api_key,
        timeout_s=settings.llm_timeout_s,
        max_attempts=settings.llm_max_attempts,
        backoff_s=settings.llm_backoff_s,
    )


def client_from_settings(settings: Settings) -> LlmClient:
    from frontdesk.adapters.llm.client import LlmClient

    return LlmClient(endpoint_from_settings(settings))


def answer_writer_from_settings(settings: Settings) -> ChatAnswerWriter | None:
    """None with the default ``local`` provider: answers come from the KB alone."""
    if settings.llm_provider != "openai":
        return None
    from frontdesk.adapters.llm.answer_writer import ChatAnswerWriter
    from frontdesk.adapters.llm.pricing import PriceTable

    return ChatAnswerWriter(
        client_from_settings(settings),
        settings.llm_model,
        PriceTable(settings.llm_prices),
        max_entries=settings.llm_candidates,
    )
