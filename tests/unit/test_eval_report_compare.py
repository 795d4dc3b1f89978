"""`frontdesk eval compare`'s logic: directions, tolerances (absolute and relative),
gates and every refusal, on report files written here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frontdesk.errors import EvaluationError
from frontdesk.evaluation.compare import (
    DEFAULT_GATES,
    Gate,
    check_gates,
    compare,
    format_change,
    format_value,
    gates_for,
    load_report,
    measured,
    only_in,
    parse_gate,
)
from frontdesk.evaluation.report_data import FORMAT

DIRECTIONS = {
    "answer_accuracy": "higher",
    "wrong_answer_rate": "lower",
    "abstention_oos": "higher",
    "latency_p95_ms": "lower",
    "intent_accuracy": "higher",
}


def write(path: Path, metrics: dict[str, float | None], **extra: object) -> Path:
    data = {
        "format": FORMAT,
        "format_version": 1,
        "metrics": metrics,
        "directions": DIRECTIONS,
        **extra,
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


BASE = {
    "answer_accuracy": 0.50,
    "wrong_answer_rate": 0.04,
    "abstention_oos": 0.90,
    "latency_p95_ms": 10.0,
    "intent_accuracy": None,
}


def reports(tmp_path: Path, **changes: float | None) -> tuple[Path, Path]:
    a = write(tmp_path / "a.json", BASE)
    b = write(tmp_path / "b.json", {**BASE, **changes})
    return a, b


def test_changes_follow_each_metrics_direction(tmp_path: Path) -> None:
    a, b = reports(tmp_path, answer_accuracy=0.55, wrong_answer_rate=0.05, latency_p95_ms=8.0)
    changes = {c.metric: c for c in compare(load_report(a), load_report(b))}

    assert changes["answer_accuracy"].verdict == "better"
    assert changes["answer_accuracy"].delta == pytest.approx(0.05)
    assert changes["wrong_answer_rate"].verdict == "worse"  # lower is better
    assert changes["latency_p95_ms"].verdict == "better"
    assert changes["abstention_oos"].verdict == "same"
    assert changes["intent_accuracy"].verdict == "n/a"  # null in both
    assert list(changes) == list(BASE)


def test_default_gates_pass_within_the_tolerance_and_fail_beyond(tmp_path: Path) -> None:
    a, b = reports(tmp_path, answer_accuracy=0.491, abstention_oos=0.95)
    results = check_gates(load_report(a), load_report(b), gates_for([], 0.01))

    assert [r.gate.metric for r in results] == list(DEFAULT_GATES)
    assert not any(r.regressed for r in results)  # 0.9 points down is within 1 point

    a, b = reports(tmp_path, wrong_answer_rate=0.06)
    results = check_gates(load_report(a), load_report(b), gates_for([], 0.01))
    regressed = [r.gate.metric for r in results if r.regressed]
    assert regressed == ["wrong_answer_rate"]
    assert results[1].worse_by == pytest.approx(0.02)


def test_a_change_of_exactly_the_tolerance_is_not_a_regression(tmp_path: Path) -> None:
    a, b = reports(tmp_path, answer_accuracy=0.49)
    (result,) = check_gates(load_report(a), load_report(b), [Gate("answer_accuracy", 0.01)])
    assert not result.regressed


def test_gate_tolerances_absolute_relative_and_default(tmp_path: Path) -> None:
    assert parse_gate("answer_accuracy", 0.02) == Gate("answer_accuracy", 0.02)
    assert parse_gate("answer_accuracy=0.05", 0.02) == Gate("answer_accuracy", 0.05)
    assert parse_gate("latency_p95_ms=10%", 0.02) == Gate("latency_p95_ms", 0.1, relative=True)

    a, b = reports(tmp_path, latency_p95_ms=10.9)
    (ok,) = check_gates(load_report(a), load_report(b), [parse_gate("latency_p95_ms=10%", 0)])
    assert ok.allowed == pytest.approx(1.0) and not ok.regressed
    a, b = reports(tmp_path, latency_p95_ms=11.5)
    (bad,) = check_gates(load_report(a), load_report(b), [parse_gate("latency_p95_ms=10%", 0)])
    assert bad.regressed


def test_a_metric_gated_twice_keeps_the_last_tolerance() -> None:
    gates = gates_for(["answer_accuracy=0.1", "answer_accuracy=0.2"], 0.01)
    assert gates == [Gate("answer_accuracy", 0.2)]


@pytest.mark.parametrize(
    ("spec", "message"),
    [("=0.1", "name a metric"), ("answer_accuracy=x", ">= 0"), ("answer_accuracy=-1", ">= 0")],
)
def test_bad_gates_are_refused(spec: str, message: str) -> None:
    with pytest.raises(EvaluationError, match=message):
        parse_gate(spec, 0.01)


def test_unknown_metric_lists_the_known_ones(tmp_path: Path) -> None:
    a, b = reports(tmp_path)
    with pytest.raises(EvaluationError, match=r"Unknown metric 'accuracy'.*answer_accuracy"):
        check_gates(load_report(a), load_report(b), [Gate("accuracy", 0.01)])


def test_a_null_metric_cannot_be_gated(tmp_path: Path) -> None:
    a, b = reports(tmp_path, intent_accuracy=0.9)
    with pytest.raises(EvaluationError, match="not measured in report A"):
        check_gates(load_report(a), load_report(b), [Gate("intent_accuracy", 0.01)])


def test_a_metric_in_one_report_only(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json", BASE)
    b = write(tmp_path / "b.json", {**BASE, "escalation_recall": 0.9})
    assert only_in(load_report(a), load_report(b)) == ["escalation_recall"]
    with pytest.raises(EvaluationError, match=r"report A .* does not have it"):
        check_gates(load_report(a), load_report(b), [Gate("escalation_recall", 0.01)])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("not json", "is not JSON"),
        ('{"metrics": {}}', "is not a frontdesk evaluation report"),
        (f'{{"format": "{FORMAT}", "format_version": 99, "metrics": {{}}}}', "version 99"),
        (f'{{"format": "{FORMAT}", "format_version": 1}}', "no 'metrics'"),
        (
            f'{{"format": "{FORMAT}", "format_version": 1, "metrics": {{"a": "high"}}}}',
            "not a finite number",
        ),
        (
            f'{{"format": "{FORMAT}", "format_version": 1, "metrics": {{"answer_accuracy": NaN}}}}',
            "not a finite number",
        ),
    ],
)
def test_files_that_are_not_reports_are_refused(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "report.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(EvaluationError, match=message):
        load_report(path)


def test_directions_missing_from_a_file_fall_back_to_the_known_ones(tmp_path: Path) -> None:
    a = tmp_path / "a.json"
    a.write_text(
        json.dumps({"format": FORMAT, "format_version": 1, "metrics": {"answer_accuracy": 0.5}})
    )
    assert load_report(a).directions == {"answer_accuracy": "higher"}


def test_a_report_cannot_turn_a_known_metric_the_other_way(tmp_path: Path) -> None:
    # B claims a higher wrong-answer rate is better: the gate still sees a regression.
    a = write(tmp_path / "a.json", BASE)
    b = write(
        tmp_path / "b.json",
        {**BASE, "wrong_answer_rate": 0.5},
        directions={**DIRECTIONS, "wrong_answer_rate": "higher"},
    )
    (result,) = check_gates(load_report(a), load_report(b), [Gate("wrong_answer_rate", 0.01)])
    assert result.regressed


def test_reports_that_disagree_on_an_unknown_metric_cannot_gate_it(tmp_path: Path) -> None:
    a = write(tmp_path / "a.json", {"shop_metric": 1.0}, directions={"shop_metric": "higher"})
    b = write(tmp_path / "b.json", {"shop_metric": 0.5}, directions={"shop_metric": "lower"})
    with pytest.raises(EvaluationError, match="higher or lower"):
        check_gates(load_report(a), load_report(b), [Gate("shop_metric", 0.01)])


def test_a_default_gate_on_an_unmeasured_metric_is_skipped(tmp_path: Path) -> None:
    a, b = reports(tmp_path, abstention_oos=None)
    a_report, b_report = load_report(a), load_report(b)
    kept, skipped = measured(a_report, b_report, gates_for([], 0.01))
    assert skipped == ["abstention_oos"]
    assert [g.metric for g in kept] == ["answer_accuracy", "wrong_answer_rate"]
    # Named on the command line, the same gate is an error.
    kept, skipped = measured(a_report, b_report, gates_for(["abstention_oos"], 0.01))
    assert skipped == []
    with pytest.raises(EvaluationError, match="not measured"):
        check_gates(a_report, b_report, kept)


def test_values_and_changes_are_shown_in_their_units() -> None:
    assert format_value("answer_accuracy", 0.4515) == "45.1 %"
    assert format_change("answer_accuracy", -0.022) == "-2.2 pp"
    assert format_value("latency_p99_ms", 14.136) == "14.14 ms"
    assert format_change("latency_p99_ms", 0.5) == "+0.50 ms"
    assert format_value("booking_seconds_mean", 0.0442) == "0.044 s"
    assert format_value("booking_turns_mean", 3.8) == "3.80"
    assert format_value("cost_per_1k_turns_usd", 0.0) == "$0.0000"
    assert format_change("cost_per_1k_turns_usd", -0.25) == "-$0.2500"
    assert format_value("intent_accuracy", None) == "n/a"
