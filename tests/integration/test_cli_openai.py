"""`frontdesk openai ...`, `ask` and `eval` on the OpenAI path, as a shop owner runs them,
against a local fake of the OpenAI API (never the internet). The key is never shown."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frontdesk.interfaces.cli.app import app
from tests.fakes.openai_server import FAKE_KEY, FakeOpenAI

FRONTDESK = Path(sys.executable).parent / "frontdesk"
QUESTION = "how do I track my order"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def llm_env(fake: FakeOpenAI, **extra: str | None) -> dict[str, str | None]:
    """Point frontdesk at the fake; the key is given the seed's way (OPENAI_APIKEY)."""
    return {
        "OPENAI_API_KEY": None,
        "OPENAI_APIKEY": FAKE_KEY,
        "FRONTDESK_LLM_BASE_URL": fake.url,
        "FRONTDESK_LLM_TIMEOUT_S": "2",
        "FRONTDESK_LLM_BACKOFF_S": "0.05",
        **extra,
    }


def run(*args: str, env: Mapping[str, str | None]) -> subprocess.CompletedProcess[str]:
    merged = {**os.environ}
    for name, value in env.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return subprocess.run(
        [str(FRONTDESK), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=merged,
        check=False,
    )


def invoke(*args: str, env: Mapping[str, str | None]) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=dict(env))
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.stdout + result.stderr


def training_file(tmp_path: Path) -> Path:
    path = tmp_path / "train.jsonl"
    result = run("kb", "export", "--format", "openai-chat", str(path), env={})
    assert result.returncode == 0, result.stderr
    return path


def test_upload_finetune_status_then_answer_with_the_fine_tuned_model(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    env = llm_env(fake)
    upload = run("openai", "upload", str(training_file(tmp_path)), env=env)
    assert upload.returncode == 0, upload.stderr
    file_id = re.search(r"as (file-\w+)", upload.stdout)
    assert file_id and "78 examples" in upload.stdout

    start = run("openai", "finetune", "--file", file_id.group(1), "--epochs", "8", env=env)
    assert start.returncode == 0, start.stderr
    job_id = re.search(r"job (ftjob-\w+)", start.stdout)
    assert job_id and "epochs 8" in start.stdout
    assert json.loads(fake.calls("/v1/fine_tuning/jobs")[0].body)["hyperparameters"] == {
        "n_epochs": 8
    }

    status = run("openai", "status", job_id.group(1), "--watch", "--interval", "1", env=env)
    assert status.returncode == 0, status.stderr
    out = status.stdout
    assert "step 10 of 30 (33 %)" in out and "succeeded" in out
    assert "trained tokens    12,345" in out
    assert "Step 20/30: training loss" in out  # recent events
    model = re.search(r"FRONTDESK_LLM_MODEL=(ft:\S+)", out)
    assert model

    asked = run(
        "ask",
        QUESTION,
        "--retriever",
        "tfidf",
        env={**env, "FRONTDESK_LLM_PROVIDER": "openai", "FRONTDESK_LLM_MODEL": model.group(1)},
    )
    assert asked.returncode == 0, asked.stderr
    assert "According to our FAQ:" in asked.stdout
    assert f"written by {model.group(1)}" in asked.stdout
    assert "200+40 tokens" in asked.stdout

    for result in (upload, start, status, asked):
        assert FAKE_KEY not in result.stdout + result.stderr


def test_status_json_has_progress_and_events(fake: FakeOpenAI, tmp_path: Path) -> None:
    env = llm_env(fake)
    code, out = invoke("openai", "upload", str(training_file(tmp_path)), env=env)
    file_id = re.search(r"as (file-\w+)", out)
    assert code == 0 and file_id
    code, out = invoke("openai", "finetune", "--file", file_id.group(1), env=env)
    job_id = re.search(r"job (ftjob-\w+)", out)
    assert code == 0 and job_id and "epochs auto" in out
    invoke("openai", "status", job_id.group(1), env=env)  # validating -> queued
    code, out = invoke("openai", "status", job_id.group(1), "--json", "--events", "2", env=env)
    data = json.loads(out)
    assert code == 0
    assert data["status"] == "running" and data["progress"] == {"step": 10, "of": 30}
    assert data["events"][0]["message"].startswith("Step 10/30")
    assert len(data["events"]) == 2


def test_ask_falls_back_to_the_kb_answer_when_the_model_cites_nothing(
    fake: FakeOpenAI,
) -> None:
    fake.chat_reply = "We deliver by drone, always free!"
    env = llm_env(fake, FRONTDESK_LLM_PROVIDER="openai")
    code, out = invoke("ask", QUESTION, "--retriever", "tfidf", "--json", env=env)
    reply = json.loads(out)
    assert code == 0
    assert "drone" not in reply["text"] and reply["source_ids"] == ["orders-track"]
    assert reply["llm"]["answered"] is False
    assert reply["llm"]["model"] == "gpt-4o-mini"


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        ({"status": 401}, "rejected the API key (401)"),
        ({"status": 403}, "may not do this (403"),
        ({"status": 404}, "not found"),
        ({"status": 429, "times": 9, "headers": {"retry-after": "0"}}, "(429) after 3 attempts"),
        ({"status": 500, "times": 9}, "failed with 500 after 3 attempts"),
    ],
)
def test_upload_errors_get_one_clear_message_and_exit_2(
    fake: FakeOpenAI, tmp_path: Path, fault: dict[str, object], says: str
) -> None:
    fake.fail("/v1/files", **fault)  # type: ignore[arg-type]
    code, out = invoke("openai", "upload", str(training_file(tmp_path)), env=llm_env(fake))
    assert code == 2
    assert says in out and out.startswith("error: ")
    assert "Traceback" not in out and FAKE_KEY not in out


