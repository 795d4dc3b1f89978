"""Scripted conversations for the report: the file format (good files parse, bad ones
name file, line and problem), the shipped scripts, and the figures over results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frontdesk.core.escalation.model import TriggerKind
from frontdesk.errors import EvaluationError
from frontdesk.evaluation.booking_effort import DEMO_SCRIPTS
from frontdesk.evaluation.conversations import (
    SHIPPED_CONVERSATIONS,
    ScriptKind,
    load_conversation_scripts,
)
from frontdesk.evaluation.script_scores import (
    ScriptResult,
    booking_summary,
    escalation_score,
    turn_counts,
)

BOOKING = {
    "name": "book a call",
    "kind": "booking",
    "customer": "cus_1001",
    "moves": ["say:book a video call", "pick:1", "pick:Book it"],
    "expect": {"booked": True, "max_turns": 3},
}
ESCALATION = {
    "name": "asks for a person",
    "kind": "escalation",
    "moves": ["say:can I talk to a person"],
    "expect": {"escalated": True, "trigger": "asked_for_human"},
}


def write_lines(path: Path, *lines: object) -> Path:
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n",
        encoding="utf-8",
    )
    return path


def load_error(tmp_path: Path, *lines: object) -> str:
    path = write_lines(tmp_path / "scripts.jsonl", *lines)
    with pytest.raises(EvaluationError) as info:
        load_conversation_scripts(path)
    return info.value.message


def test_good_scripts_parse(tmp_path: Path) -> None:
    negative = {**ESCALATION, "name": "just asks", "expect": {"escalated": False}}
    path = write_lines(tmp_path / "s.jsonl", BOOKING, "", ESCALATION, negative)
    booking, asked, calm = load_conversation_scripts(path)

    assert booking.kind is ScriptKind.BOOKING and booking.customer == "cus_1001"
    assert booking.max_turns == 3 and booking.moves[1] == "pick:1"
    assert asked.kind is ScriptKind.ESCALATION and asked.customer is None
    assert asked.escalated and asked.trigger is TriggerKind.ASKED and asked.line == 3
    assert not calm.escalated and calm.trigger is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 1: not valid JSON"),
        ([1], "expected a JSON object"),
        ({**BOOKING, "kind": "refund"}, "unknown kind 'refund'"),
        ({k: v for k, v in BOOKING.items() if k != "kind"}, "missing 'kind'"),
        ({**BOOKING, "name": " "}, "'name' must be a non-empty string"),
        ({**BOOKING, "expected": {}}, "unknown key(s) expected"),
        ({**BOOKING, "customer": 1001}, "'customer' must be a customer id"),
        ({**BOOKING, "moves": []}, "'moves' must be a non-empty list"),
        ({**BOOKING, "moves": ["type:hello"]}, "is not say:TEXT, pick:N or pick:LABEL"),
        ({**BOOKING, "moves": ["say:"]}, "is not say:TEXT"),
        ({**BOOKING, "moves": ["pick:1"]}, "the first move must be say:TEXT"),
        ({**BOOKING, "moves": ["say:hi", "pick:0"]}, "numbered from 1"),
        ({**BOOKING, "expect": {"booked": False}}, 'expects {"booked": true}'),
        ({**BOOKING, "expect": {"booked": True, "max_turns": 0}}, "'max_turns' must be"),
        ({**BOOKING, "expect": {"booked": True, "escalated": True}}, "unknown key(s) escalated"),
        ({**ESCALATION, "expect": {}}, "an escalation script expects"),
        ({**ESCALATION, "expect": {"escalated": True, "trigger": "angry"}}, "unknown trigger"),
        ({**ESCALATION, "expect": {"escalated": False, "trigger": "frustrated"}}, "only goes"),
        ({**ESCALATION, "expect": "yes"}, "'expect' must be an object"),
    ],
)
def test_bad_lines_name_the_line_and_the_problem(
    tmp_path: Path, line: object, message: str
) -> None:
    error = load_error(tmp_path, line)
    assert "scripts.jsonl, line 1: " in error
    assert message in error


def test_names_must_be_unique(tmp_path: Path) -> None:
    error = load_error(tmp_path, BOOKING, BOOKING)
    assert "line 2: the name 'book a call' is already used on line 1" in error


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(EvaluationError, match=r"does not exist.*--conversations none"):
        load_conversation_scripts(tmp_path / "none.jsonl")
    with pytest.raises(EvaluationError, match="has no scripts"):
        load_conversation_scripts(write_lines(tmp_path / "empty.jsonl", ""))


def test_the_shipped_scripts_cover_booking_and_both_sides_of_escalation() -> None:
    scripts = load_conversation_scripts(SHIPPED_CONVERSATIONS)
    booking = [s for s in scripts if s.kind is ScriptKind.BOOKING]
    escalation = [s for s in scripts if s.kind is ScriptKind.ESCALATION]

    assert len(booking) == 5 == len(DEMO_SCRIPTS)
    assert [s.name for s in booking] == [s.name for s in DEMO_SCRIPTS]
    assert 25 <= len(escalation) <= 40
    assert {s.trigger for s in escalation if s.escalated} == set(TriggerKind)
    assert sum(not s.escalated for s in escalation) >= 10


def result(
    kind: ScriptKind,
    *,
    turns: int = 1,
    seconds: float = 0.1,
    booked: bool = False,
    escalated: bool = False,
    trigger: str | None = None,
    expected: bool | None = None,
    expected_trigger: str | None = None,
    max_turns: int | None = None,
) -> ScriptResult:
    return ScriptResult(
        name="s",
        kind=kind,
        line=1,
        turns=turns,
        seconds=seconds,
        booked=booked,
        escalated=escalated,
        trigger=trigger,
        passed=True,
        problem="",
        expected_escalated=expected,
        expected_trigger=expected_trigger,
        max_turns=max_turns,
    )


ESC = ScriptKind.ESCALATION


def test_escalation_precision_recall_and_trigger_agreement() -> None:
    sensitive, asked, frustrated = "sensitive", "asked_for_human", "frustrated"
    results = [
        # wanted and handed over, with the trigger named; then with another one
        result(ESC, escalated=True, trigger=sensitive, expected=True, expected_trigger=sensitive),
        result(ESC, escalated=True, trigger=asked, expected=True, expected_trigger=frustrated),
        result(ESC, escalated=True, trigger=frustrated, expected=True),  # no trigger named
        result(ESC, expected=True),  # missed
        result(ESC, escalated=True, trigger=frustrated, expected=False),  # false alarm
        result(ESC, expected=False),
        result(ScriptKind.BOOKING, booked=True, escalated=False),  # not counted
    ]
    score = escalation_score(results)

    assert (score.scripts, score.should_escalate, score.escalated) == (6, 4, 4)
    assert score.true_positives == 3
    assert score.precision == pytest.approx(3 / 4)
    assert score.recall == pytest.approx(3 / 4)
    assert score.trigger_checked == 2
    assert score.trigger_agreement == pytest.approx(1 / 2)


def test_escalation_figures_with_nothing_to_measure_are_none() -> None:
    score = escalation_score([result(ESC, expected=False)])
    assert score.precision is None  # nothing was handed over
    assert score.recall is None  # nothing should have been
    assert score.trigger_agreement is None
    assert escalation_score([]).scripts == 0


def test_booking_summary_averages_the_booked_scripts() -> None:
    runs = [
        result(ScriptKind.BOOKING, turns=3, seconds=0.2, booked=True, max_turns=3),
        result(ScriptKind.BOOKING, turns=5, seconds=0.4, booked=True, max_turns=4),
        result(ScriptKind.BOOKING, turns=2, seconds=9.0),  # not booked: left out of the means
        result(ESC, turns=7),
    ]
    summary = booking_summary(runs)

    assert (summary.scripts, summary.booked, summary.within_goal) == (3, 2, 1)
    assert summary.completed_rate == pytest.approx(2 / 3)
    assert summary.turns_mean == pytest.approx(4.0)
    assert summary.turns_max == 5
    assert summary.seconds_mean == pytest.approx(0.3)
    assert booking_summary([]).turns_mean is None


def test_turn_counts() -> None:
    counts = turn_counts([2, 3, 3, 4])
    assert (counts.conversations, counts.mean, counts.max) == (4, 3.0, 4)
    assert counts.as_dict()["counts"] == {"2": 1, "3": 2, "4": 1}
    assert turn_counts([]).mean is None
