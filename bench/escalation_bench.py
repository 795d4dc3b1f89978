"""Escalation benchmark: does a message ask for a person? Precision and recall of
"should escalate" on the Bitext customer-support intents.

Positives are the intents contact_human_agent and complaint; every other intent is a
negative (contact_customer_service among them: asking for the phone number is not
asking for a person). Messages are de-duplicated (case-insensitively) and split
70/30 within each intent with a fixed seed, so every run and the integration test
see the same split. Two detectors are measured on the test part:

  (a) bitext_trained: the detector on the train part's messages;
  (b) shipped: the detector on the examples frontdesk ships with (written for the
      project; never saw Bitext), i.e. what a shop gets out of the box.

Each at the operating threshold (the default of [triggers.asked] threshold), with a
precision/recall table over other thresholds and the per-message latency of the
whole reading (phrases, embedding, neighbours). Goal: precision ≥ 0.90 at recall
≥ 0.90. Writes JSON (default bench/results/escalation.json) and prints a summary.

    python bench/escalation_bench.py [--out FILE] [--retriever auto|onnx|tfidf] [--errors N]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from frontdesk.adapters.embeddings.tfidf_embedder import TfidfEmbedder
from frontdesk.bootstrap import choose_embedder
from frontdesk.config import load_settings
from frontdesk.core.escalation.asking import SHIPPED_EXAMPLES, HumanRequestDetector, load_examples
from frontdesk.core.escalation.config import ASKED_THRESHOLD
from frontdesk.core.ports import Embedder

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FRONTDESK_SHARED_DATA", str(REPO.parent / "shared" / "data")))
BITEXT = SHARED / "bitext" / "Bitext_Sample_Customer_Support_Training_Dataset.csv"
POSITIVE_INTENTS = ("contact_human_agent", "complaint")
SEED = 13
TRAIN_SHARE = 0.7
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
GOAL = {"precision": (">=", 0.90), "recall": (">=", 0.90)}

Row = tuple[str, str]  # (message, intent)


@dataclass(frozen=True, slots=True)
class Scored:
    text: str
    intent: str
    score: float
    detail: str
    ms: float

    @property
    def positive(self) -> bool:
        return self.intent in POSITIVE_INTENTS


def load_bitext(path: Path = BITEXT) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [(r["instruction"], r["intent"]) for r in csv.DictReader(handle)]


def split_bitext(
    rows: Sequence[Row], seed: int = SEED, train_share: float = TRAIN_SHARE
) -> tuple[list[Row], list[Row]]:
    """Stratified by intent: each intent's distinct messages, shuffled with ``seed``,
    the first ``train_share`` to train and the rest to test."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    seen: set[str] = set()
    for text, intent in rows:
        key = " ".join(text.casefold().split())
        if key in seen:
            continue  # a message in both parts would flatter the trained detector
        seen.add(key)
        by_intent[intent].append(text)
    rng = random.Random(seed)
    train: list[Row] = []
    test: list[Row] = []
    for intent in sorted(by_intent):
        texts = by_intent[intent]
        rng.shuffle(texts)
        cut = round(len(texts) * train_share)
        train += [(t, intent) for t in texts[:cut]]
        test += [(t, intent) for t in texts[cut:]]
    return train, test


def as_examples(rows: Sequence[Row]) -> list[tuple[str, bool]]:
    return [(text, intent in POSITIVE_INTENTS) for text, intent in rows]


def score_all(detector: HumanRequestDetector, rows: Sequence[Row]) -> list[Scored]:
    scored = []
    for text, intent in rows:
        started = time.perf_counter()
        asking = detector.assess(text)
        ms = (time.perf_counter() - started) * 1000.0
        scored.append(Scored(text, intent, asking.score, asking.detail, ms))
    return scored


def metrics_at(scored: Sequence[Scored], threshold: float) -> dict[str, float | int]:
    tp = sum(1 for s in scored if s.positive and s.score >= threshold)
    fp = sum(1 for s in scored if not s.positive and s.score >= threshold)
    fn = sum(1 for s in scored if s.positive and s.score < threshold)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "threshold": threshold,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
    }


