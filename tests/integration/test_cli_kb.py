"""`frontdesk kb clean|export|stats` through Typer, plus one run of the installed command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frontdesk.core.knowledge.loading import load_kb
from frontdesk.interfaces.cli import kb_cmds

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()

DIRTY = [
    {"id": "ship", "question": "How long does  shipping take?", "answer": "<p>3&ndash;5 days</p>"},
    {"id": "ship2", "question": "how long does shipping take", "answer": "3–5 days"},
    {"id": "gone", "question": "Anything else?", "answer": "<br/>"},
    {"id": "pay", "question": "Which cards do you take?", "answer": "Visa."},
]


@pytest.fixture
def dirty_jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "dirty.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in DIRTY), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- clean


def test_clean_writes_output_and_reports_changes(dirty_jsonl: Path, tmp_path: Path) -> None:
    out, report = tmp_path / "clean.csv", tmp_path / "report.json"
    result = runner.invoke(
        kb_cmds.app,
        ["clean", str(dirty_jsonl), "-o", str(out), "--no-model", "--report", str(report)],
    )
    assert result.exit_code == 0, result.output
    assert [e.id for e in load_kb(out)] == ["ship", "pay"]
    assert "Changes (" in result.stdout
    assert "merged → ship" in result.stdout and "dropped_empty" in result.stdout
    assert "--no-model" in result.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["entries_in"] == 4 and data["entries_out"] == 2
    assert {c["entry_id"] for c in data["changes"]} >= {"ship", "ship2", "gone"}


def test_clean_kaggle_flags_duplicates_and_conflict(kaggle_faq: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        kb_cmds.app, ["clean", str(kaggle_faq), "-o", str(tmp_path / "k.jsonl"), "--no-model"]
    )
    assert result.exit_code == 0, result.output
    for ids in ("43, 67, 73", "40, 70", "58, 77", "32 vs 60"):
        assert ids in result.stdout
    assert "lexical similarity" in result.stdout


def test_clean_without_a_model_says_so(
    dirty_jsonl: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTDESK_MODEL_DIR", str(tmp_path / "no-model-here"))
    result = runner.invoke(
        kb_cmds.app, ["clean", str(dirty_jsonl), "-o", str(tmp_path / "o.jsonl")]
    )
    assert result.exit_code == 0, result.output
    assert "no embedding model" in result.stderr
    assert "lexical similarity" in result.stdout


def test_clean_bad_input_fails_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("question,answer\nq?,\n", encoding="utf-8")
    result = runner.invoke(kb_cmds.app, ["clean", str(bad), "-o", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert str(bad) in result.stderr and "line 2" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "o.jsonl").exists()


def test_clean_refuses_an_unknown_output_format_first(dirty_jsonl: Path, tmp_path: Path) -> None:
    result = runner.invoke(kb_cmds.app, ["clean", str(dirty_jsonl), "-o", str(tmp_path / "o.xlsx")])
    assert result.exit_code == 2
    assert "o.xlsx" in result.stderr and ".jsonl" in result.stderr


# ---------------------------------------------------------------------------- export


def read_chat_records(path: Path) -> list[list[dict[str, str]]]:
    conversations = []
    for line in path.read_text(encoding="utf-8").splitlines():
        messages = json.loads(line)["messages"]
        assert [m["role"] for m in messages] == ["system", "user", "assistant"]
        assert all(m["content"].strip() for m in messages)
        conversations.append(messages)
    return conversations


def test_export_openai_chat(kaggle_faq: Path, tmp_path: Path) -> None:
    out = tmp_path / "train.jsonl"
    args = ["export", "--format", "openai-chat", str(out), "--kb", str(kaggle_faq)]
    result = runner.invoke(kb_cmds.app, [*args, "--system", "Be kind."])
    assert result.exit_code == 0, result.output
    assert "wrote 79 openai-chat records" in result.stdout
    conversations = read_chat_records(out)
    assert len(conversations) == 79
    assert conversations[0][0]["content"] == "Be kind."


def test_export_uses_the_configured_kb_by_default(
    dirty_jsonl: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTDESK_KB_PATH", str(dirty_jsonl))
    out = tmp_path / "train.jsonl"
    result = runner.invoke(kb_cmds.app, ["export", str(out)])
    assert result.exit_code == 0, result.output
    assert len(read_chat_records(out)) == len(DIRTY)
    assert "at least 10 examples" in result.stderr


def test_export_missing_kb_fails_with_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    result = runner.invoke(kb_cmds.app, ["export", str(tmp_path / "o.jsonl"), "--kb", str(missing)])
    assert result.exit_code == 2
    assert "error:" in result.stderr and str(missing) in result.stderr


# ----------------------------------------------------------------------------- stats


class FakeAssistant:
    def describe(self) -> dict[str, object]:
        return {"retriever": "fake retriever", "answer_threshold": 0.4567, "entries": 79}


def test_stats_prints_tables_and_the_assistant(
    kaggle_faq: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[Path | None] = []

    def build_assistant(kb_path: Path | None = None) -> FakeAssistant:
        built.append(kb_path)
        return FakeAssistant()

    fake = types.ModuleType("frontdesk.bootstrap")
    fake.build_assistant = build_assistant  # type: ignore[attr-defined]
    fake.default_kb_path = lambda settings=None: kaggle_faq  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "frontdesk.bootstrap", fake)
    result = runner.invoke(kb_cmds.app, ["stats"])
    assert result.exit_code == 0, result.output
    assert built == [kaggle_faq]
    for text in ("entries", "79", "question words", "Categories", "(none)"):
        assert text in result.stdout
    assert "fake retriever" in result.stdout and "0.457" in result.stdout


def test_stats_with_the_real_assistant(
    kaggle_faq: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fresh home: no model there, so the assistant runs on its TF-IDF fallback.
    monkeypatch.setenv("FRONTDESK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FRONTDESK_RETRIEVER", "tfidf")
    result = runner.invoke(kb_cmds.app, ["stats", "--kb", str(kaggle_faq)])
    if isinstance(result.exception, NotImplementedError):
        pytest.skip("build_assistant is not written yet")
    assert result.exit_code == 0, result.output
    assert "Assistant" in result.stdout and "retriever" in result.stdout


def test_stats_bad_kb_fails_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "kb.json"
    bad.write_text("{oops", encoding="utf-8")
    result = runner.invoke(kb_cmds.app, ["stats", "--kb", str(bad)])
    assert result.exit_code == 2
    assert "not valid JSON" in result.stderr and "line 1" in result.stderr


# ----------------------------------------------------------- the installed command


def test_installed_command_cleans_the_kaggle_faq(kaggle_faq: Path, tmp_path: Path) -> None:
    command = REPO / ".venv" / "bin" / "frontdesk"
    if not command.is_file():
        pytest.skip(f"{command} not installed; run `make setup`")
    out, report = tmp_path / "clean.jsonl", tmp_path / "report.json"
    done = subprocess.run(
        [str(command), "kb", "clean", str(kaggle_faq), "-o", str(out), "--report", str(report)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "160"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "32 vs 60" in done.stdout
    assert len(load_kb(out)) == 79
    data = json.loads(report.read_text(encoding="utf-8"))
    assert ["32", "60"] in [c["ids"] for c in data["conflicts"]]
    groups = [set(g["ids"]) for g in data["near_duplicate_groups"]]
    assert any({"43", "67", "73"} <= group for group in groups)
