"""The real ``openai`` client against a local fake API: timeouts, bounded retries, and one
clear message per failure, with the key never in a message, a detail or a log line."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from frontdesk.adapters.llm.client import Endpoint, LlmClient
from frontdesk.adapters.llm.errors import LlmError
from frontdesk.adapters.llm.finetune import job_status
from tests.fakes.openai_server import FAKE_KEY, FakeOpenAI

CHAT = "/v1/chat/completions"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


class Waits:
    """Records the waits instead of sleeping, so retry tests take no time."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def client(
    url: str,
    waits: Waits | None = None,
    *,
    key: str = FAKE_KEY,
    timeout_s: float = 2.0,
    backoff_s: float = 0.2,
    max_attempts: int = 3,
) -> LlmClient:
    endpoint = Endpoint(
        url, SecretStr(key), timeout_s=timeout_s, max_attempts=max_attempts, backoff_s=backoff_s
    )
    return LlmClient(endpoint, sleep=waits or Waits())


def chat(llm: LlmClient) -> str:
    response = llm.call(
        "chat completion with gpt-4o-mini",
        lambda api, headers: api.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "hi"}],
            extra_headers=headers,
        ),
        post=True,
    )
    return response.choices[0].message.content or ""


def failure(llm: LlmClient) -> LlmError:
    with pytest.raises(LlmError) as caught:
        chat(llm)
    return caught.value


def test_429_waits_as_long_as_retry_after_says_then_succeeds(fake: FakeOpenAI) -> None:
    fake.fail(CHAT, 429, times=2, headers={"retry-after": "1.5"})
    waits = Waits()
    assert chat(client(fake.url, waits)) == "NO_ANSWER"
    assert waits.seconds == [1.5, 1.5]
    assert len(fake.calls(CHAT)) == 3
    # One idempotency key over all attempts, so a retried create is not done twice.
    keys = {r.headers.get("idempotency-key") for r in fake.calls(CHAT)}
    assert len(keys) == 1 and None not in keys


def test_429_after_every_attempt_says_so_and_stops(fake: FakeOpenAI) -> None:
    fake.fail(CHAT, 429, times=10, headers={"retry-after-ms": "100"})
    error = failure(client(fake.url))
    assert "rate limited" in error.message and "(429) after 3 attempts" in error.message
    assert len(fake.calls(CHAT)) == 3


def test_a_retry_after_too_long_to_wait_is_reported_not_waited(fake: FakeOpenAI) -> None:
    fake.fail(CHAT, 429, times=10, headers={"retry-after": "3600"})
    waits = Waits()
    error = failure(client(fake.url, waits))
    assert waits.seconds == [] and len(fake.calls(CHAT)) == 1
    assert "asked to wait 3600 s" in error.message


def test_no_quota_left_is_not_retried(fake: FakeOpenAI) -> None:
    fake.fail(CHAT, 429, times=10, code="insufficient_quota")
    error = failure(client(fake.url))
    assert "no quota left" in error.message and "billing" in error.message
    assert len(fake.calls(CHAT)) == 1


def test_500_is_retried_with_growing_backoff_then_reported(fake: FakeOpenAI) -> None:
    fake.fail(CHAT, 500, times=10)
    waits = Waits()
    error = failure(client(fake.url, waits, backoff_s=1.0))
    assert len(fake.calls(CHAT)) == 3
    assert len(waits.seconds) == 2
    assert 0.75 <= waits.seconds[0] <= 1.25 and 1.5 <= waits.seconds[1] <= 2.5
    assert (
        "failed with 500 after 3 attempts" in error.message and "try again later" in error.message
    )


def test_a_500_that_clears_up_is_invisible(fake: FakeOpenAI) -> None:
    fake.fail(CHAT, 503, times=1)
    assert chat(client(fake.url)) == "NO_ANSWER"


def test_401_is_not_retried_and_names_the_variable(fake: FakeOpenAI) -> None:
    error = failure(client(fake.url, key="sk-wrong-secret-9999"))
    assert "rejected the API key (401)" in error.message
    assert "OPENAI_API_KEY" in error.message
    assert len(fake.calls(CHAT)) == 1
    # The fake echoes the key it was sent, as the real API partly does.
    assert "sk-wrong-secret-9999" not in f"{error.message} {error.detail} {error!r}"


@pytest.mark.parametrize(("status", "says"), [(403, "may not do this (403"), (404, "not found")])
def test_403_and_404_say_what_to_check(fake: FakeOpenAI, status: int, says: str) -> None:
    fake.fail(CHAT, status)
    error = failure(client(fake.url))
    assert says in error.message and len(fake.calls(CHAT)) == 1


def test_a_server_message_that_echoes_the_key_is_redacted(fake: FakeOpenAI) -> None:
    fake.fail(CHAT, 400, message=f"bad request for key {FAKE_KEY}")
    error = failure(client(fake.url))
    assert "bad request for key ***" in error.message
    assert FAKE_KEY not in f"{error.message} {error.detail}"


@pytest.mark.timeout(30)
def test_a_hung_server_times_out_on_every_attempt(fake: FakeOpenAI) -> None:
    fake.hang(CHAT, times=10)
    started = time.monotonic()
    error = failure(client(fake.url, timeout_s=0.3, backoff_s=0.0))
    elapsed = time.monotonic() - started
    assert len(fake.calls(CHAT)) == 3
    assert elapsed < 10  # three short timeouts, never a hang
    assert "no answer within 0.3 s after 3 attempts" in error.message
    assert "FRONTDESK_LLM_TIMEOUT_S" in error.message


@pytest.mark.timeout(30)
def test_a_hang_then_an_answer_recovers(fake: FakeOpenAI) -> None:
    fake.hang(CHAT, times=1)
    assert chat(client(fake.url, timeout_s=0.3)) == "NO_ANSWER"


def test_connection_refused_says_to_check_the_url() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"  # nothing listens here any more
    error = failure(client(url, max_attempts=2))
    assert f"cannot connect to {url} after 2 attempts" in error.message
    assert "FRONTDESK_LLM_BASE_URL" in error.message


def test_no_key_for_the_openai_api_is_refused_before_any_call() -> None:
    with pytest.raises(LlmError, match="set OPENAI_API_KEY"):
        LlmClient(Endpoint(api_key=None))


def test_a_local_server_needs_no_key(fake: FakeOpenAI) -> None:
    fake.api_key = "no-key-needed"  # what the client sends when no key is set
    assert chat(LlmClient(Endpoint(fake.url, None))) == "NO_ANSWER"


def test_the_key_is_never_logged(fake: FakeOpenAI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake.fail(CHAT, 500, times=1)
    fake.fail("/v1/fine_tuning/jobs", 404)
    llm = client(fake.url)
    chat(llm)
    with pytest.raises(LlmError):
        job_status(llm, "ftjob-missing")
    assert caplog.records  # the retry was logged ...
    assert FAKE_KEY not in caplog.text  # ... without the key
    assert FAKE_KEY not in repr(llm) and FAKE_KEY not in repr(llm.endpoint)
