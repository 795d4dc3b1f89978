"""Account-question benchmark: turn latency with the embedded SQL CRM and with a REST
CRM on loopback (tests/fakes/crm_server.py, OAuth2), p50/p95.

A turn is the whole ChatService round trip a worker makes for one shopper message:
store the message, read the conversation, route it, call the CRM (one to three
reads), word the reply, store it. A signed-in demo customer asks the account
questions of the demo shop in turn ("where is my order", "what plan am I on", "my
last invoice", picking an order from a list …); none of them changes the CRM, so
every round asks the same questions of the same data.

    python bench/account_bench.py [--turns 400] [--out bench/results/account.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the fake CRM server lives with the tests

from tests.crm_backends import http_crm_settings  # noqa: E402
from tests.fakes.crm_server import running_crm_server  # noqa: E402

from frontdesk.adapters.crm.sql_seed import seed_crm  # noqa: E402
from frontdesk.adapters.storage.database import make_engine  # noqa: E402
from frontdesk.adapters.storage.migrate import upgrade  # noqa: E402
from frontdesk.bootstrap import build_assistant, build_services  # noqa: E402
from frontdesk.config import Settings  # noqa: E402
from frontdesk.core.conversation import Customer, ReplyKind  # noqa: E402
from frontdesk.core.engine import Assistant  # noqa: E402
from frontdesk.demo.crm_seed import demo_crm  # noqa: E402

ALEX = Customer("cus_1001", "Alex Morgan", "alex.morgan@example.com")
QUESTIONS = (
    "where is my order",
    "Order #1055",
    "what plan am I on",
    "my last invoice",
    "was my payment received",
    "can you tell me the status of order 1043",
    "cancel order 1055",
    "has my sofa been dispatched yet",
)
ACCOUNT_KINDS = {ReplyKind.ACCOUNT, ReplyKind.CONFIRM}


def run(assistant: Assistant, settings: dict[str, Any], turns: int, seed: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'frontdesk.db'}"
        engine = make_engine(url)
        upgrade(engine)
        if seed:
            seed_crm(engine, demo_crm())
        engine.dispose()
        services = build_services(
            Settings(database_url=url, rate_limit_per_minute=0, **settings), assistant=assistant
        )
        try:
            return measure(services.chat, turns)
        finally:
            services.directory.close()
            services.store.close()


def measure(chat: Any, turns: int) -> dict[str, Any]:
    latencies: list[float] = []
    kinds: dict[str, int] = {}
    for round_ in range(turns // len(QUESTIONS) + 2):
        info, _ = chat.start(ALEX)  # a fresh conversation per round keeps contexts alike
        for text in QUESTIONS:
            began = time.perf_counter()
            turn = chat.post(info.id, text)
            took = (time.perf_counter() - began) * 1000
            reply = turn.replies[0].reply
            assert reply is not None
            if round_ >= 2:  # the first rounds warm caches and connections
                latencies.append(took)
                kinds[reply.kind.value] = kinds.get(reply.kind.value, 0) + 1
    account = sum(n for k, n in kinds.items() if ReplyKind(k) in ACCOUNT_KINDS)
    return {
        "turns": len(latencies),
        "p50_ms": round(float(np.percentile(latencies, 50)), 2),
        "p95_ms": round(float(np.percentile(latencies, 95)), 2),
        "max_ms": round(max(latencies), 2),
        "reply_kinds": kinds,
        "answered_from_crm": round(account / len(latencies), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=400)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "account.json")
    args = parser.parse_args()
    assistant = build_assistant()
    results = {"sql": run(assistant, {}, args.turns, seed=True)}
    with running_crm_server(demo_crm()) as server:
        results["http_loopback"] = run(assistant, http_crm_settings(server), args.turns, False)
    result = {"benchmark": "account_turns", "questions": list(QUESTIONS), "results": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name, row in results.items():
        print(
            f"{name:14} p50 {row['p50_ms']:6.2f} ms  p95 {row['p95_ms']:6.2f} ms  "
            f"({row['turns']} turns, {row['answered_from_crm']:.0%} from the CRM)"
        )


if __name__ == "__main__":
    main()
