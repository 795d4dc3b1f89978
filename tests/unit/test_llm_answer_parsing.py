"""The answer writer's prompt shows each entry with its marker; replies are parsed for them."""

from __future__ import annotations

import pytest

from frontdesk.adapters.llm.answer_writer import build_prompt, parse_answer
from frontdesk.core.knowledge.model import Entry


@pytest.mark.parametrize(
    ("content", "text", "cited"),
    [
        ("Delivery takes 3 days. [entry:ship-1]", "Delivery takes 3 days.", ("ship-1",)),
        ("Delivery takes 3 days [entry:ship-1].", "Delivery takes 3 days.", ("ship-1",)),
        ("Yes. [Entry: a, b] [entry:a]", "Yes.", ("a", "b")),
        ("Yes, 30 days. [entry:7][entry:12]", "Yes, 30 days.", ("7", "12")),
        ("We ship worldwide.", "We ship worldwide.", ()),
        ("NO_ANSWER", "", ()),
        ("NO_ANSWER [entry:a]", "", ()),
    ],
)
def test_markers_are_read_and_removed(content: str, text: str, cited: tuple[str, ...]) -> None:
    assert parse_answer(content) == (text, cited)


def test_prompt_lists_entries_with_markers_and_the_follow_up_context() -> None:
    entries = [
        Entry("ship-1", "How long is delivery?", "3 days."),
        Entry("7", "Returns?", "30 days."),
    ]
    prompt = build_prompt("and to France?", "how long is delivery and to France?", entries)
    assert "[entry:ship-1]\nQuestion: How long is delivery?\nAnswer: 3 days." in prompt
    assert "[entry:7]" in prompt
    assert prompt.index("[entry:ship-1]") < prompt.index("[entry:7]")
    assert "Shopper: and to France?" in prompt
    assert "how long is delivery and to France?" in prompt
    assert "follows up" not in build_prompt("returns?", "returns?", entries)
