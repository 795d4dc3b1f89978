"""Web service benchmark: turn latency over HTTP and WebSocket on loopback.

Starts `frontdesk serve` (default 2 workers) on SQLite, then on PostgreSQL (a throwaway
schema in FRONTDESK_TEST_DATABASE_URL, skipped when unset), and drives it over HTTP and
over WebSocket. A turn's latency runs from sending a message to receiving the bot's
reply. Messages are drawn from the demo shop's 610 reference shopper messages and the
KB's alternative phrasings (about 11 words on average).

- Latency, 1 conversation: turns back to back on an idle server.
- Latency, 50 and 200 concurrent conversations: each shopper reads and types between
  turns (a pause drawn from --think, default 2–8 s), starting at a random moment, as
  real shoppers do; every conversation is open (a WebSocket stays connected) throughout.
- Throughput: 50 conversations with no pause at all, until the server is saturated.

Writes JSON (default bench/results/service.json) and prints a table.

    python bench/service_bench.py [--concurrency 1,50,200] [--think 2,8] [--workers 2]

The load generator runs on the same machine as the server and takes CPU from it, so
these figures are a floor for what a dedicated 2-core server does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import websockets

from pg_schema import postgres_schema

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "src" / "frontdesk" / "demo" / "data"
GOALS = {"p95_ms_at_200": ("<=", 50.0), "turns_per_s": (">=", 300.0)}
WARMUP_TURNS = 30
RETRIES: list[int] = []  # turns resent after a dropped connection


def shopper_messages() -> list[str]:
    def rows(name: str) -> list[dict[str, Any]]:
        lines = (DEMO / name).read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    reference = [row["text"] for row in rows("calibration.jsonl")]
    phrasings = [q for row in rows("kb.jsonl") for q in row.get("alt_questions", [])]
    return reference + phrasings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def server(database_url: str, workers: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    with tempfile.TemporaryDirectory() as var:
        env = {
            **os.environ,
            "FRONTDESK_VAR_DIR": var,
            "FRONTDESK_DATABASE_URL": database_url,
            # A load test is a flood by design; the limiter has its own tests.
            "FRONTDESK_RATE_LIMIT_PER_MINUTE": "0",
            "FRONTDESK_RATE_LIMIT_NEW_CONVERSATIONS_PER_MINUTE": "0",
        }
        log = open(Path(var) / "server.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [str(REPO / ".venv" / "bin" / "frontdesk"), "serve", "--port", str(port),
             "--workers", str(workers)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base, process, Path(var) / "server.log")
            yield base, process
        except BaseException:
            print((Path(var) / "server.log").read_text(errors="replace")[-3000:])
            raise
        finally:
            errors = [
                line
                for line in (Path(var) / "server.log").read_text(errors="replace").splitlines()
                if "Traceback" in line or "ERROR" in line or "WARNING" in line
            ]
            if errors:
                print("server log:", *errors[:20], sep="\n  ")
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()


def wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server stopped:\n{log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    sys.exit("the server did not become healthy within 120 s")


def tree_rss_mb(pid: int) -> float:
    """Resident memory of the server and its worker processes."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for one in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


async def start_conversations(client: httpx.AsyncClient, count: int) -> list[tuple[str, str]]:
    started = []
    for _ in range(count):
        response = await client.post("/api/conversations", json={})
        response.raise_for_status()
        data = response.json()
        started.append((data["conversation"]["id"], data["token"]))
    return started


Pauses = list[float]


HANDOVERS: list[int] = []  # turns a person took over (the shopper then starts anew)


def handed_over(event: dict[str, Any]) -> bool:
    reply = event.get("reply") or {}
    return bool(reply.get("kind") == "handover")


