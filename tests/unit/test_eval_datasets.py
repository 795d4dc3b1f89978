"""load_eval_set: good sets parse into typed items; bad ones name file, line and problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frontdesk.errors import EvaluationError
from frontdesk.evaluation.datasets import EvalItem, ItemKind, load_eval_set


def write_lines(path: Path, *lines: object) -> Path:
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n",
        encoding="utf-8",
    )
    return path


def load_error(tmp_path: Path, *lines: object) -> str:
    path = write_lines(tmp_path / "set.jsonl", *lines)
    with pytest.raises(EvaluationError) as info:
        load_eval_set(path)
    return info.value.message


FAQ = {"kind": "faq", "text": "where is my parcel", "accept": [3]}


def test_parses_every_kind_with_string_ids_and_line_numbers(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "set.jsonl",
        {"kind": "faq", "text": "can I pay by card", "accept": [1, "7"]},
        "",  # blank lines are skipped but still counted for line numbers
        {"kind": "oos", "text": "what is the weather", "accept": []},
        {"kind": "smalltalk", "text": "hello there", "accept": []},
        {
            "kind": "dialogue",
            "turns": [
                {"text": "do you ship abroad", "accept": [2]},
                {"text": "how long does it take", "accept": []},
            ],
        },
    )
    items = load_eval_set(str(path))

    assert [item.kind for item in items] == [
        ItemKind.FAQ,
        ItemKind.OOS,
        ItemKind.SMALLTALK,
        ItemKind.DIALOGUE,
    ]
    assert [item.line for item in items] == [1, 3, 4, 5]
    first = items[0]
    assert isinstance(first, EvalItem)
    assert first.text == "can I pay by card"
    assert first.accept == ("1", "7")
    dialogue = items[3]
    assert [turn.text for turn in dialogue.turns] == [
        "do you ship abroad",
        "how long does it take",
    ]
    assert [turn.accept for turn in dialogue.turns] == [("2",), ()]


def test_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(EvaluationError, match="does not exist") as info:
        load_eval_set(missing)
    assert str(missing) in info.value.message


def test_directory_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(EvaluationError, match="is a directory"):
        load_eval_set(tmp_path)


def test_empty_set_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match="no items"):
        load_eval_set(path)


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_bytes(b'{"kind": "faq", "text": "caf\xe9", "accept": [1]}\n')
    with pytest.raises(EvaluationError, match="Cannot read"):
        load_eval_set(path)


def test_bad_json_names_file_and_line(tmp_path: Path) -> None:
    message = load_error(tmp_path, FAQ, '{"kind": "faq", "text": ')
    assert str(tmp_path / "set.jsonl") in message
    assert "line 2" in message
    assert "not valid JSON" in message


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ([1, 2], "expected a JSON object, got list"),
        ({"text": "hi", "accept": []}, "missing 'kind'"),
        ({"kind": "question", "text": "hi", "accept": []}, "unknown kind 'question'"),
        ({"kind": ["faq"], "text": "hi", "accept": [1]}, "unknown kind ['faq']"),
        ({"kind": "faq", "accept": [1]}, "missing 'text'"),
        ({"kind": "faq", "text": 5, "accept": [1]}, "'text' must be a string, got int"),
        ({"kind": "oos", "text": "hi"}, "missing 'accept'"),
        ({"kind": "faq", "text": "hi", "accept": 3}, "'accept' must be a list"),
        ({"kind": "faq", "text": "hi", "accept": "3"}, "'accept' must be a list"),
        ({"kind": "faq", "text": "hi", "accept": [True]}, "'accept' holds True"),
        ({"kind": "faq", "text": "hi", "accept": [1.5]}, "'accept' holds 1.5"),
        ({"kind": "faq", "text": "hi", "accept": []}, "needs at least one id"),
        ({"kind": "dialogue"}, "needs 'turns'"),
        ({"kind": "dialogue", "turns": []}, "needs 'turns'"),
        ({"kind": "dialogue", "turns": "hi"}, "needs 'turns'"),
        ({"kind": "dialogue", "turns": ["hi"]}, "turn 0 is not a JSON object"),
    ],
)
def test_bad_lines(tmp_path: Path, line: object, problem: str) -> None:
    message = load_error(tmp_path, FAQ, line)
    assert "line 2" in message
    assert problem in message


def test_bad_dialogue_turn_names_the_turn(tmp_path: Path) -> None:
    dialogue = {
        "kind": "dialogue",
        "turns": [{"text": "hi", "accept": []}, {"text": "and then?"}],
    }
    message = load_error(tmp_path, dialogue)
    assert "line 1" in message
    assert "turn 1: missing 'accept'" in message


def test_dev_set_parses(dev_set: Path) -> None:
    if not dev_set.is_file():
        pytest.skip(f"no dev set at {dev_set}")
    items = load_eval_set(dev_set)
    kinds = {item.kind for item in items}
    assert kinds == set(ItemKind)
    assert all(item.accept for item in items if item.kind is ItemKind.FAQ)
