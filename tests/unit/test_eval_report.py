"""The pieces of `frontdesk eval --report` on small hand-made predictions: p99, outcomes,
category accuracy, confused pairs, intents, the latency histogram, report.json's shape
and report.md; every expected value is worked out in the test."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from frontdesk.core.knowledge.model import Entry, KnowledgeBase
from frontdesk.evaluation.charts import latency_chart, outcomes_chart
from frontdesk.evaluation.confusion import (
    NO_CATEGORY,
    NO_INTENT,
    NOT_IN_KB,
    category_accuracy,
    category_confusions,
    entry_confusions,
    most_confused,
)
from frontdesk.evaluation.datasets import EvalItem, EvalTurn, ItemKind
from frontdesk.evaluation.intent_eval import LabelledText, score_intents
from frontdesk.evaluation.latency import latency_histogram
from frontdesk.evaluation.metrics import compute_metrics
from frontdesk.evaluation.outcomes import count_outcomes
from frontdesk.evaluation.report_data import DIRECTIONS, FORMAT, Evaluated, FileRef, build_report
from frontdesk.evaluation.report_markdown import render_markdown
from frontdesk.evaluation.runner import EvalRun, Prediction
from tests.unit.test_eval_metrics import pred

FAQ, OOS, TALK, DIALOGUE = ItemKind.FAQ, ItemKind.OOS, ItemKind.SMALLTALK, ItemKind.DIALOGUE

KB = KnowledgeBase.of(
    [
        Entry("1", "How long does delivery take?", "3 days.", category="delivery"),
        Entry("2", "Do you deliver abroad?", "Yes.", category="delivery"),
        Entry("3", "How do I return an item?", "Use the form.", category="returns"),
        Entry("4", "When is my refund paid?", "In 5 days.", category="returns"),
        Entry("5", "Do you take PayPal?", "Yes.", category="payment"),
    ]
)
PLAIN_KB = KnowledgeBase.of([Entry(e.id, e.question, e.answer) for e in KB])


def sample() -> list[Prediction]:
    return [
        pred(0, FAQ, "answer", ("1",), ("1",)),  # right
        pred(1, FAQ, "answer", ("2",), ("1",)),  # wrong, same category (delivery)
        pred(2, FAQ, "answer", ("4",), ("3",)),  # wrong, same category (returns)
        pred(3, FAQ, "answer", ("5",), ("3",)),  # wrong, returns -> payment
        pred(4, FAQ, "answer", ("2",), ("1",)),  # wrong, 1 -> 2 again
        pred(5, FAQ, "clarify", ("3", "4"), ("3",)),
        pred(6, FAQ, "abstain", (), ("5",)),
        pred(7, OOS, "answer", ("5",)),  # answered out of scope
        pred(8, OOS, "abstain"),
        pred(9, TALK, "smalltalk"),
        pred(10, DIALOGUE, "answer", ("1",), ("1",), turn=0),
        pred(10, DIALOGUE, "answer", ("3",), ("1", "2"), turn=1),  # wrong: delivery -> returns
        pred(10, DIALOGUE, "account", (), (), turn=2),
    ]


def items_for(predictions: list[Prediction]) -> list[EvalItem]:
    """One set item per prediction item, on lines 1, 2, 3 … of a made-up file."""
    items: dict[int, list[Prediction]] = {}
    for p in predictions:
        items.setdefault(p.item, []).append(p)
    return [
        EvalItem(rows[0].item_kind, tuple(EvalTurn(r.text, r.accept) for r in rows), index + 1)
        for index, rows in sorted(items.items())
    ]


def test_p99_interpolates_between_the_closest_ranks() -> None:
    rows = [pred(i, FAQ, "abstain", (), ("1",), latency_ms=float(i + 1)) for i in range(100)]
    m = compute_metrics(rows)

    # sorted 1..100: p99 rank 98.01 -> 99 + 0.01 * (100 - 99)
    assert m.latency_p99_ms == pytest.approx(99.01)
    assert m.as_dict()["latency_p99_ms"] == 99.01
    assert compute_metrics([]).latency_p99_ms is None


def test_outcomes_per_kind_of_line() -> None:
    counts = count_outcomes(sample())

    assert list(counts) == ["faq", "oos", "smalltalk", "dialogue"]
    assert counts["faq"] == {
        "answered_right": 1,
        "answered_wrong": 4,
        "clarified": 1,
        "abstained": 1,
        "smalltalk": 0,
        "other": 0,
    }
    assert counts["oos"]["answered_wrong"] == 1 and counts["oos"]["abstained"] == 1
    assert counts["dialogue"]["answered_right"] == 1
    assert counts["dialogue"]["answered_wrong"] == 1
    assert counts["dialogue"]["other"] == 1


def test_category_accuracy_counts_faq_answers_in_an_accepted_category() -> None:
    result = category_accuracy(sample(), KB)

    # faq answers: 1 (right), 2 for 1 (delivery ok), 4 for 3 (returns ok), 5 for 3 (no),
    # 2 for 1 (delivery ok): 4 of 5; clarifications, abstentions and dialogues do not count
    assert (result.answered, result.right) == (5, 4)
    assert result.accuracy == pytest.approx(0.8)
    assert category_accuracy([pred(0, FAQ, "abstain", (), ("1",))], KB).accuracy is None


def test_entry_confusions_are_counted_sorted_and_named() -> None:
    pairs = entry_confusions(sample(), KB)

    assert [(p.expected, p.got, p.count) for p in pairs] == [
        ("1", "2", 2),
        ("1", "3", 1),  # the dialogue turn: accept[0] is what it wanted
        ("3", "4", 1),
        ("3", "5", 1),
    ]
    assert pairs[0].expected_text == "How long does delivery take?"
    assert pairs[0].got_text == "Do you deliver abroad?"
    assert pairs[0].example == "message 1.0"  # the first of the two, in set order
    assert len(entry_confusions(sample(), KB, limit=2)) == 2


def test_confusions_name_entries_missing_from_the_kb_and_can_point_to_lines() -> None:
    rows = [pred(0, FAQ, "answer", ("1",), ("99",)), pred(1, FAQ, "answer", (), ("1",))]
    pairs = entry_confusions(rows, KB, locate=lambda p: f"line {p.item + 7}")

    assert [(p.expected, p.got, p.expected_text, p.example) for p in pairs] == [
        ("1", "(no entry)", "How long does delivery take?", "line 8"),
        ("99", "1", NOT_IN_KB, "line 7"),
    ]


def test_category_confusions_leave_out_answers_in_the_right_category() -> None:
    pairs = category_confusions(sample(), KB)

    assert [(p.expected, p.got, p.count) for p in pairs] == [
        ("delivery", "returns", 1),
        ("returns", "payment", 1),
    ]
    uncategorised = category_confusions(sample(), PLAIN_KB)
    assert uncategorised == []  # every entry is in the same (empty) category
    assert NO_CATEGORY == "(no category)"


def test_most_confused_breaks_ties_by_name() -> None:
    mistakes = [("b", "a", "m1"), ("a", "c", "m2"), ("a", "b", "m3"), ("a", "c", "m4")]
    assert most_confused(mistakes, 10) == [
        ("a", "c", 2, "m2"),
        ("a", "b", 1, "m3"),
        ("b", "a", 1, "m1"),
    ]


def test_intent_accuracy_and_confused_intents() -> None:
    rows = [
        LabelledText("where is my parcel", "track_order"),
        LabelledText("track it please", "track_order"),
        LabelledText("cancel it", "cancel_order"),
        LabelledText("stop my order", "cancel_order"),
        LabelledText("what's the weather", None),  # out of scope: no intent expected
        LabelledText("give me a voucher", "voucher"),  # a label the model never learned
    ]
    answers = {
        "where is my parcel": "track_order",
        "track it please": "cancel_order",
        "cancel it": "cancel_order",
        "stop my order": None,
        "what's the weather": "track_order",
        "give me a voucher": None,
    }
    score = score_intents(rows, answers.get, ["track_order", "cancel_order"])

    assert (score.examples, score.right) == (6, 2)
    assert score.accuracy == pytest.approx(2 / 6)
    assert score.unknown_labels == ("voucher",)
    assert [(c.expected, c.got, c.count) for c in score.confusions] == [
        (NO_INTENT, "track_order", 1),
        ("cancel_order", NO_INTENT, 1),
        ("track_order", "cancel_order", 1),
        ("voucher", NO_INTENT, 1),
    ]
    assert score.confusions[2].example == "track it please"


def test_latency_histogram_spans_the_turns_and_counts_far_outliers_apart() -> None:
    latencies = [1.0, 2.0, 2.5, 3.0, 4.0, 9.0]
    h = latency_histogram(latencies, bins=10)
    assert len(h.edges_ms) == 11 and h.edges_ms[0] == 0.0
    assert h.edges_ms[-1] == 10.0  # 9 rounded up to a round axis end
    assert sum(h.counts) == 6 and h.above == 0

    # 199 fast turns and one cold start 100x slower: the bins stop at 2 x p99.
    spread = [1.0 + i / 100 for i in range(199)] + [300.0]
    h = latency_histogram(spread, bins=10)
    assert h.above == 1
    assert h.edges_ms[-1] < 300.0
    assert sum(h.counts) == 199
    assert latency_histogram([]).counts == ()


def evaluated(tmp_path: Path) -> Evaluated:
    kb_file = tmp_path / "kb.jsonl"
    kb_file.write_text("{}\n", encoding="utf-8")
    set_file = tmp_path / "set.jsonl"
    set_file.write_text("{}\n", encoding="utf-8")
    return Evaluated(
        kb=FileRef.of(kb_file),
        eval_set=FileRef.of(set_file),
        model="base",
        retriever="auto",
        embedder="test embedder",
        answers="local",
    )


def test_report_json_has_the_documented_shape(tmp_path: Path) -> None:
    rows = sample()
    run = EvalRun(tuple(rows), items=11, warmup_calls=0, wall_s=0.1)
    report = build_report(run, items_for(rows), KB, evaluated(tmp_path))
    data = json.loads(json.dumps(report.as_dict()))

    assert data["format"] == FORMAT and data["format_version"] == 1
    assert list(data["metrics"]) == list(DIRECTIONS)
    assert data["directions"] == DIRECTIONS
    assert data["metrics"]["answer_accuracy"] == round(1 / 7, 4)
    assert data["metrics"]["category_accuracy"] == 0.8
    assert data["metrics"]["intent_accuracy"] is None
    assert data["metrics"]["escalation_recall"] is None  # no scripts were played
    assert data["metrics"]["cost_per_1k_turns_usd"] == 0.0
    # a path outside the working directory is shown by its name only
    assert data["evaluated"]["kb"]["file"] == "kb.jsonl"
    assert len(data["evaluated"]["kb"]["sha256"]) == 64
    assert data["evaluated"]["kb"]["categories"] == 3
    assert data["evaluated"]["set"]["faq"] == 7
    assert data["confusions"]["entries"][0]["example"] == "line 2"
    assert data["confusions"]["entries"][1]["example"] == "line 11, turn 2"
    assert data["conversation_length"]["dialogues"] == {
        "conversations": 1,
        "mean": 3.0,
        "max": 3,
        "counts": {"3": 1},
    }
    assert data["scripts"] is None and data["booking"] is None
    histogram = data["latency"]["histogram"]
    assert sum(histogram["counts"]) + histogram["above"] == len(rows)
    assert str(tmp_path) not in json.dumps(data)


def test_report_without_categories_says_so(tmp_path: Path) -> None:
    rows = sample()
    run = EvalRun(tuple(rows), items=11, warmup_calls=0, wall_s=0.1)
    report = build_report(run, items_for(rows), PLAIN_KB, evaluated(tmp_path))

    assert report.as_dict()["categories"] is None
    assert report.headline()["category_accuracy"] is None
    markdown = render_markdown(report)
    assert "n/a — the knowledge base has no categories" in markdown
    assert "$0 (local model)" in markdown
    assert "| 2 | `1` How long does delivery take? | `2` Do you deliver abroad? | line 2 |" in (
        markdown
    )
    assert "![Latency histogram](latency.png)" in markdown


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_charts_are_small_pngs(tmp_path: Path) -> None:
    rows = sample()
    latency_chart(
        latency_histogram([1.0, 2.0, 3.0, 50.0]),
        {"p50": 2.5, "p95": 42.0, "p99": 48.0},
        tmp_path / "latency.png",
    )
    outcomes_chart(count_outcomes(rows), tmp_path / "outcomes.png")

    for name in ("latency.png", "outcomes.png"):
        path = tmp_path / name
        assert png_size(path) == (600, 350)
        assert path.stat().st_size < 60_000
