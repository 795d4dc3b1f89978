"""OpenAI chat fine-tuning export: one valid record per entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frontdesk.core.knowledge.export import (
    DEFAULT_SYSTEM_PROMPT,
    export_openai_chat,
    to_openai_chat,
)
from frontdesk.core.knowledge.loading import load_kb
from frontdesk.core.knowledge.model import Entry, KnowledgeBase
from frontdesk.errors import KnowledgeBaseError

ROLES = ["system", "user", "assistant"]


def assert_valid_openai_chat_file(path: Path, expected_records: int) -> list[dict[str, object]]:
    """Every line is a JSON object with system/user/assistant messages, none empty."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == expected_records
    records = []
    for line in lines:
        record = json.loads(line)
        assert set(record) == {"messages"}
        messages = record["messages"]
        assert [m["role"] for m in messages] == ROLES
        for message in messages:
            assert set(message) == {"role", "content"}
            assert isinstance(message["content"], str) and message["content"].strip()
        records.append(record)
    return records


def test_one_record_per_entry_in_order() -> None:
    kb = KnowledgeBase.of([Entry("a", "Q1?", "A1."), Entry("b", "Q2?", "A2.")])
    records = to_openai_chat(kb)
    assert records[1] == {
        "messages": [
            {"role": "system", "content": DEFAULT_SYSTEM_PROMPT},
            {"role": "user", "content": "Q2?"},
            {"role": "assistant", "content": "A2."},
        ]
    }
    assert len(records) == 2


def test_default_prompt_says_not_to_guess() -> None:
    assert "do not know" in DEFAULT_SYSTEM_PROMPT and "never guess" in DEFAULT_SYSTEM_PROMPT


def test_custom_and_empty_system_prompts() -> None:
    kb = KnowledgeBase.of([Entry("a", "Q?", "A.")])
    assert to_openai_chat(kb, " Be brief. ")[0]["messages"][0]["content"] == "Be brief."
    with pytest.raises(KnowledgeBaseError, match="system prompt is empty"):
        to_openai_chat(kb, "  ")


def test_empty_answer_is_refused_with_the_entry_id() -> None:
    kb = KnowledgeBase.of([Entry("a", "Q?", "A."), Entry("blank", "Q2?", "  ")], "kb.jsonl")
    with pytest.raises(KnowledgeBaseError) as info:
        to_openai_chat(kb)
    assert "'blank'" in info.value.message and "kb.jsonl" in info.value.message


def test_kaggle_export_is_valid(kaggle_faq: Path, tmp_path: Path) -> None:
    kb = load_kb(kaggle_faq)
    out = tmp_path / "nested" / "train.jsonl"
    assert export_openai_chat(kb, out) == 79
    records = assert_valid_openai_chat_file(out, 79)
    first = records[0]["messages"]
    assert isinstance(first, list)
    assert first[1]["content"] == kb.entries[0].question
    assert first[2]["content"] == kb.entries[0].answer