async def http_conversation(
    client: httpx.AsyncClient,
    conv: tuple[str, str],
    texts: list[str],
    pauses: Pauses,
    out: list[float],
) -> None:
    """One shopper's turns. Some messages hand the chat to a person, who answers it from
    then on; the assistant has no more turns there, so the next message opens a new
    conversation, as the next shopper would."""
    cid, token = conv
    for text, pause in zip(texts, pauses, strict=True):
        await asyncio.sleep(pause)
        began = time.perf_counter()
        body = {"text": text, "client_message_id": uuid.uuid4().hex}
        url = f"/api/conversations/{cid}/messages"
        headers = {"Authorization": f"Bearer {token}"}
        try:
            response = await client.post(url, json=body, headers=headers)
        except httpx.TransportError:
            # A keep-alive connection the server closed as it was reused: resend, as
            # the widget would; the same client_message_id makes it safe.
            RETRIES.append(1)
            response = await client.post(url, json=body, headers=headers)
        response.raise_for_status()
        replies = response.json()["replies"]
        assert replies, "no reply"
        out.append((time.perf_counter() - began) * 1000)
        if any(handed_over(r) for r in replies):
            HANDOVERS.append(1)
            cid, token = (await start_conversations(client, 1))[0]


async def ws_conversation(
    client: httpx.AsyncClient,
    base: str,
    conv: tuple[str, str],
    texts: list[str],
    pauses: Pauses,
    out: list[float],
) -> None:
    """As http_conversation, over a WebSocket per conversation."""
    remaining = list(zip(texts, pauses, strict=True))
    while remaining:
        cid, token = conv
        url = base.replace("http://", "ws://") + f"/api/conversations/{cid}/ws"
        async with websockets.connect(url, open_timeout=30, max_queue=None) as ws:
            await ws.send(json.dumps({"type": "hello", "token": token, "after": 0}))
            assert json.loads(await ws.recv())["type"] == "ready"
            while remaining:
                text, pause = remaining.pop(0)
                await asyncio.sleep(pause)
                began = time.perf_counter()
                await ws.send(json.dumps({"type": "message", "text": text,
                                          "client_message_id": uuid.uuid4().hex}))  # fmt: skip
                while True:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
                    if frame["type"] == "error":
                        raise RuntimeError(frame["error"]["message"])
                    if frame["type"] == "event" and frame["event"]["source"] == "bot":
                        break
                out.append((time.perf_counter() - began) * 1000)
                if handed_over(frame["event"]):
                    HANDOVERS.append(1)
                    conv = (await start_conversations(client, 1))[0]
                    break


