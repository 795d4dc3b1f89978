"""`frontdesk feedback export` end to end: conversations, cases and the agents' feedback
stored through the real stores in a SQLite file, the command run, and its files read
back by the loaders that use them (`frontdesk train`'s inputs, the KB loader, the
escalation detector's examples)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.escalation_store import SqlCaseStore
from frontdesk.adapters.storage.migrate import upgrade
from frontdesk.adapters.storage.store import SqlConversationStore
from frontdesk.adapters.training.examples import load_utterances
from frontdesk.adapters.training.pipeline import TrainRequest, read_inputs
from frontdesk.core.conversation import (
    ConversationInfo,
    Customer,
    Event,
    EventKind,
    Mode,
    Reply,
    ReplyKind,
    Source,
    reply_id,
)
from frontdesk.core.escalation.asking import load_examples
from frontdesk.core.escalation.model import (
    Case,
    CaseStatus,
    Feedback,
    Trigger,
    TriggerKind,
    Verdict,
)
from frontdesk.core.knowledge.loading import load_kb
from frontdesk.interfaces.cli.app import app
from frontdesk.interfaces.cli.common import USER_ERROR_EXIT
from tests.integration.test_escalation_report_cli import environment

runner = CliRunner()
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC).timestamp()
KB = [
    {
        "id": "returns-window",
        "question": "How long do I have to return an item?",
        "answer": "30 days.",
    },
    {"id": "refund-time", "question": "How long do refunds take?", "answer": "3 to 5 days."},
    {
        "id": "orders-track",
        "question": "How do I track my order?",
        "answer": "Use the link in your shipping email.",
        "intent": "track_order",
    },
    {"id": "shipping-cost", "question": "How much is shipping?", "answer": "£4, free over £50."},
]


@dataclass
class Seeder:
    """Writes conversations the way the chat does: messages, replies that point at
    them, and a hand-over (mode change and handover reply) with its case."""

    conversations: SqlConversationStore
    cases: SqlCaseStore
    clock: float = T0
    made: dict[str, Case] = field(default_factory=dict)

    def tick(self) -> float:
        self.clock += 60
        return self.clock

    def start(self, conversation_id: str, customer: str | None = None) -> str:
        who = None if customer is None else Customer(customer, "Alex", "alex@example.com")
        info = ConversationInfo(conversation_id, "0" * 64, Mode.BOT, self.tick(), 0, who)
        self.conversations.create(info)
        return conversation_id

    def say(self, conversation_id: str, text: str) -> Event:
        event = Event(Source.CUSTOMER, text, self.tick())
        return self.conversations.append(conversation_id, event).event

    def answer(self, conversation_id: str, to: Event, kind: ReplyKind, *sources: str) -> Event:
        reply = Reply(kind, f"answer from {sources or 'nothing'}", source_ids=sources)
        event = Event(
            Source.BOT,
            reply.text,
            self.tick(),
            reply=reply,
            client_message_id=reply_id(to.seq),
            reply_to=to.seq,
        )
        return self.conversations.append(conversation_id, event).event

    def hand_over(self, conversation_id: str, to: Event, kind: TriggerKind) -> Case:
        now = self.tick()
        mode = Event(
            Source.SYSTEM, "Waiting", now, kind=EventKind.MODE, mode=Mode.QUEUED, reply_to=to.seq
        )
        self.conversations.append(conversation_id, mode)
        handover = Reply(ReplyKind.HANDOVER, "Passing you to the team.")
        said = Event(
            Source.BOT,
            handover.text,
            now,
            handover,
            client_message_id=reply_id(to.seq),
            reply_to=to.seq,
        )
        self.conversations.append(conversation_id, said)
        info = self.conversations.get(conversation_id)
        customer = None if info is None or info.customer is None else info.customer.id
        case = Case(
            f"esc_{conversation_id}",
            conversation_id,
            "support",
            Trigger(kind, "why"),
            "faq:x",
            "x",
            CaseStatus.QUEUED,
            now,
            customer,
        )
        self.made[conversation_id] = self.cases.open(case)
        return case

    def feedback(
        self,
        conversation_id: str,
        verdict: Verdict,
        seq: int | None = None,
        right: str | None = None,
        new_answer: str = "",
        at: float | None = None,
    ) -> None:
        case = self.made[conversation_id]
        self.cases.add_feedback(
            Feedback(
                case.id,
                conversation_id,
                "agt_sam",
                verdict,
                at or self.tick(),
                seq,
                right,
                new_answer,
            )
        )


def seed_feedback(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    cases = SqlCaseStore(engine)
    seeder = Seeder(SqlConversationStore(engine), cases)
    try:
        _seed(seeder)
    finally:
        cases.close()
        seeder.conversations.close()


def _seed(s: Seeder) -> None:
    # A: a wrong answer, and the right entry named on the reply.
    a = s.start("conv_a", "cus_a")
    money = s.say(a, "when will I get my money back")
    wrong = s.answer(a, money, ReplyKind.ANSWER, "returns-window")
    s.hand_over(a, s.say(a, "that's not what I asked"), TriggerKind.FAILING)
    s.feedback(a, Verdict.WRONG, wrong.seq, right="refund-time")
    s.feedback(a, Verdict.RIGHT, wrong.seq)  # nothing to learn
    # B: two wrong answers whose right entry stands for an account intent; escalated
    # too late; and a wrong answer that names no reply among two (skipped).
    b = s.start("conv_b", "cus_b")
    first = s.say(b, "where is my parcel")
    reply1 = s.answer(b, first, ReplyKind.ANSWER, "shipping-cost")
    second = s.say(b, "where's   my parcel??")
    reply2 = s.answer(b, second, ReplyKind.ANSWER, "shipping-cost")
    s.hand_over(b, s.say(b, "this is ridiculous"), TriggerKind.FRUSTRATED)
    s.feedback(b, Verdict.WRONG, reply1.seq, right="orders-track")
    s.feedback(b, Verdict.WRONG, second.seq, right="orders-track")  # names the message
    s.feedback(b, Verdict.LATE)
    s.feedback(b, Verdict.WRONG, right="orders-track")
    del reply2
    # C: a visitor; the assistant did not know, the agent wrote the answer; needless.
    c = s.start("conv_c")
    gift = s.say(c, "do you sell gift wrapping")
    dunno = s.answer(c, gift, ReplyKind.ABSTAIN)
    s.hand_over(c, s.say(c, "I'd like to speak to someone"), TriggerKind.ASKED)
    s.feedback(c, Verdict.WRONG, dunno.seq, new_answer="Yes: £3 at checkout.")
    s.feedback(c, Verdict.NEEDLESS)
    # Feedback from before --since: left out.
    old = datetime(2025, 12, 1, tzinfo=UTC).timestamp()
    s.feedback(c, Verdict.WRONG, gift.seq, right="shipping-cost", at=old)


@pytest.fixture
def kb_file(tmp_path: Path) -> Path:
    path = tmp_path / "kb.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in KB), encoding="utf-8")
    return path


@pytest.fixture
def seeded(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'frontdesk.db'}"
    seed_feedback(url)
    return url


def export(tmp_path: Path, url: str, *args: str) -> Result:
    return runner.invoke(
        app, ["feedback", "export", *args], env=environment(tmp_path, url), catch_exceptions=False
    )


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_export_writes_training_data_that_train_accepts(
    tmp_path: Path, seeded: str, kb_file: Path
) -> None:
    out = tmp_path / "export"
    result = export(tmp_path, seeded, "-o", str(out), "--since", "2026-01-01", "--kb", str(kb_file))
    assert result.exit_code == 0, result.output

    pairs = load_utterances(out / "training_pairs.csv")  # `frontdesk train`'s own loader
    assert [(p.text, p.label) for p in pairs] == [
        ("where is my parcel", "track_order"),
        ("where's my parcel??", "track_order"),
    ]
    merged = load_kb(out / "kb_with_feedback.jsonl")
    assert merged.get("refund-time").alt_questions == ("when will I get my money back",)
    assert merged.get("orders-track").alt_questions == ("where is my parcel", "where's my parcel??")
    assert merged.get("shipping-cost").alt_questions == ()  # the old feedback is left out
    # Everything `frontdesk train --kb … --intents …` checks before it trains.
    inputs = read_inputs(
        TrainRequest(
            out_dir=tmp_path / "model",
            kb_path=out / "kb_with_feedback.jsonl",
            intents_path=out / "training_pairs.csv",
        )
    )
    assert inputs.kb is not None and len(inputs.kb) == len(KB) and len(inputs.utterances) == 2

    additions = {a["id"]: a for a in lines(out / "kb_additions.jsonl")}
    assert additions["refund-time"]["question"] == "How long do refunds take?"
    assert additions["orders-track"]["alt_questions"] == [
        "where is my parcel",
        "where's my parcel??",
    ]
    assert additions["orders-track"]["cases"] == ["esc_conv_b"]


def test_export_writes_escalation_examples_and_kb_suggestions(
    tmp_path: Path, seeded: str, kb_file: Path
) -> None:
    out = tmp_path / "export"
    result = export(tmp_path, seeded, "-o", str(out), "--since", "2026-01-01", "--kb", str(kb_file))
    assert result.exit_code == 0, result.output

    # The detector's own loader: (text, should escalate).
    assert load_examples(out / "escalation_examples.csv") == [
        ("where's my parcel??", True),  # the message before "this is ridiculous"
        ("I'd like to speak to someone", False),  # the message that set it off
    ]
    suggestions = lines(out / "kb_suggestions.jsonl")
    assert suggestions[0] == {
        "kind": "new_answer",
        "question": "do you sell gift wrapping",
        "answer": "Yes: £3 at checkout.",
        "answered_with": [],
        "case_id": "esc_conv_c",
        "agent_id": "agt_sam",
        "at": suggestions[0]["at"],
    }
    wrong = [s for s in suggestions if s["kind"] == "wrong_entry"]
    assert [(w["entry_id"], w["wrong_count"], w["right_entries"]) for w in wrong] == [
        ("shipping-cost", 2, {"orders-track": 2}),
        ("returns-window", 1, {"refund-time": 1}),
    ]
    assert wrong[0]["question"] == "How much is shipping?"

    out_text = result.stdout
    for name, rows in (
        ("training_pairs.csv", "2"),
        ("kb_additions.jsonl", "3"),
        ("kb_with_feedback.jsonl", "4"),
        ("escalation_examples.csv", "2"),
        ("kb_suggestions.jsonl", "3"),
    ):
        row = next(line for line in out_text.splitlines() if name in line)
        assert f" {rows} " in row, row
    assert "8 piece(s) of feedback read" in out_text and "1 skipped" in out_text
    assert "not one answer to choose" in result.stderr


def test_without_since_everything_is_read(tmp_path: Path, seeded: str, kb_file: Path) -> None:
    out = tmp_path / "all"
    result = export(tmp_path, seeded, "-o", str(out), "--kb", str(kb_file))
    assert result.exit_code == 0, result.output
    merged = load_kb(out / "kb_with_feedback.jsonl")
    assert merged.get("shipping-cost").alt_questions == ("do you sell gift wrapping",)
    assert "9 piece(s) of feedback read" in result.stdout


def test_an_empty_database_writes_empty_files(tmp_path: Path, kb_file: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    out = tmp_path / "empty"
    result = export(tmp_path, url, "-o", str(out), "--kb", str(kb_file))
    assert result.exit_code == 0, result.output
    assert not (out / "training_pairs.csv").exists()  # a CSV with no rows is refused by train
    assert load_examples(out / "escalation_examples.csv") == []
    assert (out / "kb_suggestions.jsonl").read_text(encoding="utf-8") == ""
    assert "0 piece(s) of feedback read" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "01/01/2026"], "--since must be a date written YYYY-MM-DD"),
        (["--until", "2026-02-30"], "--until must be a date written YYYY-MM-DD"),
        (["--since", "2026-02-01", "--until", "2026-01-01"], "must be on or before"),
    ],
)
def test_bad_dates_are_clear_errors(
    tmp_path: Path, seeded: str, kb_file: Path, args: list[str], message: str
) -> None:
    result = export(tmp_path, seeded, "-o", str(tmp_path / "x"), "--kb", str(kb_file), *args)
    assert result.exit_code == USER_ERROR_EXIT
    assert message in result.stderr


def test_output_must_be_a_directory(tmp_path: Path, seeded: str, kb_file: Path) -> None:
    taken = tmp_path / "taken.txt"
    taken.write_text("mine", encoding="utf-8")
    result = export(tmp_path, seeded, "-o", str(taken), "--kb", str(kb_file))
    assert result.exit_code == USER_ERROR_EXIT
    assert "is a file" in result.stderr
    assert taken.read_text(encoding="utf-8") == "mine"
