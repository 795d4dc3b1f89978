from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from frontdesk.core.knowledge import calibration
from frontdesk.core.knowledge.calibration import _answer_threshold, _fit_logistic
from frontdesk.core.knowledge.labelled import load_labelled_messages
from frontdesk.core.knowledge.model import Entry, KnowledgeBase
from frontdesk.core.knowledge.ranking import FEATURE_NAMES
from frontdesk.errors import KnowledgeBaseError


def test_answer_threshold_stops_before_the_wrong_answer_that_breaks_the_target(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(calibration, "TARGET_WRONG_ANSWER_RATE", 0.1)
    probs = np.asarray([0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    right = np.asarray([True, True, False, True, True, False, True, False, False, False])
    # One wrong answer in ten is allowed; the second (at 0.6) must not be answered.
    threshold = _answer_threshold(probs, right, np.full(10, 0.1))
    assert 0.6 < threshold <= 0.7
    assert np.sum((probs >= threshold) & ~right) / len(probs) <= 0.1


def test_wrong_answers_are_counted_over_the_assumed_traffic_not_the_reference_mix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from frontdesk.core.knowledge.calibration import _traffic_weights

    monkeypatch.setattr(calibration, "TARGET_WRONG_ANSWER_RATE", 0.05)
    monkeypatch.setattr(calibration, "UNANSWERABLE_SHARE", 0.25)
    # Six answerable messages (all right) and four unanswerable ones: 40 % of the set.
    probs = np.asarray([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.85, 0.65, 0.45, 0.3])
    answerable = np.asarray([True] * 6 + [False] * 4)
    right = answerable.copy()
    weights = _traffic_weights(answerable)
    assert weights.sum() == pytest.approx(1.0)
    assert weights[~answerable].sum() == pytest.approx(0.25)
    # Counted over the set itself, the first unanswerable message (1 in 10) breaks 5 %;
    # as a quarter of traffic it weighs 0.25 / 4 = 6.25 %, which breaks it as well ...
    assert _answer_threshold(probs, right, np.full(10, 0.1)) > 0.85
    assert _answer_threshold(probs, right, weights) > 0.85
    # ... but at a tenth of traffic it weighs 2.5 %: two of them fit, the third does not.
    monkeypatch.setattr(calibration, "UNANSWERABLE_SHARE", 0.1)
    threshold = _answer_threshold(probs, right, _traffic_weights(answerable))
    assert 0.45 < threshold <= 0.5


def test_answer_threshold_when_everything_is_right() -> None:
    probs = np.asarray([0.9, 0.5, 0.1])
    everything_right = np.asarray([True, True, True])
    assert _answer_threshold(probs, everything_right, np.full(3, 1 / 3)) == pytest.approx(0.1)


def test_logistic_fit_separates_a_separable_feature() -> None:
    n = len(FEATURE_NAMES)
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(1.0, 0.3, (60, n)), rng.normal(-1.0, 0.3, (60, n))])
    y = np.concatenate([np.ones(60), np.zeros(60)])
    model = _fit_logistic(x, y)
    assert model.probability(np.full(n, 1.0, dtype=np.float32)) > 0.9
    assert model.probability(np.full(n, -1.0, dtype=np.float32)) < 0.1


def _kb() -> KnowledgeBase:
    return KnowledgeBase.of([Entry("a", "Q?", "A.")], source="kb.jsonl")


def test_labelled_messages_load_and_reject_unknown_entries(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text('{"text": "hi there q", "entry": "a"}\n\n{"text": "x", "entry": null}\n')
    messages = load_labelled_messages(good, _kb())
    assert [(m.text, m.entry_id) for m in messages] == [("hi there q", "a"), ("x", None)]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "q", "entry": "a"}\n{"text": "q", "entry": "zz"}\n')
    with pytest.raises(KnowledgeBaseError, match=r"bad.jsonl, line 2.*'zz'"):
        load_labelled_messages(bad, _kb())
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": \n')
    with pytest.raises(KnowledgeBaseError, match="line 1: not valid JSON"):
        load_labelled_messages(broken, _kb())


def test_shipped_calibration_messages_fit_the_demo_kb() -> None:
    from frontdesk.bootstrap import REFERENCE_KB, REFERENCE_MESSAGES
    from frontdesk.core.knowledge.loading import load_kb

    kb = load_kb(REFERENCE_KB)
    messages = load_labelled_messages(REFERENCE_MESSAGES, kb)
    answerable = [m for m in messages if m.entry_id is not None]
    assert {m.entry_id for m in answerable} == {e.id for e in kb}
    assert len(messages) - len(answerable) >= 100


def test_clarify_band_spends_its_budget_below_the_answer_threshold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from frontdesk.core.knowledge.calibration import _clarify_threshold

    monkeypatch.setattr(calibration, "TARGET_UNANSWERABLE_CLARIFY_RATE", 0.2)
    # Ten unanswerable messages; two are above the answer threshold (wrong answers).
    unanswerable = np.asarray([0.95, 0.9, 0.6, 0.55, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
    threshold = _clarify_threshold(unanswerable, answer_t=0.8)
    in_band = np.sum((unanswerable >= threshold) & (unanswerable < 0.8))
    assert in_band == 2  # 20 % of ten, all below the answer threshold
    assert 0.5 < threshold <= 0.55