def meets_goal(result: dict[str, float | int]) -> bool:
    return all(
        result[name] >= bound if op == ">=" else result[name] <= bound
        for name, (op, bound) in GOAL.items()
    )


def report(scored: Sequence[Scored], threshold: float, examples: int) -> dict[str, object]:
    at = metrics_at(scored, threshold)
    latencies = sorted(s.ms for s in scored)
    by_detail: dict[str, int] = defaultdict(int)
    for s in scored:
        if s.score >= threshold:
            by_detail[s.detail] += 1
    return {
        **at,
        "goal_met": meets_goal(at),
        "examples": examples,
        "latency_p50_ms": round(statistics.median(latencies), 3),
        "latency_p95_ms": round(latencies[int(len(latencies) * 0.95)], 3),
        "escalations_by_reading": dict(sorted(by_detail.items())),
        "table": [metrics_at(scored, t) for t in THRESHOLDS],
    }


def embedder_for(retriever: str, shared: Embedder | None, corpus: Sequence[str]) -> Embedder:
    """The ONNX model is shared; a TF-IDF fallback learns its vocabulary per detector
    (from that detector's own examples, never from the test messages)."""
    if shared is not None:
        return shared
    embedder = TfidfEmbedder()
    embedder.fit(corpus)
    return embedder


def _summary(name: str, r: dict[str, object]) -> None:
    print(
        f"{name:15} precision {r['precision']:.3f}  recall {r['recall']:.3f}  F1 {r['f1']:.3f}  "
        f"at {r['threshold']}  p50 {r['latency_p50_ms']:.2f} ms  "
        f"goal {'met' if r['goal_met'] else 'NOT met'}"
    )


def _errors(scored: Sequence[Scored], threshold: float, limit: int) -> None:
    wrong = [s for s in scored if (s.score >= threshold) != s.positive]
    for s in wrong[:limit]:
        kind = "missed" if s.positive else "false alarm"
        print(f"    {kind:11} {s.score:.2f} {s.intent:26} {s.text}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "escalation.json")
    parser.add_argument("--retriever", choices=["auto", "onnx", "tfidf"], default="auto")
    parser.add_argument("--errors", type=int, default=0, help="print up to N misreadings each")
    args = parser.parse_args()
    if not BITEXT.is_file():
        print(f"Bitext data not found at {BITEXT}; set FRONTDESK_SHARED_DATA.")
        return 1
    settings = load_settings()
    embedder, retriever_id, _ = choose_embedder(settings, args.retriever)
    shared = None if retriever_id == "tfidf" else embedder
    train, test = split_bitext(load_bitext())
    shipped_examples = load_examples(SHIPPED_EXAMPLES)
    detectors = {
        "bitext_trained": as_examples(train),
        "shipped": shipped_examples,
    }
    results: dict[str, dict[str, object]] = {}
    for name, examples in detectors.items():
        started = time.perf_counter()
        corpus = [text for text, _ in examples]
        detector = HumanRequestDetector(embedder_for(retriever_id, shared, corpus), examples)
        build_s = round(time.perf_counter() - started, 2)
        scored = score_all(detector, test)
        results[name] = {**report(scored, ASKED_THRESHOLD, len(examples)), "build_s": build_s}
        _summary(name, results[name])
        if args.errors:
            _errors(scored, ASKED_THRESHOLD, args.errors)
    result = {
        "benchmark": "escalation_asked_for_person",
        "data": {
            "file": "bitext/" + BITEXT.name,
            "sha256": hashlib.sha256(BITEXT.read_bytes()).hexdigest(),
            "positives": list(POSITIVE_INTENTS),
        },
        "split": {
            "seed": SEED,
            "train_share": TRAIN_SHARE,
            "stratified_by": "intent",
            "deduplicated": True,
            "train": len(train),
            "test": len(test),
            "test_positives": sum(1 for _, i in test if i in POSITIVE_INTENTS),
        },
        "embedder": embedder.name,
        "operating_threshold": ASKED_THRESHOLD,
        "goal": {name: list(bound) for name, bound in GOAL.items()},
        "results": results,
        "goal_met": {name: r["goal_met"] for name, r in results.items()},
        "cpu_threads": os.cpu_count(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