@pytest.mark.timeout(60)
def test_a_hung_endpoint_times_out_with_exit_2(fake: FakeOpenAI) -> None:
    fake.hang("/v1/fine_tuning/jobs", times=9)
    env = llm_env(fake, FRONTDESK_LLM_TIMEOUT_S="0.5", FRONTDESK_LLM_MAX_ATTEMPTS="2")
    result = run("openai", "status", "ftjob-1", env=env)
    assert result.returncode == 2
    assert "sent no answer within 0.5 s after 2 attempts" in result.stderr
    assert "Traceback" not in result.stderr


def test_ask_with_a_wrong_key_or_no_server_exits_2_without_the_key(fake: FakeOpenAI) -> None:
    wrong = "sk-wrong-key-never-shown-4242"
    env = llm_env(fake, FRONTDESK_LLM_PROVIDER="openai", OPENAI_API_KEY=wrong)
    result = run("ask", QUESTION, "--retriever", "tfidf", env=env)
    assert result.returncode == 2
    assert "rejected the API key (401)" in result.stderr
    assert wrong not in result.stdout + result.stderr and "Traceback" not in result.stderr

    gone = {**env, "OPENAI_API_KEY": None, "FRONTDESK_LLM_BASE_URL": "http://127.0.0.1:9/v1"}
    code, out = invoke("chat", "--retriever", "tfidf", env=gone)
    assert code == 0  # no input: no call made
    code, out = invoke("ask", QUESTION, "--retriever", "tfidf", env=gone)
    assert code == 2 and "cannot connect to http://127.0.0.1:9/v1" in out


def test_no_key_for_openai_is_refused_up_front(tmp_path: Path) -> None:
    env = {"OPENAI_API_KEY": None, "OPENAI_APIKEY": None, "FRONTDESK_LLM_BASE_URL": None}
    code, out = invoke("openai", "upload", str(training_file(tmp_path)), env=env)
    assert code == 2 and "set OPENAI_API_KEY (or OPENAI_APIKEY)" in out


def test_a_bad_training_file_is_refused_before_any_request(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    path = training_file(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] = '{"messages": [{"role": "user", "content": ""}]}'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out = invoke("openai", "upload", str(path), env=llm_env(fake))
    assert code == 2 and "line 5: message 1 (user) has an empty or missing content" in out
    assert fake.requests == []

    code, out = invoke("openai", "upload", str(training_file(tmp_path)), "--check", env={})
    assert code == 0 and "78 examples, ready to upload" in out


EVAL_SET = [
    {"kind": "faq", "text": "how do I track my order", "accept": ["orders-track"]},
    {"kind": "faq", "text": "what is your price match policy", "accept": ["payments-price-match"]},
    {"kind": "oos", "text": "who won the world cup in 1966", "accept": []},
    {"kind": "smalltalk", "text": "hello!", "accept": []},
]


def eval_json(fake: FakeOpenAI, tmp_path: Path, **env: str | None) -> dict[str, object]:
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(item) + "\n" for item in EVAL_SET), encoding="utf-8")
    code, out = invoke(
        "eval", "--set", str(path), "--retriever", "tfidf", "--json", env=llm_env(fake, **env)
    )
    assert code == 0, out
    data: dict[str, object] = json.loads(out)
    return data


def test_eval_reports_cost_per_1000_turns_beside_the_local_models_zero(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    local = eval_json(fake, tmp_path)
    assert local["cost_per_1k_turns_usd"] == 0.0 and local["llm_turns"] == 0
    assert fake.calls("/v1/chat") == []

    paid = eval_json(fake, tmp_path, FRONTDESK_LLM_PROVIDER="openai")
    answered = paid["llm_turns"]
    assert isinstance(answered, int) and answered >= 1
    assert paid["prompt_tokens"] == 200 * answered
    assert paid["completion_tokens"] == 40 * answered
    # $0.000054 per answered turn (gpt-4o-mini), spread over all 4 turns, times 1,000
    assert paid["cost_per_1k_turns_usd"] == pytest.approx(0.000054 * answered / 4 * 1000)
    assert paid["llm_models"] == "gpt-4o-mini"

    unpriced = eval_json(
        fake, tmp_path, FRONTDESK_LLM_PROVIDER="openai", FRONTDESK_LLM_MODEL="llama3.1:8b"
    )
    assert unpriced["cost_per_1k_turns_usd"] is None
    assert unpriced["cost_unknown_for"] == "llama3.1:8b"


def test_eval_table_says_what_the_cost_is(fake: FakeOpenAI, tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(item) + "\n" for item in EVAL_SET), encoding="utf-8")
    args = ("eval", "--set", str(path), "--retriever", "tfidf")
    code, out = invoke(*args, env=llm_env(fake))
    assert code == 0 and "$0 (local model)" in out
    env = llm_env(fake, FRONTDESK_LLM_PROVIDER="openai", FRONTDESK_LLM_MODEL="llama3.1:8b")
    code, out = invoke(*args, env=env)
    assert code == 0 and "unknown" in out and "no price for" in out
    assert "LLM tokens" in out
