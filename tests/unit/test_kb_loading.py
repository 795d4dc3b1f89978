"""Loading and saving knowledge-base files; every bad input names file, place and problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frontdesk.core.knowledge.loading import load_kb, save_kb
from frontdesk.core.knowledge.model import Entry, KnowledgeBase
from frontdesk.errors import KnowledgeBaseError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(KnowledgeBaseError) as info:
        load_kb(path)
    message = info.value.message
    assert str(path) in message, message
    return message


# ------------------------------------------------------------------------ good files


def test_kaggle_faq_loads_with_positional_ids(kaggle_faq: Path) -> None:
    kb = load_kb(kaggle_faq)
    assert len(kb) == 79
    assert [e.id for e in kb][:3] == ["0", "1", "2"]
    assert kb.get("32").question == "Can I return a product without a receipt?"
    assert kb.source == str(kaggle_faq)


def test_plain_json_list_with_optional_fields(tmp_path: Path) -> None:
    data = [
        {"question": "Q1?", "answer": "A1."},
        {"id": 7, "question": "Q2?", "answer": "A2.", "category": "c", "alt_questions": ["q2"]},
    ]
    kb = load_kb(write(tmp_path / "kb.json", json.dumps(data)))
    assert [e.id for e in kb] == ["0", "7"]
    assert kb.get("7") == Entry("7", "Q2?", "A2.", "c", ("q2",))


def test_csv_with_optional_columns_and_quoting(tmp_path: Path) -> None:
    text = (
        "\ufeffQuestion,Answer,id,category,alt_questions\n"
        'How long is delivery?,"3-5 days, usually.",ship,shipping,delivery time|when will it come\n'
        "\n"
        'Returns?,"30 days.\nKeep the receipt.",,returns,\n'
    )
    kb = load_kb(write(tmp_path / "kb.csv", text))
    assert [e.id for e in kb] == ["ship", "1"]
    assert kb.get("ship").alt_questions == ("delivery time", "when will it come")
    assert kb.get("ship").answer == "3-5 days, usually."
    assert kb.get("1").answer == "30 days.\nKeep the receipt."
    assert kb.get("1").category == "returns"


def test_csv_minimal_header_gives_row_positions(tmp_path: Path) -> None:
    kb = load_kb(write(tmp_path / "kb.csv", "question,answer\na?,b\nc?,d\n"))
    assert [(e.id, e.question, e.answer) for e in kb] == [("0", "a?", "b"), ("1", "c?", "d")]


def test_jsonl_with_blank_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "question": "Q?", "answer": "A", "alt_questions": ["q"]}),
        "",
        json.dumps({"question": "R?", "answer": "B", "category": "x"}),
    ]
    kb = load_kb(write(tmp_path / "kb.jsonl", "\n".join(lines) + "\n"))
    assert [e.id for e in kb] == ["a", "1"]
    assert kb.get("a").alt_questions == ("q",)


def test_json_lines_in_a_json_file_and_unknown_extensions(tmp_path: Path) -> None:
    lines = '{"question": "Q?", "answer": "A"}\n{"question": "R?", "answer": "B"}\n'
    assert len(load_kb(write(tmp_path / "kb.json", lines))) == 2
    assert len(load_kb(write(tmp_path / "kb.txt", lines))) == 2
    assert len(load_kb(write(tmp_path / "faq.data", "question,answer\nq?,a\n"))) == 1
    assert len(load_kb(write(tmp_path / "list.txt", '[{"question": "q", "answer": "a"}]'))) == 1


def test_text_is_kept_as_written(tmp_path: Path) -> None:
    # Cleaning, not loading, fixes whitespace, so the report can say what changed.
    kb = load_kb(write(tmp_path / "kb.jsonl", '{"question": " Q?  ", "answer": "A "}\n'))
    assert kb.get("0").question == " Q?  "


# ------------------------------------------------------------------------- bad files


def test_missing_file(tmp_path: Path) -> None:
    assert "does not exist" in load_error(tmp_path / "nope.json")


def test_directory(tmp_path: Path) -> None:
    assert "is a directory" in load_error(tmp_path)


def test_not_utf8_names_byte_offset_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("question,answer\nCafé?,yes\n".encode("latin-1"))
    message = load_error(path)
    assert "not UTF-8" in message
    assert "offset 19" in message and "line 2" in message
    assert "0xE9" in message


def test_not_utf8_offset_counts_the_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfquestion,answer\nq?,\xff\n")
    assert "offset 22 (line 2)" in load_error(path)


def test_jsonl_strings_may_hold_unicode_line_separators(tmp_path: Path) -> None:
    line = json.dumps({"question": "q?", "answer": "one\u2028two"}, ensure_ascii=False)
    assert load_kb(write(tmp_path / "kb.jsonl", line)).get("0").answer == "one\u2028two"


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "kb.json", '{"questions": [\n  {"question": "a", "answer": "b",}\n]}')
    message = load_error(path)
    assert "not valid JSON" in message
    assert "line 2, column 35" in message


def test_json_of_the_wrong_shape(tmp_path: Path) -> None:
    message = load_error(write(tmp_path / "kb.json", '{"faq": []}'))
    assert "wrong shape" in message and "faq" in message


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"question": "q"}, '"answer" is missing'),
        ({"question": "q", "answer": "   "}, '"answer" is empty'),
        ({"question": "", "answer": "a"}, '"question" is empty'),
        ({"question": 5, "answer": "a"}, '"question" is a number'),
        ({"question": "q", "answer": ["a"]}, '"answer" is a list'),
        ({"question": "q", "answer": "a", "category": 3}, '"category" is a number'),
        ({"question": "q", "answer": "a", "alt_questions": "x"}, '"alt_questions" must be'),
        ({"question": "q", "answer": "a", "id": True}, '"id" is a boolean'),
        ("just text", "is a string, expected an object"),
    ],
)
def test_bad_json_entry_names_its_index(tmp_path: Path, entry: object, problem: str) -> None:
    data = {"questions": [{"question": "fine", "answer": "fine"}, entry]}
    message = load_error(write(tmp_path / "kb.json", json.dumps(data)))
    assert f"entry 1: {problem}" in message


def test_jsonl_problems_name_lines_and_all_are_reported(tmp_path: Path) -> None:
    lines = [
        '{"id": "a", "question": "q", "answer": "a"}',
        '{"id": "b", "question": "q", "answer": ""}',
        "{not json",
        '{"id": "a", "question": "q2", "answer": "a2"}',
    ]
    message = load_error(write(tmp_path / "kb.jsonl", "\n".join(lines)))
    assert "3 problems" in message
    assert 'line 2: "answer" is empty' in message
    assert "line 3: not valid JSON" in message
    assert "line 4: id 'a' is already used by line 1" in message
    assert "nothing was loaded" in message


def test_duplicate_ids_in_json(tmp_path: Path) -> None:
    data = [{"question": "q", "answer": "a"}, {"id": "0", "question": "r", "answer": "b"}]
    message = load_error(write(tmp_path / "kb.json", json.dumps(data)))
    assert "entry 1: id '0' is already used by entry 0" in message


def test_csv_missing_header_column(tmp_path: Path) -> None:
    message = load_error(write(tmp_path / "kb.csv", "question,reply\nq?,a\n"))
    assert "line 1" in message and "answer" in message and "found: question, reply" in message


def test_csv_unterminated_quote(tmp_path: Path) -> None:
    message = load_error(write(tmp_path / "kb.csv", 'question,answer\nq?,"never closed\n'))
    assert "not valid CSV at line" in message


def test_csv_row_problems_name_lines(tmp_path: Path) -> None:
    text = "question,answer\nq1?,a1\nq2?,a2,extra\nq3?\nq4?, \n"
    message = load_error(write(tmp_path / "kb.csv", text))
    assert "line 3: 3 fields but the header has 2" in message
    assert "line 4: 1 field(s) but the header has 2; answer missing" in message
    assert 'line 5: "answer" is empty' in message


def test_empty_files(tmp_path: Path) -> None:
    assert "empty" in load_error(write(tmp_path / "kb.csv", ""))
    assert "empty" in load_error(write(tmp_path / "kb.json", " \n"))
    assert "no entries" in load_error(write(tmp_path / "kb.json", "[]"))
    assert "Cannot tell the format" in load_error(write(tmp_path / "kb.txt", "hello"))


# ---------------------------------------------------------------------------- saving


def sample_kb() -> KnowledgeBase:
    return KnowledgeBase.of(
        [
            Entry("a", "Where is my order?", 'Track it, "quoted", ok.', "orders", ("track",)),
            Entry("b", "Returns?", "30 days.\nKeep the receipt.", "", ()),
        ]
    )


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".json"])
def test_save_and_load_round_trip(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"out{suffix}"
    save_kb(sample_kb(), path)
    assert load_kb(path).entries == sample_kb().entries


def test_json_uses_kaggle_layout_only_for_positional_ids(tmp_path: Path) -> None:
    positional = KnowledgeBase.of([Entry("0", "q", "a"), Entry("1", "r", "b")])
    save_kb(positional, tmp_path / "kaggle.json")
    assert json.loads((tmp_path / "kaggle.json").read_text()) == {
        "questions": [{"question": "q", "answer": "a"}, {"question": "r", "answer": "b"}]
    }
    save_kb(sample_kb(), tmp_path / "ids.json")
    assert isinstance(json.loads((tmp_path / "ids.json").read_text()), list)


def test_save_refuses_what_it_cannot_write(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="extension"):
        save_kb(sample_kb(), tmp_path / "kb.txt")
    piped = KnowledgeBase.of([Entry("0", "q", "a", "", ("this | that",))])
    with pytest.raises(KnowledgeBaseError, match=r"write \.jsonl instead"):
        save_kb(piped, tmp_path / "kb.csv")
    assert not (tmp_path / "kb.csv").exists()
