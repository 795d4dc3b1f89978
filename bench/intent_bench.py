"""Intent benchmarks: train with `frontdesk train` on CPU, test through the serving path.

BANKING77: the full training set, then accuracy on the official test set.
CLINC150 (full): train on the in-scope training set, calibrate the out-of-scope
threshold on val (in-scope val + oos val) only, then in-scope accuracy and
out-of-scope recall on test. Writes bench/results/<dataset>.json.

    python bench/intent_bench.py banking77|clinc150 [--epochs N] [--out FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FRONTDESK_SHARED_DATA", str(REPO.parent / "shared" / "data")))
FRONTDESK = Path(sys.executable).parent / "frontdesk"
PUBLISHED = {
    "banking77": {"BERT fine-tuned": 93.66, "USE+ConveRT": 93.36},
    "clinc150": {"BERT with threshold (in-scope / oos recall)": [96.2, 52.3]},
}
GOALS = {
    "banking77": {"accuracy": (">=", 93.66), "train_minutes": ("<=", 20.0)},
    "clinc150": {"in_scope_accuracy": (">=", 96.2), "oos_recall": (">=", 70.0)},
}
FLOORS = {
    "banking77": {"accuracy": 90.0},
    "clinc150": {"in_scope_accuracy": 93.0, "oos_recall": 50.0},
}
Row = tuple[str, str]


def _write_csv(path: Path, rows: list[Row]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path


def _banking(work: Path) -> tuple[list[str], list[Row]]:
    def read(name: str) -> list[Row]:
        with (SHARED / "banking77" / name).open(encoding="utf-8") as handle:
            return [(r["text"], r["category"]) for r in csv.DictReader(handle)]

    train = _write_csv(work / "train.csv", read("train.csv"))
    return ["--intents", str(train), "--holdout-fraction", "0"], read("test.csv")


def _clinc(work: Path) -> tuple[list[str], list[Row]]:
    data = json.loads((SHARED / "clinc150" / "data_full.json").read_text(encoding="utf-8"))

    def rows(split: str, oos_split: str) -> list[Row]:
        return [(t, label) for t, label in data[split]] + [(t, "oos") for t, _ in data[oos_split]]

    train = _write_csv(work / "train.csv", [(t, label) for t, label in data["train"]])
    val = _write_csv(work / "val.csv", rows("val", "oos_val"))
    return ["--intents", str(train), "--holdout", str(val)], rows("test", "oos_test")


def evaluate(model: Path, test: list[Row]) -> dict[str, object]:
    """Runs in a child process: the serving path only (onnxruntime + numpy)."""
    from frontdesk.adapters.embeddings.trained_model import load_trained_model

    started = time.perf_counter()
    trained = load_trained_model(model)
    load_s = time.perf_counter() - started
    classifier = trained.classifiers["intent"]
    latencies, best_right, accepted_right, in_scope, oos, oos_rejected = [], 0, 0, 0, 0, 0
    for text, truth in test:
        t0 = time.perf_counter()
        result = classifier.classify(trained.embedder.encode(text)[0], top=1)
        latencies.append((time.perf_counter() - t0) * 1000.0)
        if truth == "oos":
            oos += 1
            oos_rejected += result.label is None
        else:
            in_scope += 1
            best_right += result.best == truth
            accepted_right += result.label == truth
    latencies.sort()
    return {
        "test_in_scope": in_scope,
        "test_oos": oos,
        "accuracy": round(100.0 * best_right / in_scope, 2),
        "in_scope_accuracy": round(100.0 * accepted_right / in_scope, 2),
        "oos_recall": round(100.0 * oos_rejected / oos, 2) if oos else None,
        "latency_p50_ms": round(latencies[len(latencies) // 2], 3),
        "latency_p95_ms": round(latencies[int(len(latencies) * 0.95)], 3),
        "model_load_s": round(load_s, 3),
        "serving_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("dataset", choices=["banking77", "clinc150"])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--keep", type=Path, help="copy the trained model here")
    parser.add_argument("--evaluate", type=Path, help=argparse.SUPPRESS)  # child mode
    parser.add_argument("--test", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.evaluate:
        test = [tuple(r) for r in json.loads(args.test.read_text(encoding="utf-8"))]
        print(json.dumps(evaluate(args.evaluate, test)))  # type: ignore[arg-type]
        return 0
    out = args.out or REPO / "bench" / "results" / f"{args.dataset}.json"
    with tempfile.TemporaryDirectory(prefix="frontdesk-bench-") as tmp:
        work = Path(tmp)
        train_args, test = (_banking if args.dataset == "banking77" else _clinc)(work)
        model = work / "model"
        started = time.perf_counter()
        trained = subprocess.run(
            [str(FRONTDESK), "train", *train_args, "--epochs", str(args.epochs), "-o", str(model),
             "--json"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        wall = time.perf_counter() - started
        if trained.returncode != 0:
            print(trained.stderr, file=sys.stderr)
            return 1
        metrics = json.loads(trained.stdout)
        if args.keep:
            shutil.rmtree(args.keep, ignore_errors=True)
            shutil.copytree(model, args.keep)
        (work / "test.json").write_text(json.dumps(test), encoding="utf-8")
        child = subprocess.run(
            [sys.executable, __file__, args.dataset, "--evaluate", str(model),
             "--test", str(work / "test.json")],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        result = {
            "dataset": args.dataset,
            "epochs": args.epochs,
            "train_minutes": round(wall / 60.0, 2),
            "train_peak_rss_mb": metrics["peak_rss_mb"],
            "held_out": metrics["held_out"],
            **json.loads(child.stdout),
            "published": PUBLISHED[args.dataset],
            "goals": {k: list(v) for k, v in GOALS[args.dataset].items()},
            "floors": FLOORS[args.dataset],
            "cpu_threads": os.cpu_count(),
        }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
