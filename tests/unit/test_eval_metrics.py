"""Metrics on a small hand-built prediction set; every expected value is worked out below."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from rich.console import Console

from frontdesk.evaluation.datasets import ItemKind
from frontdesk.evaluation.metrics import compute_metrics, is_correct, percentile
from frontdesk.evaluation.report import (
    failures_table,
    find_failures,
    metrics_markdown,
    metrics_table,
)
from frontdesk.evaluation.runner import Prediction

FAQ, OOS, TALK, DIALOGUE = ItemKind.FAQ, ItemKind.OOS, ItemKind.SMALLTALK, ItemKind.DIALOGUE


def pred(
    item: int,
    item_kind: ItemKind,
    kind: str,
    source_ids: tuple[str, ...] = (),
    accept: tuple[str, ...] = (),
    *,
    turn: int = 0,
    latency_ms: float = 1.0,
) -> Prediction:
    return Prediction(
        item=item,
        turn=turn,
        kind=kind,
        source_ids=source_ids,
        confidence=0.5,
        latency_ms=latency_ms,
        item_kind=item_kind,
        text=f"message {item}.{turn}",
        accept=accept,
    )


def sample() -> list[Prediction]:
    rows = [
        # faq (5): 1 right answer, 1 wrong answer, 2 clarifications (1 hit), 1 abstention
        pred(0, FAQ, "answer", ("1",), ("1",)),
        pred(1, FAQ, "answer", ("2",), ("1", "3")),
        pred(2, FAQ, "clarify", ("4", "3"), ("3",)),
        pred(3, FAQ, "clarify", ("5", "6"), ("3",)),
        pred(4, FAQ, "abstain", (), ("7",)),
        # oos (3): abstained, answered, clarified
        pred(5, OOS, "abstain"),
        pred(6, OOS, "answer", ("9",)),
        pred(7, OOS, "clarify", ("1", "2")),
        # smalltalk (4): handled, answered, abstained, handled
        pred(8, TALK, "smalltalk"),
        pred(9, TALK, "answer", ("1",)),
        pred(10, TALK, "abstain"),
        pred(11, TALK, "smalltalk"),
        # dialogue 12: right answer, wrong answer, abstain on an empty-accept turn (right)
        pred(12, DIALOGUE, "answer", ("1",), ("1",), turn=0),
        pred(12, DIALOGUE, "answer", ("2",), ("3",), turn=1),
        pred(12, DIALOGUE, "abstain", (), (), turn=2),
        # dialogue 13: smalltalk on empty accept (right), clarify instead of answer (wrong)
        pred(13, DIALOGUE, "smalltalk", (), (), turn=0),
        pred(13, DIALOGUE, "clarify", ("1",), ("1",), turn=1),
    ]
    # latencies 1..17 ms, deliberately not in sorted order in the list
    order = [17, 3, 5, 1, 2, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
    return [replace(p, latency_ms=float(ms)) for p, ms in zip(rows, order, strict=True)]


def test_hand_computed_metrics() -> None:
    m = compute_metrics(sample())

    assert (m.faq, m.oos, m.smalltalk, m.dialogues, m.dialogue_turns, m.turns) == (
        5,
        3,
        4,
        2,
        5,
        17,
    )
    assert m.answer_accuracy == pytest.approx(1 / 5)
    # (1 wrong faq answer + 1 answered oos) / (5 faq + 3 oos)
    assert m.wrong_answer_rate == pytest.approx(2 / 8)
    assert m.clarify_rate == pytest.approx(2 / 5)
    assert m.clarify_hit_rate == pytest.approx(1 / 2)
    assert m.abstention_oos == pytest.approx(1 / 3)
    assert m.oos_clarified == pytest.approx(1 / 3)
    assert m.smalltalk_handled == pytest.approx(2 / 4)
    assert m.dialogue_turn_accuracy == pytest.approx(3 / 5)
    # dialogue 12's second turn: answered with an entry it does not accept
    assert m.dialogue_wrong_answer_rate == pytest.approx(1 / 5)
    # sorted 1..17: p50 rank 8 -> 9; p95 rank 15.2 -> 16 + 0.2 * (17 - 16)
    assert m.latency_p50_ms == pytest.approx(9.0)
    assert m.latency_p95_ms == pytest.approx(16.2)
    assert m.latency_max_ms == pytest.approx(17.0)


def test_no_oos_lines_reports_none_not_a_crash() -> None:
    rows = [p for p in sample() if p.item_kind is not OOS]
    m = compute_metrics(rows)

    assert m.oos == 0
    assert m.abstention_oos is None
    assert m.oos_clarified is None
    # Only the faq side is left: 1 wrong answer over 5 faq lines.
    assert m.wrong_answer_rate == pytest.approx(1 / 5)
    assert m.as_dict()["abstention_oos"] is None


def test_empty_predictions_give_zero_counts_and_no_rates() -> None:
    m = compute_metrics([])

    assert m.turns == 0
    rates = {k: v for k, v in m.as_dict().items() if not isinstance(v, int)}
    assert rates and all(value is None for value in rates.values())


def test_no_clarifications_leaves_hit_rate_unmeasured() -> None:
    m = compute_metrics([pred(0, FAQ, "answer", ("1",), ("1",))])

    assert m.answer_accuracy == 1.0
    assert m.clarify_rate == 0.0
    assert m.clarify_hit_rate is None
    assert m.latency_p50_ms == m.latency_p95_ms == m.latency_max_ms == 1.0


def test_answer_without_entry_counts_as_wrong() -> None:
    m = compute_metrics([pred(0, FAQ, "answer", (), ("1",))])

    assert m.answer_accuracy == 0.0
    assert m.wrong_answer_rate == 1.0


def test_only_the_top_entry_of_an_answer_counts() -> None:
    p = pred(0, FAQ, "answer", ("2", "1"), ("1",))
    assert not is_correct(p)


def test_as_dict_is_json_ready_and_rounded() -> None:
    data = compute_metrics(sample()).as_dict()

    assert json.loads(json.dumps(data)) == data
    assert data["abstention_oos"] == 0.3333
    assert data["faq"] == 5
    assert list(data)[:6] == ["faq", "oos", "smalltalk", "dialogues", "dialogue_turns", "turns"]


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [([], 50, None), ([4.0], 95, 4.0), ([1.0, 2.0], 50, 1.5), ([1.0, 2.0, 3.0, 4.0], 100, 4.0)],
)
def test_percentile(values: list[float], q: float, expected: float | None) -> None:
    assert percentile(values, q) == expected


def test_failures_list_what_went_wrong() -> None:
    failures = find_failures(sample())

    # wrong: faq 1-4, oos 6-7, smalltalk 9-10, dialogue 12.1 and 13.1
    assert [(f.item, f.turn) for f in failures] == [
        (1, 0),
        (2, 0),
        (3, 0),
        (4, 0),
        (6, 0),
        (7, 0),
        (9, 0),
        (10, 0),
        (12, 1),
        (13, 1),
    ]
    by_item = {(f.item, f.turn): f for f in failures}
    assert by_item[(1, 0)].expected == "answer 1 or 3"
    assert by_item[(1, 0)].got == "answer 2 (0.50)"
    assert by_item[(2, 0)].got == "clarify 4, 3"
    assert by_item[(6, 0)].expected == "abstain"
    assert by_item[(10, 0)].expected == "smalltalk"
    assert by_item[(10, 0)].got == "abstain"
    assert by_item[(1, 0)].text == "message 1.0"


def render(renderable: object) -> str:
    console = Console(width=200, record=True)
    with console.capture() as capture:
        console.print(renderable)
    return capture.get()


def test_reports_render_metrics_and_failures() -> None:
    rows = [p for p in sample() if p.item_kind is not OOS]
    m = compute_metrics(rows)

    table = render(metrics_table(m))
    assert "answer accuracy" in table
    assert "20.0 %" in table
    assert "n/a" in table  # abstention (oos) with no oos lines

    markdown = metrics_markdown(m, title="dev")
    assert markdown.startswith("## dev\n")
    assert "| answer accuracy | 20.0 % | 5 faq |" in markdown
    assert "| abstention (oos) | n/a | 0 oos |" in markdown

    listing = render(failures_table(find_failures(rows), limit=2))
    assert "Failures (2 of 8)" in listing
    assert "message 1.0" in listing
    assert "message 3.0" not in listing
