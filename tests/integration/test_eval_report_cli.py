"""`frontdesk eval --report DIR` end to end: with a fake assistant on a tiny categorised
KB (exact figures, intents through a tiny intent model), and with the demo shop's real
assistant playing a tiny scripts file through the chat service (booking effort and
escalation precision/recall)."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from typer.testing import CliRunner

from frontdesk.core.conversation import Reply, ReplyKind
from frontdesk.core.engine import Assistant
from frontdesk.core.nlu.classifier import LabelClassifier
from frontdesk.core.nlu.intents import IntentDetector
from frontdesk.interfaces.cli import eval_cmd
from tests.integration.test_cli_eval import SET, FakeAssistant, cli

KB_LINES = [
    {"id": "10", "category": "shipping", "question": "How much is shipping?", "answer": "5 EUR."},
    {"id": "11", "category": "shipping", "question": "Do you ship to Canada?", "answer": "Yes."},
    {"id": "20", "category": "returns", "question": "How do I return it?", "answer": "Form."},
    {"id": "21", "category": "returns", "question": "Can I return a gift?", "answer": "Yes."},
]
# SET plus two lines the fake answers from the wrong entry: one in the right category.
EXTRA = [
    {"kind": "faq", "text": "shipping price to Canada", "accept": [11]},
    {"kind": "faq", "text": "do you ship to the moon", "accept": [11]},
]


class KeywordEmbedder:
    """A three-word "model" for a real IntentDetector: order, cancel (counted twice), person."""

    name = "keywords"

    def encode(self, text: str) -> tuple[np.ndarray, list[str], np.ndarray]:
        vector = np.array(
            [text.count("order"), 2 * text.count("cancel"), text.count("person")],
            dtype=np.float32,
        )
        vector += 1e-3  # nothing matched: equally far from every intent
        return vector / np.linalg.norm(vector), [], np.zeros((0, 3), dtype=np.float32)


INTENT_LABELS = ("track_order", "cancel_order", "contact_human_agent")


class ReportFake(FakeAssistant):
    REPLIES: ClassVar[dict[str, Reply]] = {
        **FakeAssistant.REPLIES,
        "shipping price to Canada": Reply(ReplyKind.ANSWER, "5 EUR", ("10",), 0.7),
        "do you ship to the moon": Reply(ReplyKind.ANSWER, "Form.", ("20",), 0.6),
    }

    def __init__(self, *, with_intents: bool = False) -> None:
        super().__init__()
        classifier = LabelClassifier(INTENT_LABELS, np.eye(3, dtype=np.float32), 10.0, 0.5)
        self.intents = IntentDetector(KeywordEmbedder(), classifier) if with_intents else None


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    kb = tmp_path / "kb.jsonl"
    kb.write_text("".join(json.dumps(e) + "\n" for e in KB_LINES), encoding="utf-8")
    eval_set = tmp_path / "set.jsonl"
    eval_set.write_text("".join(json.dumps(x) + "\n" for x in [*SET, *EXTRA]), encoding="utf-8")
    intents = tmp_path / "intents.csv"
    intents.write_text(
        "text,label\n"
        "where is my order,track_order\n"
        "cancel my order,cancel_order\n"
        "stop my order,cancel_order\n"
        "let me talk to a person,contact_human_agent\n"
        "hello there,oos\n",
        encoding="utf-8",
    )
    return {"kb": kb, "set": eval_set, "intents": intents, "out": tmp_path / "report"}


def use(monkeypatch: pytest.MonkeyPatch, assistant: object) -> dict[str, bool]:
    built = {"built": False}

    def build(kb_path: Path | None = None, **_: Any) -> object:
        built["built"] = True
        return assistant

    monkeypatch.setattr(eval_cmd, "build_assistant", build)
    return built


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli(), ["eval", *args])
    return result.exit_code, result.stdout, result.stderr


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_report_files_and_their_figures(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    use(monkeypatch, ReportFake(with_intents=True))
    code, stdout, stderr = invoke(
        "--kb", str(files["kb"]), "--set", str(files["set"]), "--report", str(files["out"]),
        "--conversations", "none", "--intents", str(files["intents"]),
    )  # fmt: skip

    assert code == 0, stderr
    out = files["out"]
    assert f"report written to {out}" in stdout.replace("\n", "")
    assert sorted(p.name for p in out.iterdir()) == [
        "latency.png",
        "outcomes.png",
        "report.json",
        "report.md",
    ]
    for chart in ("latency.png", "outcomes.png"):
        assert png_size(out / chart) == (600, 350)
        assert (out / chart).stat().st_size < 60_000

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    metrics = report["metrics"]
    # faq: shipping (right), return (clarified), Canada (10 for 11), moon (20 for 11)
    assert metrics["answer_accuracy"] == 0.25
    assert metrics["clarify_rate"] == 0.25
    assert metrics["wrong_answer_rate"] == 0.4  # 2 wrong answers over 4 faq + 1 oos
    assert metrics["dialogue_turn_accuracy"] == 1.0
    assert metrics["category_accuracy"] == round(2 / 3, 4)  # the moon went to returns
    assert metrics["intent_accuracy"] == 0.8  # "stop my order" read as track_order
    assert metrics["cost_per_1k_turns_usd"] == 0.0
    assert metrics["latency_p99_ms"] is not None
    assert metrics["escalation_recall"] is None  # scripts skipped
    assert set(report["directions"]) == set(metrics)

    entries = [(c["expected"], c["got"], c["count"]) for c in report["confusions"]["entries"]]
    assert entries == [("11", "10", 1), ("11", "20", 1)]
    assert report["confusions"]["entries"][0]["example"] == "line 6"
    assert report["confusions"]["entries"][1]["got_text"] == "How do I return it?"
    categories = [(c["expected"], c["got"]) for c in report["confusions"]["categories"]]
    assert categories == [("shipping", "returns")]
    intents = [(c["expected"], c["got"]) for c in report["confusions"]["intents"]]
    assert intents == [("cancel_order", "track_order")]
    assert report["conversation_length"]["dialogues"]["counts"] == {"3": 1}
    assert report["evaluated"]["kb"]["file"] == "kb.jsonl"
    assert report["evaluated"]["set"]["items"] == 7
    assert report["evaluated"]["intents"]["examples"] == 5
    assert str(files["kb"].parent) not in (out / "report.json").read_text(encoding="utf-8")

    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "Category accuracy: 66.7 %" in markdown
    assert "Intent accuracy: 80.0 %" in markdown
    assert "| 1 | `11` Do you ship to Canada? | `10` How much is shipping? | line 6 |" in markdown
    assert "Not measured: scripted conversations were skipped." in markdown


def test_json_output_stays_one_document_with_a_report(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    use(monkeypatch, ReportFake())
    code, stdout, stderr = invoke(
        "--kb", str(files["kb"]), "--set", str(files["set"]), "--report", str(files["out"]),
        "--conversations", "none", "--json",
    )  # fmt: skip

    assert code == 0, stderr
    assert json.loads(stdout)["answer_accuracy"] == 0.25
    assert "report written to" in stderr


def test_intents_need_a_model_that_reports_intents(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    use(monkeypatch, ReportFake())
    code, _, stderr = invoke(
        "--kb", str(files["kb"]), "--set", str(files["set"]), "--report", str(files["out"]),
        "--conversations", "none", "--intents", str(files["intents"]),
    )  # fmt: skip

    assert code == 2
    assert "the model reports no intents" in stderr and "frontdesk train" in stderr
    assert "--intents" in stderr
    assert not files["out"].exists()


def test_report_options_need_a_report(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    built = use(monkeypatch, ReportFake())
    code, _, stderr = invoke("--set", str(files["set"]), "--intents", str(files["intents"]))

    assert code == 2
    assert "add --report DIR" in stderr
    assert not built["built"]


def test_a_bad_scripts_file_fails_before_the_assistant_is_built(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    built = use(monkeypatch, ReportFake())
    scripts = tmp_path / "scripts.jsonl"
    scripts.write_text('{"name": "x", "kind": "booking", "moves": ["pick:1"]}\n', encoding="utf-8")
    code, stdout, stderr = invoke(
        "--set", str(files["set"]), "--report", str(files["out"]), "--conversations", str(scripts),
    )  # fmt: skip

    assert code == 2
    assert "scripts.jsonl, line 1: the first move must be say:TEXT" in stderr
    assert not built["built"]
    assert stdout == ""


def test_a_report_directory_that_is_a_file_is_refused(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    use(monkeypatch, ReportFake())
    files["out"].write_text("not a directory", encoding="utf-8")
    code, _, stderr = invoke(
        "--kb", str(files["kb"]), "--set", str(files["set"]), "--report", str(files["out"]),
        "--conversations", "none",
    )  # fmt: skip

    assert code == 2
    assert "it is a file" in stderr


DEMO_SET = [
    {"kind": "faq", "text": "how long does delivery take?", "accept": ["shipping-times"]},
    {"kind": "faq", "text": "do you take paypal?", "accept": ["payments-methods"]},
]
DEMO_SCRIPTS = [
    {
        "name": "video call, signed in",
        "kind": "booking",
        "customer": "cus_1001",
        "moves": ["say:I'd like to book a video consultation", "pick:1", "pick:Book it"],
        "expect": {"booked": True, "max_turns": 3},
    },
    {
        "name": "picks an option that is not offered",
        "kind": "booking",
        "moves": ["say:I'd like to book a video consultation", "pick:Teleport"],
        "expect": {"booked": True},
    },
    {
        "name": "asks for a person",
        "kind": "escalation",
        "moves": ["say:Can I talk to a real person please?"],
        "expect": {"escalated": True, "trigger": "asked_for_human"},
    },
    {
        "name": "chargeback",
        "kind": "escalation",
        "customer": None,
        "moves": ["say:I'm going to file a chargeback with my bank"],
        "expect": {"escalated": True, "trigger": "sensitive"},
    },
    {
        "name": "plain question",
        "kind": "escalation",
        "moves": ["say:how long does delivery take?"],
        "expect": {"escalated": False},
    },
    {
        "name": "a script that expects too much",
        "kind": "escalation",
        "moves": ["say:do you take paypal?"],
        "expect": {"escalated": True},
    },
]


def test_scripts_play_through_the_demo_shops_chat(
    demo_assistant: Assistant, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use(monkeypatch, demo_assistant)
    eval_set = tmp_path / "demo.jsonl"
    eval_set.write_text("".join(json.dumps(x) + "\n" for x in DEMO_SET), encoding="utf-8")
    scripts = tmp_path / "scripts.jsonl"
    scripts.write_text("".join(json.dumps(x) + "\n" for x in DEMO_SCRIPTS), encoding="utf-8")
    out = tmp_path / "report"
    code, stdout, stderr = invoke(
        "--set", str(eval_set), "--report", str(out), "--conversations", str(scripts),
    )  # fmt: skip

    assert code == 0, stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    metrics = report["metrics"]
    assert metrics["answer_accuracy"] == 1.0
    assert metrics["category_accuracy"] == 1.0  # the demo KB has categories
    assert metrics["booking_completed_rate"] == 0.5
    assert metrics["booking_turns_mean"] == 3.0  # over the scripts that booked
    assert metrics["booking_seconds_mean"] > 0
    assert metrics["escalation_precision"] == 1.0  # the two hand-overs were both wanted
    assert metrics["escalation_recall"] == round(2 / 3, 4)  # the paypal one stayed
    assert metrics["escalation_trigger_agreement"] == 1.0
    assert report["escalation"]["should_escalate"] == 3
    by_name = {s["name"]: s for s in report["scripts"]}
    assert by_name["video call, signed in"]["booked"] is True
    failed = by_name["picks an option that is not offered"]
    assert not failed["booked"] and not failed["passed"]
    assert "no option 'Teleport'" in failed["problem"] and failed["turns"] == 1
    assert by_name["chargeback"]["trigger"] == "sensitive"
    assert by_name["plain question"]["passed"] is True
    assert by_name["a script that expects too much"]["passed"] is False
    assert "stayed with the assistant" in by_name["a script that expects too much"]["problem"]
    assert report["conversation_length"]["booking_scripts"]["counts"] == {"1": 1, "3": 1}
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "| a script that expects too much | a person | stayed with the assistant" in markdown
    assert "escalation recall" in stdout
