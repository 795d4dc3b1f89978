"""FAQ benchmark: the Kaggle e-commerce FAQ with dev.jsonl, model vs TF-IDF fallback.

Each retriever runs in its own process so that load time and peak RSS are its own.
Writes one JSON file (default bench/results/faq.json) and prints a table.

    python bench/faq_bench.py [--out FILE] [--retrievers onnx,tfidf] [--train]

With --train, a model is first trained on the Kaggle FAQ with `frontdesk train` (never
on dev.jsonl) and measured beside the base model as the retriever "trained".
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FRONTDESK_SHARED_DATA", str(REPO.parent / "shared" / "data")))
KB = SHARED / "ecommerce-faq" / "Ecommerce_FAQ_Chatbot_dataset.json"
DEV = SHARED / "ecommerce-faq" / "dev.jsonl"
DEMO_KB = REPO / "src" / "frontdesk" / "demo" / "data" / "kb.jsonl"
DEMO_DIALOGUES = REPO / "src" / "frontdesk" / "demo" / "data" / "dialogues.jsonl"
PASSES = 3
GOALS = {
    "answer_accuracy": (">=", 0.85),
    "wrong_answer_rate": ("<=", 0.05),
    "abstention_oos": (">=", 0.90),
    "dialogue_turn_accuracy": (">=", 0.80),
    "latency_p50_ms": ("<=", 5.0),
    "latency_p95_ms": ("<=", 15.0),
    "model_load_s": ("<=", 1.0),
    "peak_rss_mb": ("<=", 300.0),
}


TRAINED_GOALS = {
    "answer_accuracy": (">=", 0.92),
    "wrong_answer_rate": ("<=", 0.03),
    "abstention_oos": (">=", 0.93),
    "latency_p50_ms": ("<=", 3.0),
}


def measure_one(retriever: str) -> dict[str, object]:
    """Runs in a child process: load, build, evaluate, report.

    ``retriever`` is onnx, tfidf, or trained:DIR for a `frontdesk train` model."""
    from frontdesk.adapters.embeddings.onnx_embedder import OnnxEmbedder
    from frontdesk.bootstrap import build_assistant
    from frontdesk.config import load_settings
    from frontdesk.evaluation.datasets import load_eval_set
    from frontdesk.evaluation.metrics import compute_metrics
    from frontdesk.evaluation.runner import run_eval

    settings = load_settings()
    model_load_s = None
    trained = Path(retriever.split(":", 1)[1]) if retriever.startswith("trained:") else None
    if retriever == "onnx" or trained is not None:
        started = time.perf_counter()
        OnnxEmbedder(trained / "encoder" if trained else settings.default_model_dir)
        model_load_s = time.perf_counter() - started
    started = time.perf_counter()
    assistant = build_assistant(
        KB,
        retriever=None if trained else retriever,
        settings=settings,
        trained_model=trained,
    )
    build_s = time.perf_counter() - started
    items = load_eval_set(DEV)
    # Timings on a shared VM swing by a third between runs: time several passes and
    # keep the median of each percentile (the answers are the same every pass).
    passes = [compute_metrics(run_eval(assistant, items, warmup=10).predictions).as_dict()]
    passes += [
        compute_metrics(run_eval(assistant, items, warmup=0).predictions).as_dict()
        for _ in range(PASSES - 1)
    ]
    metrics = dict(passes[0])
    for key in ("latency_p50_ms", "latency_p95_ms", "latency_max_ms"):
        values = sorted(float(p[key]) for p in passes)  # type: ignore[arg-type]
        metrics[key] = values[len(values) // 2]
        metrics[f"{key}_passes"] = values
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {
        **_demo_dialogues(retriever, trained, settings),
        "retriever": "trained" if trained else retriever,
        "model_load_s": None if model_load_s is None else round(model_load_s, 3),
        "assistant_build_s": round(build_s, 3),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "threads": settings.threads,
        **metrics,
        "calibration": assistant.describe(),
    }


def _demo_dialogues(retriever: str, trained: Path | None, settings: Any) -> dict[str, object]:
    """Follow-ups on a second KB: the demo shop's dialogues, our own text, which no
    threshold or rule was fitted to (a model trained on the Kaggle FAQ is skipped:
    its classifier does not know the demo KB)."""
    from frontdesk.bootstrap import build_assistant
    from frontdesk.evaluation.datasets import load_eval_set
    from frontdesk.evaluation.metrics import compute_metrics
    from frontdesk.evaluation.runner import run_eval

    if trained is not None:
        return {}
    assistant = build_assistant(DEMO_KB, retriever=retriever, settings=settings)
    run = run_eval(assistant, load_eval_set(DEMO_DIALOGUES), warmup=0)
    metrics = compute_metrics(run.predictions).as_dict()
    return {
        "demo_dialogue_turns": metrics["dialogue_turns"],
        "demo_dialogue_turn_accuracy": metrics["dialogue_turn_accuracy"],
        "demo_dialogue_wrong_answer_rate": metrics["dialogue_wrong_answer_rate"],
    }


def _check(result: dict[str, object]) -> dict[str, bool]:
    verdict: dict[str, bool] = {}
    goals = {**GOALS, **TRAINED_GOALS} if result["retriever"] == "trained" else GOALS
    for key, (op, goal) in goals.items():
        value = result.get(key)
        if isinstance(value, int | float):
            verdict[key] = value >= goal if op == ">=" else value <= goal
    return verdict


def _train(model: Path, epochs: int) -> dict[str, object]:
    """`frontdesk train` on the Kaggle FAQ alone; returns its metrics and wall time."""
    started = time.perf_counter()
    child = subprocess.run(
        [str(Path(sys.executable).parent / "frontdesk"), "train", "--kb", str(KB),
         "--epochs", str(epochs), "-o", str(model), "--json"],
        capture_output=True, text=True, check=True, timeout=3600,
    )  # fmt: skip
    metrics: dict[str, object] = json.loads(child.stdout)
    return {"wall_minutes": round((time.perf_counter() - started) / 60.0, 2), **metrics}


def main() -> int:
    parser = argparse.ArgumentParser(description="FAQ answering benchmark")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "faq.json")
    parser.add_argument("--retrievers", default="onnx,tfidf")
    parser.add_argument("--train", action="store_true", help="also train and measure a model")
    # One epoch: on a 79-entry FAQ more passes fit the rule-made variants; the
    # held-out split says so too (accepted and right 0.962 at 1 epoch, 0.949 at 3).
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one)))
        return 0
    if not DEV.is_file():
        print(f"error: {DEV} not found; set FRONTDESK_SHARED_DATA", file=sys.stderr)
        return 2
    retrievers = args.retrievers.split(",")
    training: dict[str, object] = {}
    if args.train:
        model = Path(tempfile.mkdtemp(prefix="frontdesk-faq-bench-")) / "model"
        training = _train(model, args.epochs)
        retrievers.insert(1, f"trained:{model}")
    results = []
    for retriever in retrievers:
        child = subprocess.run(
            [sys.executable, __file__, "--one", retriever],
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
        if child.returncode != 0:
            print(child.stderr, file=sys.stderr)
            return 1
        result = json.loads(child.stdout.strip().splitlines()[-1])
        result["meets_goal"] = _check(result)
        results.append(result)
    report = {
        "benchmark": "kaggle-ecommerce-faq + dev.jsonl",
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "goals": {k: f"{op} {v}" for k, (op, v) in GOALS.items()},
        "trained_goals": {k: f"{op} {v}" for k, (op, v) in TRAINED_GOALS.items()},
        "training": training,
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    keys = [
        *GOALS,
        "clarify_rate",
        "clarify_hit_rate",
        "smalltalk_handled",
        "demo_dialogue_turn_accuracy",
        "dialogue_wrong_answer_rate",
        "demo_dialogue_wrong_answer_rate",
    ]
    print(f"{'metric':28}" + "".join(f"{r['retriever']:>12}" for r in results))
    for key in keys:
        print(f"{key:28}" + "".join(f"{r.get(key)!s:>12}" for r in results))
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
