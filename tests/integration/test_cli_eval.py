"""`frontdesk eval` end to end with a fake assistant, plus the runner's conversation rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pytest
import typer
from typer.testing import CliRunner

from frontdesk.core.conversation import Conversation, Reply, ReplyKind, Source
from frontdesk.errors import EvaluationError, InputError, KnowledgeBaseError
from frontdesk.evaluation.datasets import load_eval_set
from frontdesk.evaluation.runner import RECORD_KEYS, run_eval
from frontdesk.interfaces.cli import eval_cmd


class FakeAssistant:
    """Answers from a fixed table; "and to Canada?" only makes sense after a shipping question."""

    REPLIES: ClassVar[dict[str, Reply]] = {
        "how much is shipping": Reply(ReplyKind.ANSWER, "5 EUR", ("10",), 0.9),
        "can I return it": Reply(ReplyKind.CLARIFY, "Which one?", ("20", "21"), 0.4),
        "hello": Reply(ReplyKind.SMALLTALK, "Hi!", (), 1.0),
        "boom": Reply(ReplyKind.ANSWER, "unused", ("1",), 1.0),
    }

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []  # (conversation id, text)
        self.conversations = 0

    def new_conversation(self) -> Conversation:
        self.conversations += 1
        return Conversation()

    def respond(self, conversation: Conversation, text: str) -> Reply:
        self.calls.append((conversation.id, text))
        if text == "boom":
            raise InputError("message rejected")
        earlier = [e.text for e in conversation.events if e.source is Source.CUSTOMER]
        conversation.add_customer(text)
        if text == "and to Canada?":
            follows_up = "how much is shipping" in earlier
            reply = (
                Reply(ReplyKind.ANSWER, "12 EUR", ("11",), 0.8)
                if follows_up
                else Reply(ReplyKind.ABSTAIN, "Sorry?", (), 0.1)
            )
        else:
            reply = self.REPLIES.get(text, Reply(ReplyKind.ABSTAIN, "I don't know.", (), 0.2))
        conversation.add_bot(reply)
        return reply


SET = [
    {"kind": "faq", "text": "how much is shipping", "accept": [10]},
    {"kind": "faq", "text": "can I return it", "accept": [21]},
    {"kind": "oos", "text": "who won the match", "accept": []},
    {"kind": "smalltalk", "text": "hello", "accept": []},
    {
        "kind": "dialogue",
        "turns": [
            {"text": "how much is shipping", "accept": [10]},
            {"text": "and to Canada?", "accept": [11]},
            {"text": "who won the match", "accept": []},
        ],
    },
]


@pytest.fixture
def eval_set(tmp_path: Path) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in SET), encoding="utf-8")
    return path


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """Replace the composition root; records the arguments the command passed."""
    seen: dict[str, object] = {}

    def build(
        kb_path: Path | None = None,
        *,
        retriever: str | None = None,
        trained_model: Path | None = None,
    ) -> FakeAssistant:
        seen.update(kb_path=kb_path, retriever=retriever, trained_model=trained_model)
        assistant = FakeAssistant()
        seen["assistant"] = assistant
        return assistant

    monkeypatch.setattr(eval_cmd, "build_assistant", build)
    return seen


def cli() -> typer.Typer:
    app = typer.Typer()

    # A callback keeps Typer in group mode, so the command is invoked as `eval`.
    @app.callback()
    def root() -> None:
        pass

    eval_cmd.register(app)
    return app


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli(), ["eval", *args])
    return result.exit_code, result.stdout, result.stderr


def test_writes_predictions_and_prints_metrics(
    eval_set: Path, tmp_path: Path, fake: dict[str, object]
) -> None:
    out = tmp_path / "out" / "predictions.jsonl"
    kb = tmp_path / "kb.jsonl"
    code, stdout, stderr = invoke(
        "--kb", str(kb), "--set", str(eval_set), "--predictions", str(out)
    )

    assert code == 0, stderr
    assert fake["kb_path"] == kb
    assert fake["retriever"] is None
    for label in ("answer accuracy", "wrong answer rate", "dialogue turn accuracy", "p95"):
        assert label in stdout
    assert "5 items, 7 turns" in stdout

    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert all(tuple(row) == RECORD_KEYS for row in rows)
    assert [(r["item"], r["turn"], r["kind"], r["source_ids"]) for r in rows] == [
        (0, 0, "answer", ["10"]),
        (1, 0, "clarify", ["20", "21"]),
        (2, 0, "abstain", []),
        (3, 0, "smalltalk", []),
        (4, 0, "answer", ["10"]),
        (4, 1, "answer", ["11"]),  # only right because the turns share a conversation
        (4, 2, "abstain", []),
    ]
    assert rows[0]["confidence"] == 0.9
    assert all(isinstance(r["latency_ms"], float) and r["latency_ms"] >= 0 for r in rows)


def test_json_output(eval_set: Path, fake: dict[str, object]) -> None:
    code, stdout, stderr = invoke("--set", str(eval_set), "--json", "--retriever", "tfidf")

    assert code == 0, stderr
    assert fake["retriever"] == "tfidf"
    metrics = json.loads(stdout)
    assert metrics["faq"] == 2
    assert metrics["answer_accuracy"] == 0.5
    assert metrics["clarify_rate"] == 0.5
    assert metrics["clarify_hit_rate"] == 1.0
    assert metrics["abstention_oos"] == 1.0
    assert metrics["wrong_answer_rate"] == 0.0
    assert metrics["smalltalk_handled"] == 1.0
    assert metrics["dialogue_turn_accuracy"] == 1.0
    assert metrics["latency_p95_ms"] is not None


def test_kb_defaults_to_the_configured_kb(
    eval_set: Path, fake: dict[str, object], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FRONTDESK_KB_PATH", str(tmp_path / "shop.jsonl"))
    code, _, stderr = invoke("--set", str(eval_set), "--json")

    assert code == 0, stderr
    assert fake["kb_path"] == tmp_path / "shop.jsonl"


def test_show_errors_lists_failures(eval_set: Path, fake: dict[str, object]) -> None:
    code, stdout, stderr = invoke("--set", str(eval_set), "--show-errors", "5")

    assert code == 0, stderr
    assert "Failures (1 of 1)" in stdout
    assert "can I return it" in stdout
    assert "clarify 20, 21" in stdout


def test_show_errors_with_json_keeps_stdout_parseable(
    eval_set: Path, fake: dict[str, object]
) -> None:
    code, stdout, stderr = invoke("--set", str(eval_set), "--json", "--show-errors", "5")

    assert code == 0, stderr
    json.loads(stdout)
    assert "can I return it" in stderr


def test_bad_set_exits_2_with_the_line(tmp_path: Path, fake: dict[str, object]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"kind": "faq", "text": "hi", "accept": 3}\n', encoding="utf-8")
    code, stdout, stderr = invoke("--set", str(bad))

    assert code == 2
    assert stderr.startswith("error: ")
    assert "line 1" in stderr and "'accept' must be a list" in stderr
    assert "assistant" not in fake  # failed before the assistant was built
    assert stdout == ""


def test_missing_set_file_exits_2(tmp_path: Path, fake: dict[str, object]) -> None:
    code, _, stderr = invoke("--set", str(tmp_path / "none.jsonl"))

    assert code == 2
    assert "error: " in stderr and "does not exist" in stderr


def test_assistant_build_error_exits_2(eval_set: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(kb_path: Path | None = None, **_: object) -> FakeAssistant:
        raise KnowledgeBaseError(f"Knowledge base {kb_path} not found.")

    monkeypatch.setattr(eval_cmd, "build_assistant", broken)
    code, _, stderr = invoke("--set", str(eval_set), "--kb", "/nowhere/kb.jsonl")

    assert code == 2
    assert "error: Knowledge base /nowhere/kb.jsonl not found." in stderr
    assert "Traceback" not in stderr


def test_set_is_required() -> None:
    code, _, stderr = invoke()

    assert code == 2
    assert "--set" in stderr


def test_unknown_retriever_is_refused(eval_set: Path, fake: dict[str, object]) -> None:
    code, _, _ = invoke("--set", str(eval_set), "--retriever", "bm25")

    assert code == 2
    assert "assistant" not in fake


# The runner directly: conversation boundaries, warm-up and error context.


def test_runner_conversations_and_warmup(eval_set: Path) -> None:
    assistant = FakeAssistant()
    run = run_eval(assistant, load_eval_set(eval_set), warmup=3)

    assert run.warmup_calls == 3
    assert len(run.predictions) == 7
    assert len(assistant.calls) == 3 + 7  # warm-up calls happen but are not recorded
    recorded = assistant.calls[3:]
    single_ids = [cid for cid, _ in recorded[:4]]
    dialogue_ids = {cid for cid, _ in recorded[4:]}
    assert len(set(single_ids)) == 4  # a fresh conversation per single item
    assert len(dialogue_ids) == 1  # one conversation for the whole dialogue
    assert dialogue_ids.isdisjoint(single_ids)
    assert [p.turn for p in run.predictions] == [0, 0, 0, 0, 0, 1, 2]


def test_runner_warmup_cycles_short_sets_and_can_be_off(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(SET[0]) + "\n", encoding="utf-8")
    items = load_eval_set(path)

    assistant = FakeAssistant()
    assert run_eval(assistant, items, warmup=4).warmup_calls == 4
    assert len(assistant.calls) == 5

    assistant = FakeAssistant()
    assert run_eval(assistant, items, warmup=0).warmup_calls == 0
    assert len(assistant.calls) == 1
    with pytest.raises(ValueError):
        run_eval(assistant, items, warmup=-1)


def test_runner_reports_progress(eval_set: Path) -> None:
    seen: list[tuple[int, int]] = []
    run_eval(FakeAssistant(), load_eval_set(eval_set), on_progress=lambda d, t: seen.append((d, t)))

    assert seen == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]


def test_runner_names_the_line_an_assistant_error_came_from(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    lines = [SET[0], {"kind": "faq", "text": "boom", "accept": [1]}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")

    with pytest.raises(EvaluationError, match=r"item 1 \(line 2\): message rejected"):
        run_eval(FakeAssistant(), load_eval_set(path), warmup=0)
