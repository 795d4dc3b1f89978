"""Booking-effort benchmark: scripted shoppers book appointments in the chat of the
demo shop (SQLite, the embedded CRM), a signed-in customer and an anonymous visitor.

For each script: customer turns from the first message to the confirmation (goals:
≤ 3 for a verified customer, ≤ 5 for an anonymous one) and the seconds the
assistant took over them (p50/p95 over the runs; no thinking time of the shopper).

    python bench/booking_bench.py [--runs 20] [--out bench/results/booking.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from frontdesk.adapters.crm.sql_seed import seed_crm
from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.migrate import upgrade
from frontdesk.bootstrap import build_assistant, build_services
from frontdesk.config import Settings
from frontdesk.core.conversation import Customer
from frontdesk.demo.crm_seed import demo_crm
from frontdesk.evaluation.booking_effort import DEMO_SCRIPTS, run_booking_script

REPO = Path(__file__).resolve().parents[1]
ALEX = Customer("cus_1001", "Alex Morgan", "alex.morgan@example.com")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "booking.json")
    args = parser.parse_args()
    assistant = build_assistant()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'frontdesk.db'}"
        engine = make_engine(url)
        upgrade(engine)
        seed_crm(engine, demo_crm())
        engine.dispose()
        settings = Settings(database_url=url, rate_limit_per_minute=0, identity_secret="b" * 40)
        services = build_services(settings, assistant=assistant)
        try:
            for script in DEMO_SCRIPTS:
                efforts = [
                    run_booking_script(services.chat, script, ALEX) for _ in range(args.runs)
                ]
                seconds = [e.seconds for e in efforts]
                turns = sorted({e.turns for e in efforts})
                rows.append(
                    {
                        "script": script.name,
                        "verified": script.verified,
                        "moves": list(script.moves),
                        "customer_turns": turns[-1],
                        "goal_turns": script.goal_turns,
                        "met": turns[-1] <= script.goal_turns,
                        "runs": len(efforts),
                        "seconds_p50": round(float(np.percentile(seconds, 50)), 4),
                        "seconds_p95": round(float(np.percentile(seconds, 95)), 4),
                    }
                )
        finally:
            services.directory.close()
            services.store.close()
    result = {"benchmark": "booking_effort", "results": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for row in rows:
        print(
            f"{row['script']:52} {row['customer_turns']} turns (goal ≤ {row['goal_turns']}) "
            f"p50 {row['seconds_p50'] * 1000:6.1f} ms  p95 {row['seconds_p95'] * 1000:6.1f} ms"
        )


if __name__ == "__main__":
    main()
