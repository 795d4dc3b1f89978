"""A real `frontdesk serve` in a subprocess, for browser tests; it can be restarted on
the same port and database, as an operator would restart it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
FRONTDESK = REPO / ".venv" / "bin" / "frontdesk"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LiveServer:
    def __init__(self, var_dir: Path, port: int | None = None) -> None:
        self.var_dir = var_dir
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None
        self.log = var_dir / "server.log"

    def start(self) -> None:
        env = {
            **os.environ,
            "FRONTDESK_VAR_DIR": str(self.var_dir),
            "FRONTDESK_DATABASE_URL": f"sqlite:///{self.var_dir / 'frontdesk.db'}",
        }
        env.pop("FRONTDESK_REDIS_URL", None)
        self.var_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            # As `make run` does: the demo CRM, seeded once (a restart keeps it).
            subprocess.run(
                [str(FRONTDESK), "demo", "seed"], env=env, stdout=log, stderr=log, check=True
            )
            self._process = subprocess.Popen(
                [str(FRONTDESK), "serve", "--demo", "--port", str(self.port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"server stopped:\n{self.log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"server not healthy:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None
