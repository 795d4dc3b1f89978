"""`frontdesk ask` and `frontdesk chat` as a shop owner runs them, in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

FRONTDESK = Path(sys.executable).parent / "frontdesk"


def run(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FRONTDESK), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_ask_json_has_the_documented_shape(model_dir: Path) -> None:
    result = run("ask", "How can I track my order?", "--json")
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert list(reply) == ["kind", "text", "source_ids", "confidence", "options"]
    assert reply["kind"] == "answer" and reply["source_ids"] == ["orders-track"]


def test_ask_prints_answer_source_and_confidence(model_dir: Path) -> None:
    result = run("ask", "How can I track my order?")
    assert result.returncode == 0, result.stderr
    assert "source: entry orders-track" in result.stdout
    assert "score" in result.stdout and "confidence" in result.stdout


def test_ask_on_the_kaggle_faq_uses_positional_ids(model_dir: Path, kaggle_faq: Path) -> None:
    result = run("ask", "What payment methods do you accept?", "--kb", str(kaggle_faq), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["source_ids"] == ["1"]


def test_ask_with_a_broken_kb_names_the_file_and_fails(tmp_path: Path) -> None:
    broken = tmp_path / "faq.json"
    broken.write_text('{"questions": [{"question": "Hi?"', encoding="utf-8")
    result = run("ask", "hello", "--kb", str(broken))
    assert result.returncode == 2
    assert "faq.json" in result.stderr and "Traceback" not in result.stderr


def test_chat_keeps_context_over_a_pipe_and_resets(model_dir: Path) -> None:
    script = "How do I get a gift card?\nand does it expire?\n/reset\nthanks!\n"
    result = run("chat", stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("you> ") == 3
    assert "gifts-card-expiry" in out or "24 months" in out
    assert "conversation reset" in out


def test_chat_ends_cleanly_on_end_of_input(model_dir: Path) -> None:
    result = run("chat", stdin="")
    assert result.returncode == 0
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("retriever", ["tfidf"])
def test_ask_with_the_fallback_retriever(retriever: str) -> None:
    result = run("ask", "how do I track my order", "--retriever", retriever, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["source_ids"] == ["orders-track"]


def test_chat_leaves_cleanly_on_ctrl_c(model_dir: Path) -> None:
    process = subprocess.Popen(
        [str(FRONTDESK), "chat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("hello\n")
    process.stdin.flush()
    # Wait for the reply's last line, so the interrupt lands at the next prompt.
    for line in process.stdout:
        if line.startswith("smalltalk"):
            break
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "Traceback" not in stderr
