"""Accuracy floors on the shared dev set (never times: benchmarks measure those).

The floors sit just under what the current design measures (see bench/faq_bench.py),
so a change that makes answers worse, or less safe, fails here. The int8 model's
kernels differ between CPUs (AVX2 vs AVX-512 VNNI), and so do a few borderline
answers: the same commit once measured dialogue turns 0.580 on one and 0.551 on the other,
so each floor leaves room for that.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk.bootstrap import build_assistant
from frontdesk.config import Settings
from frontdesk.evaluation.datasets import load_eval_set
from frontdesk.evaluation.metrics import EvalMetrics, compute_metrics
from frontdesk.evaluation.runner import run_eval


def evaluate(kb: Path, dev: Path, **kwargs: object) -> EvalMetrics:
    assistant = build_assistant(kb, **kwargs)  # type: ignore[arg-type]
    return compute_metrics(run_eval(assistant, load_eval_set(dev), warmup=0).predictions)


@pytest.fixture(scope="module")
def model_metrics(model_dir: Path, kaggle_faq: Path, dev_set: Path) -> EvalMetrics:
    return evaluate(kaggle_faq, dev_set, retriever="onnx")


def test_model_answers_are_safe(model_metrics: EvalMetrics) -> None:
    assert model_metrics.wrong_answer_rate is not None
    assert model_metrics.wrong_answer_rate <= 0.04
    assert model_metrics.abstention_oos is not None and model_metrics.abstention_oos >= 0.92
    assert model_metrics.smalltalk_handled == 1.0


def test_model_answers_and_clarifies_often_enough(model_metrics: EvalMetrics) -> None:
    assert model_metrics.answer_accuracy is not None and model_metrics.answer_accuracy >= 0.60
    assert model_metrics.clarify_hit_rate is not None and model_metrics.clarify_hit_rate >= 0.90
    assert model_metrics.dialogue_turn_accuracy is not None
    assert model_metrics.dialogue_turn_accuracy >= 0.56


def test_model_follows_the_demo_shops_own_dialogues(model_dir: Path) -> None:
    """Follow-ups on a second KB, our own, that no threshold was fitted to: 0.723 of
    the turns right and 0.042 answered wrongly when this floor was set."""
    demo = Path(__file__).parents[2] / "src" / "frontdesk" / "demo" / "data"
    metrics = evaluate(demo / "kb.jsonl", demo / "dialogues.jsonl", retriever="onnx")
    assert metrics.dialogue_turns >= 100
    assert metrics.dialogue_turn_accuracy is not None
    assert metrics.dialogue_turn_accuracy >= 0.68
    assert metrics.dialogue_wrong_answer_rate is not None
    assert metrics.dialogue_wrong_answer_rate <= 0.07


def test_tfidf_fallback_floor(tmp_path: Path, kaggle_faq: Path, dev_set: Path) -> None:
    metrics = evaluate(kaggle_faq, dev_set, settings=Settings(home=tmp_path), retriever="tfidf")
    assert metrics.wrong_answer_rate is not None and metrics.wrong_answer_rate <= 0.045
    assert metrics.abstention_oos is not None and metrics.abstention_oos >= 0.78
    assert metrics.smalltalk_handled == 1.0
    assert metrics.answer_accuracy is not None and metrics.answer_accuracy >= 0.33
