"""The chat fine-tuning file is checked here, line by line, before anything is uploaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frontdesk.adapters.llm.errors import LlmError
from frontdesk.adapters.llm.finetune import check_training_file
from frontdesk.bootstrap import DEMO_KB
from frontdesk.core.knowledge.export import export_openai_chat
from frontdesk.core.knowledge.loading import load_kb


def record(question: str = "Do you ship abroad?", answer: str = "Yes, to 30 countries.") -> str:
    messages = [
        {"role": "system", "content": "You are a shop assistant."},
        {"role": "user", "content": question},
        {"role": "assistant", "content": answer},
    ]
    return json.dumps({"messages": messages})


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_the_kb_export_is_a_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "demo.jsonl"
    written = export_openai_chat(load_kb(DEMO_KB), path)
    assert check_training_file(path).examples == written


@pytest.mark.parametrize(
    ("bad_line", "says"),
    [
        ("{not json", "line 3: is not valid JSON"),
        ("[1, 2]", "line 3: is not a JSON object"),
        ('{"prompt": "x", "completion": "y"}', 'line 3: has no "messages" list'),
        ('{"messages": []}', 'line 3: has no "messages" list'),
        (
            '{"messages": [{"role": "bot", "content": "hi"}]}',
            "line 3: message 1 has role 'bot'",
        ),
        (
            json.dumps(
                {
                    "messages": [
                        {"role": "user", "content": "hi"},
                        {"role": "assistant", "content": " "},
                    ]
                }
            ),
            "line 3: message 2 (assistant) has an empty or missing content",
        ),
        ('{"messages": [{"role": "user", "content": "hi"}]}', "line 3: has no assistant message"),
        ("", "line 3: is empty"),
    ],
)
def test_each_problem_names_its_line(tmp_path: Path, bad_line: str, says: str) -> None:
    lines = [record()] * 11
    lines.insert(2, bad_line)
    with pytest.raises(LlmError) as caught:
        check_training_file(write(tmp_path, lines))
    assert says in caught.value.message
    assert "frontdesk kb export --format openai-chat" in caught.value.message


def test_many_problems_are_counted_not_all_listed(tmp_path: Path) -> None:
    with pytest.raises(LlmError) as caught:
        check_training_file(write(tmp_path, ["{"] * 12))
    message = caught.value.message
    assert "line 1:" in message and "line 5:" in message and "line 6:" not in message
    assert "(and 7 more)" in message


def test_non_utf8_and_too_few_examples(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(record().encode() + b"\n" + '{"x": "caf\xe9"}'.encode("latin-1") + b"\n")
    with pytest.raises(LlmError, match="line 2: is not UTF-8"):
        check_training_file(path)
    with pytest.raises(LlmError, match="has 3 example"):
        check_training_file(write(tmp_path, [record()] * 3))


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LlmError, match="Cannot read"):
        check_training_file(tmp_path / "nope.jsonl")
