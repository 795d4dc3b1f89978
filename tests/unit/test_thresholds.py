"""Choosing the out-of-scope threshold from held-out predictions."""

from __future__ import annotations

import pytest

from frontdesk.adapters.training.thresholds import HeldOutPrediction as P
from frontdesk.adapters.training.thresholds import choose_threshold, score


def test_threshold_sits_mid_gap_between_in_scope_and_out_of_scope() -> None:
    held = [P("a", "a", 0.9), P("b", "b", 0.8), P(None, "a", 0.4), P(None, "b", 0.3)]
    threshold = choose_threshold(held)
    # halfway between 0.4 (the last one rejected) and 0.8 (the first one kept)
    assert threshold == pytest.approx(0.6)
    result = score(held, threshold)
    assert result.in_scope_accuracy == 1.0 and result.oos_recall == 1.0


def test_no_out_of_scope_examples_accepts_everything() -> None:
    assert choose_threshold([P("a", "a", 0.3), P("a", "b", 0.2)]) == 0.0


def test_a_confident_wrong_answer_counts_as_wrong() -> None:
    result = score([P("a", "b", 0.9), P(None, "a", 0.95)], threshold=0.5)
    assert result.accuracy == 0.0 and result.oos_recall == 0.0 and result.wrong_rate == 1.0


def test_every_held_out_decision_counts_once() -> None:
    # Four in-scope messages and one out-of-scope: refusing the off-topic one would
    # cost two right answers, so the threshold stays below all of them (weighing the
    # two kinds equally would refuse half the fair questions to catch one).
    held = [P("a", "a", 0.5), P("a", "a", 0.6), P("a", "a", 0.7), P("a", "a", 0.8)]
    threshold = choose_threshold([*held, P(None, "a", 0.65)])
    assert threshold <= 0.5
    result = score([*held, P(None, "a", 0.65)], threshold)
    assert result.in_scope_accuracy == 1.0 and result.objective == pytest.approx(0.8)
