"""LLM answering: the model words `answer` replies from retrieved entries and must cite
one; an uncited answer falls back to the KB's own. Real openai client, local fake API."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from frontdesk.adapters.llm.answer_writer import ChatAnswerWriter
from frontdesk.adapters.llm.client import Endpoint, LlmClient
from frontdesk.adapters.llm.errors import LlmError
from frontdesk.adapters.llm.pricing import PriceTable
from frontdesk.bootstrap import build_assistant
from frontdesk.config import DEFAULT_LLM_PRICES
from frontdesk.core.conversation import Reply, ReplyKind
from frontdesk.core.engine import Assistant
from tests.fakes.openai_server import COMPLETION_TOKENS, FAKE_KEY, PROMPT_TOKENS, FakeOpenAI

CHAT = "/v1/chat/completions"
QUESTION = "how do I track my order"


@pytest.fixture(scope="module")
def local() -> Assistant:
    """The assistant as it answers today, from the KB alone (TF-IDF: no model needed)."""
    return build_assistant(retriever="tfidf")


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def with_llm(local: Assistant, fake: FakeOpenAI, model: str = "gpt-4o-mini") -> Assistant:
    llm = LlmClient(Endpoint(fake.url, SecretStr(FAKE_KEY), timeout_s=2.0, backoff_s=0.01))
    writer = ChatAnswerWriter(llm, model, PriceTable(DEFAULT_LLM_PRICES), max_entries=3)
    return Assistant(local.answerer, writer=writer)


def ask(assistant: Assistant, text: str = QUESTION) -> Reply:
    return assistant.respond(assistant.new_conversation(), text)


def prompt_ids(fake: FakeOpenAI) -> list[str]:
    body = fake.calls(CHAT)[-1].body.decode()
    return re.findall(r"\[entry:([^\]\\]+)\]\\nQuestion", body)


def test_the_model_answers_from_the_entries_and_cites_them(
    local: Assistant, fake: FakeOpenAI
) -> None:
    extractive = ask(local)
    reply = ask(with_llm(local, fake))

    assert reply.kind is ReplyKind.ANSWER
    assert reply.text.startswith("According to our FAQ:") and "[entry:" not in reply.text
    assert reply.source_ids == extractive.source_ids == ("orders-track",)
    assert reply.confidence == extractive.confidence
    assert prompt_ids(fake)[0] == "orders-track" and len(prompt_ids(fake)) == 3
    assert reply.llm is not None and reply.llm.answered
    assert (reply.llm.prompt_tokens, reply.llm.completion_tokens) == (
        PROMPT_TOKENS,
        COMPLETION_TOKENS,
    )
    # gpt-4o-mini: 200 x $0.15 + 40 x $0.60 per million tokens
    assert reply.llm.cost_usd == pytest.approx(0.000054)
    assert reply.as_dict()["llm"] == reply.llm.as_dict()


@pytest.mark.parametrize(
    "content",
    [
        "Sure, we ship everywhere within a day!",  # no citation at all
        "You can track it online. [entry:made-up-entry]",  # cites nothing it was given
        "NO_ANSWER",
        "[entry:orders-track]",  # a citation with no answer
    ],
)
def test_an_answer_that_cites_no_retrieved_entry_falls_back_to_the_kb(
    local: Assistant, fake: FakeOpenAI, content: str
) -> None:
    fake.chat_reply = content
    reply = ask(with_llm(local, fake))
    extractive = ask(local)

    assert (reply.kind, reply.text, reply.source_ids) == (
        extractive.kind,
        extractive.text,
        extractive.source_ids,
    )
    assert reply.llm is not None and not reply.llm.answered
    assert reply.llm.cost_usd == pytest.approx(0.000054)  # paid for all the same


def test_citing_the_runner_up_makes_it_the_source(local: Assistant, fake: FakeOpenAI) -> None:
    def cite_second(prompt: str) -> str:
        second = re.findall(r"\[entry:([^\]]+)\]", prompt)[1]
        return f"That is covered here. [entry:{second}]"

    fake.chat_reply = cite_second
    reply = ask(with_llm(local, fake))
    assert reply.source_ids == (prompt_ids(fake)[1],)
    assert reply.text == "That is covered here."


def test_clarify_abstain_and_smalltalk_never_reach_the_model(
    local: Assistant, fake: FakeOpenAI
) -> None:
    assistant = with_llm(local, fake)
    kinds = {
        ask(assistant, text).kind
        for text in ("hello!", "who won the world cup in 1966", "change my order", "   ")
    }
    assert {ReplyKind.SMALLTALK, ReplyKind.ABSTAIN} <= kinds
    assert ReplyKind.ANSWER not in kinds
    assert fake.calls(CHAT) == []


def test_unknown_prices_and_missing_usage_leave_cost_unknown(
    local: Assistant, fake: FakeOpenAI
) -> None:
    reply = ask(with_llm(local, fake, model="llama3.1:8b"))
    assert reply.llm is not None and reply.llm.cost_usd is None
    assert reply.llm.prompt_tokens == PROMPT_TOKENS

    fake.usage = None  # some compatible servers report no usage
    reply = ask(with_llm(local, fake))
    assert reply.llm is not None and reply.llm.cost_usd is None


def test_a_fine_tuned_model_is_priced_at_the_fine_tuned_rate(
    local: Assistant, fake: FakeOpenAI
) -> None:
    reply = ask(with_llm(local, fake, model="ft:gpt-4o-mini-2024-07-18:acme::abc123"))
    assert reply.llm is not None
    assert reply.llm.cost_usd == pytest.approx((200 * 0.30 + 40 * 1.20) / 1e6)
    assert fake.calls(CHAT)[-1].body.count(b"ft:gpt-4o-mini-2024-07-18:acme::abc123") == 1


def test_a_failing_endpoint_raises_one_clear_error(local: Assistant, fake: FakeOpenAI) -> None:
    fake.fail(CHAT, 401)
    with pytest.raises(LlmError, match=r"rejected the API key \(401\)"):
        ask(with_llm(local, fake))


def test_the_web_service_gives_the_kbs_answer_when_the_model_fails(
    local: Assistant, fake: FakeOpenAI
) -> None:
    fake.fail(CHAT, 503, times=10)  # every attempt fails
    llm = LlmClient(Endpoint(fake.url, SecretStr(FAKE_KEY), timeout_s=2.0, backoff_s=0.01))
    writer = ChatAnswerWriter(llm, "gpt-4o-mini", PriceTable(DEFAULT_LLM_PRICES), max_entries=3)
    serving = Assistant(local.answerer, writer=writer, writer_failure_falls_back=True)
    reply = ask(serving)
    assert reply.kind is ReplyKind.ANSWER and reply.text == ask(local).text
    assert "writer_failed" in reply.notes
