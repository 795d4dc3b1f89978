"""Queue benchmark: what a shopper's wait estimate costs as the queue grows.

Every handover, and every reconnect of a waiting shopper, tells the shopper their
place in the queue and the wait. This fills one queue with waiting conversations
(and as many handled cases, which the estimate learns from) and times the estimate
of the last case in line, on SQLite and, when FRONTDESK_TEST_DATABASE_URL is set, on
PostgreSQL (a throwaway schema). Goal: the cost does not grow with the queue; the JSON
gives `growth`, the time at the longest queue over the time at the shortest.

    python bench/queue_bench.py [--queues 10,100,1000,3000] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.migrate import upgrade
from frontdesk.bootstrap import Services, build_services
from frontdesk.config import load_settings
from frontdesk.core.escalation.model import Case, CaseStatus, Trigger, TriggerKind
from pg_schema import postgres_schema

REPO = Path(__file__).resolve().parents[1]
REPEATS = 30
T0 = 1_700_000_000.0


def measure(database_url: str, queues: list[int]) -> list[dict[str, float]]:
    with tempfile.TemporaryDirectory() as home:
        model_dir = load_settings().default_model_dir  # the exported model, not re-exported
        os.environ["FRONTDESK_HOME"] = home
        os.environ["FRONTDESK_MODEL_DIR"] = str(model_dir)
        os.environ["FRONTDESK_DATABASE_URL"] = database_url
        engine = make_engine(database_url)
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        services = build_services(load_settings())
        try:
            return _timings(services, queues)
        finally:
            services.close()


def _timings(services: Services, queues: list[int]) -> list[dict[str, float]]:
    chat, cases = services.chat, services.cases
    assert chat.escalation is not None, "the demo shop escalates"
    handover = chat.escalation.handover
    trigger = Trigger(TriggerKind.ASKED, "asked for a person")
    made, results = 0, []
    last: Case | None = None
    for length in queues:
        while made < length:
            # A handled case (claimed, then closed) beside each waiting one.
            for status in ("handled", "waiting"):
                info, _ = chat.start(None, None, "web")
                case = cases.open(
                    Case(
                        id=f"esc_{uuid.uuid4().hex[:16]}",
                        conversation_id=info.id,
                        queue="support",
                        trigger=trigger,
                        topic="faq:returns",
                        topic_label="Returns",
                        status=CaseStatus.QUEUED,
                        created_at=T0 + made,
                    )
                )
                if status == "handled":
                    cases.claim(case.id, "agt_bench", T0 + made)
                    cases.finish(case.id, "closed", T0 + made + 300)
                else:
                    last = case
            made += 1
        assert last is not None
        timings = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            estimate = handover.wait_for(last)
            timings.append((time.perf_counter() - started) * 1000)
        assert estimate.position == length, (estimate.position, length)
        p50 = round(statistics.median(timings), 3)
        results.append({"queue": length, "wait_estimate_ms_p50": p50})
        print(f"  {length:>5} waiting: {p50:.2f} ms", flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queues", default="10,100,1000,3000")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "queue.json")
    args = parser.parse_args()
    queues = sorted(int(n) for n in args.queues.split(","))
    report: dict[str, object] = {"repeats": REPEATS}
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite")
        report["sqlite"] = measure(f"sqlite:///{tmp}/queue.db", queues)
    url = os.environ.get("FRONTDESK_TEST_DATABASE_URL")
    if url:
        with postgres_schema(url, prefix="fd_queue") as scoped:
            print("PostgreSQL")
            report["postgresql"] = measure(scoped, queues)
    for store in ("sqlite", "postgresql"):
        rows = report.get(store)
        if isinstance(rows, list):
            report[f"{store}_growth"] = round(
                rows[-1]["wait_estimate_ms_p50"] / rows[0]["wait_estimate_ms_p50"], 2
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