async def load(
    base: str,
    transport: str,
    concurrency: int,
    turns_each: int,
    think: tuple[float, float] | None,
    pool: list[str],
    seed: int,
) -> dict[str, Any]:
    rng = random.Random(seed)
    limits = httpx.Limits(max_connections=concurrency + 10, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        conversations = await start_conversations(client, concurrency)
        jobs = []
        for conv in conversations:
            texts = [rng.choice(pool) for _ in range(turns_each)]
            if think is None:
                pauses = [0.0] * turns_each
            else:  # the first pause spreads the starts over one think time
                pauses = [rng.uniform(0, think[1])] + [
                    rng.uniform(*think) for _ in range(turns_each - 1)
                ]
            jobs.append((conv, texts, pauses))
        latencies: list[float] = []
        began = time.perf_counter()
        cpu_began = time.process_time()
        if transport == "http":
            runs = [http_conversation(client, c, t, p, latencies) for c, t, p in jobs]
        else:
            runs = [ws_conversation(client, base, c, t, p, latencies) for c, t, p in jobs]
        results = await asyncio.gather(*runs, return_exceptions=True)
        wall = time.perf_counter() - began
        client_cpu = time.process_time() - cpu_began
    errors = [repr(r) for r in results if isinstance(r, BaseException)]
    values = np.array(latencies)
    retries, handovers = len(RETRIES), len(HANDOVERS)
    RETRIES.clear()
    HANDOVERS.clear()

    def pct(q: float) -> float | None:
        return round(float(np.percentile(values, q)), 2) if len(values) else None

    return {
        "transport": transport,
        "concurrency": concurrency,
        "think_s": list(think) if think else None,
        "turns": len(latencies),
        "errors": len(errors),
        "resent": retries,
        "handed_over": handovers,
        "first_error": errors[0] if errors else None,
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "turns_per_s": round(len(latencies) / wall, 1),
        "wall_s": round(wall, 2),
        # Cores the load generator itself kept busy: taken from the server's two.
        "client_cores": round(client_cpu / wall, 2),
    }


def run_backend(
    backend: str, url: str, args: argparse.Namespace, pool: list[str]
) -> list[dict[str, Any]]:
    plan: list[tuple[str, str, int, int, tuple[float, float] | None]] = []
    for transport in args.transports:
        for concurrency in args.concurrency:
            if concurrency == 1:
                plan.append(("latency", transport, 1, args.solo_turns, None))
            else:
                plan.append(("latency", transport, concurrency, args.turns_each, args.think))
        plan.append(("throughput", transport, 50, args.saturate_turns // 50, None))
    rows = []
    with server(url, args.workers) as (base, process):
        asyncio.run(load(base, "http", 4, WARMUP_TURNS // 4, None, pool, seed=0))
        for measure, transport, concurrency, turns_each, think in plan:
            row = asyncio.run(
                load(base, transport, concurrency, turns_each, think, pool, seed=concurrency)
            )
            row.update(
                backend=backend, measure=measure, server_rss_mb=round(tree_rss_mb(process.pid), 1)
            )
            rows.append(row)
            print(
                f"{backend:10} {transport:4} {measure:10} {concurrency:4} conv"
                f"  p50 {row['p50_ms']:8} ms  p95 {row['p95_ms']:8} ms  p99 {row['p99_ms']:8} ms"
                f"  {row['turns_per_s']:7} turns/s  RSS {row['server_rss_mb']} MB"
                f"  errors {row['errors']}",
                flush=True,
            )
    return rows


def verdicts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    at_200 = [
        r for r in rows if r["measure"] == "latency" and r["concurrency"] == 200 and r["p95_ms"]
    ]
    best = min((r["turns_per_s"] for r in rows if r["measure"] == "throughput"), default=0.0)
    worst_p95 = max((r["p95_ms"] for r in at_200), default=None)
    return {
        "p95_ms_at_200": {"value": worst_p95, "goal": "<= 50",
                          "met": worst_p95 is not None and worst_p95 <= 50},
        "turns_per_s": {"value": best, "goal": ">= 300", "met": best >= 300},
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "service.json")
    parser.add_argument("--concurrency", default="1,50,200")
    parser.add_argument("--transports", default="http,ws")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--think", default="2,8", help="pause between turns, min,max s")
    parser.add_argument("--turns-each", type=int, default=5, help="turns per conversation")
    parser.add_argument("--solo-turns", type=int, default=100, help="turns of 1 conversation")
    parser.add_argument("--saturate-turns", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    args.transports = args.transports.split(",")
    low, high = (float(x) for x in args.think.split(","))
    args.think = (low, high)
    pool = shopper_messages()
    rows: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                rows += run_backend(backend, f"sqlite:///{tmp}/bench.db", args, pool)
        elif backend == "postgresql":
            url = os.environ.get("FRONTDESK_TEST_DATABASE_URL")
            if not url:
                skipped[backend] = "FRONTDESK_TEST_DATABASE_URL is not set"
                print(f"skipped PostgreSQL: {skipped[backend]}")
                continue
            with postgres_schema(url.replace("postgresql+psycopg://", "postgresql://")) as scoped:
                rows += run_backend(backend, scoped, args, pool)
    result = {
        "benchmark": "service",
        "cores": os.cpu_count(),
        "workers": args.workers,
        "think_s": list(args.think),
        "messages": "demo reference messages + KB alternative phrasings",
        "note": "load generator on the same machine as the server",
        "runs": rows,
        "skipped": skipped,
        "goals": verdicts(rows),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result["goals"]))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
