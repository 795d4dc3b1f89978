"""A local stand-in for the OpenAI HTTP API, for tests that run the real ``openai`` client.

It speaks the documented shapes of the endpoints frontdesk uses:

    POST /v1/files                              multipart upload, purpose=fine-tune
    POST /v1/fine_tuning/jobs                   create a job on an uploaded file
    GET  /v1/fine_tuning/jobs/{id}              a job; each read moves it one state on
    GET  /v1/fine_tuning/jobs/{id}/events       newest first, ?limit=N
    POST /v1/chat/completions                   answers from the entries in the prompt

and can be told to fail: ``fail(path, status, times=..., headers=...)`` answers the next
matching requests with that status and an OpenAI error body; ``hang(path)`` accepts the
request and never answers (until the server stops), so the client must time out.
It listens on a random localhost port in a daemon thread; use it as a context manager.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

FAKE_KEY = "sk-fake-test-key-0123456789abcdef"
PROMPT_TOKENS = 200
COMPLETION_TOKENS = 40
# A job moves through these states, one per read of GET /v1/fine_tuning/jobs/{id}.
JOB_STATES = ("validating_files", "queued", "running", "running", "succeeded")
TRAINING_STEPS = 30
HANG_LIMIT_S = 30.0  # a hung request gives up by itself if the server is never stopped
_ENTRY = re.compile(r"\[entry:([^\]]+)\]\nQuestion: [^\n]*\nAnswer: ([^\n]*)")

ChatReply = str | Callable[[str], str]


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Fault:
    method: str
    path: str  # a prefix of the request path, e.g. "/v1/chat/completions"
    status: int | None  # None: hang
    times: int
    headers: dict[str, str] = field(default_factory=dict)
    code: str | None = None
    message: str | None = None


class FakeOpenAI:
    def __init__(self, api_key: str = FAKE_KEY) -> None:
        self.api_key = api_key
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.files: dict[str, dict[str, Any]] = {}
        self.contents: dict[str, bytes] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.reads: dict[str, int] = {}
        # Default: answer with the first entry's answer, citing it, so a test can tell
        # the model's wording ("According to our FAQ: ...") from the extractive answer.
        self.chat_reply: ChatReply = _cite_first_entry
        self.usage: dict[str, int] | None = {
            "prompt_tokens": PROMPT_TOKENS,
            "completion_tokens": COMPLETION_TOKENS,
            "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
        }
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle -------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases hung requests
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- scripting -------------------------------------------------------------------

    def fail(
        self,
        path: str,
        status: int,
        *,
        times: int = 1,
        method: str = "",
        headers: dict[str, str] | None = None,
        code: str | None = None,
        message: str | None = None,
    ) -> None:
        self.faults.append(Fault(method, path, status, times, headers or {}, code, message))

    def hang(self, path: str, *, times: int = 1, method: str = "") -> None:
        self.faults.append(Fault(method, path, None, times))

    def calls(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith(path)]

    # -- request handling (called from server threads) --------------------------------

    def _fault_for(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and path.startswith(fault.path):
                    if fault.method and fault.method != method:
                        continue
                    fault.times -= 1
                    return fault
        return None

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}-fake{next(self._ids):04d}"

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        """(status, JSON body, extra headers), or None to hang."""
        path = urlsplit(raw_path).path
        with self._lock:
            self.requests.append(Recorded(method, path, headers, body))
        fault = self._fault_for(method, path)
        if fault is not None and fault.status is None:
            self._stopping.wait(HANG_LIMIT_S)
            return None
        if headers.get("authorization") != f"Bearer {self.api_key}":
            # Like the real API, echo (part of) the key back: the client must not show it.
            sent = headers.get("authorization", "").removeprefix("Bearer ")
            return _error(401, f"Incorrect API key provided: {sent}.", "invalid_api_key")
        if fault is not None and fault.status is not None:
            status, extra = fault.status, fault.headers
            default = {429: "Rate limit reached for requests", 500: "The server had an error"}
            message = fault.message or default.get(status, f"Error {status}")
            code, reply, _ = _error(status, message, fault.code)
            return code, reply, extra
        query = parse_qs(urlsplit(raw_path).query)
        return self._route(method, path, body, headers, query)

    def _route(
        self,
        method: str,
        path: str,
        body: bytes,
        headers: dict[str, str],
        query: dict[str, list[str]],
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if method == "POST" and path == "/v1/files":
            return self._upload(body, headers.get("content-type", ""))
        if method == "POST" and path == "/v1/fine_tuning/jobs":
            return self._create_job(json.loads(body or b"{}"))
        match = re.fullmatch(r"/v1/fine_tuning/jobs/([^/]+)(/events)?", path)
        if method == "GET" and match:
            job_id, events = match.group(1), match.group(2)
            if job_id not in self.jobs:
                return _error(404, f"Could not find fine-tune job: {job_id}", "not_found")
            if events:
                limit = int(query.get("limit", ["20"])[0])
                return 200, self._events(job_id, limit), {}
            return 200, self._advance(job_id), {}
        if method == "POST" and path == "/v1/chat/completions":
            return 200, self._chat(json.loads(body or b"{}")), {}
        return _error(404, f"Unknown route {method} {path}", "unknown_url")

    def _upload(self, body: bytes, content_type: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        purpose, filename, content = "", "", b""
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            if name == "purpose":
                purpose = data.decode()
            elif name == "file":
                filename, content = part.get_filename() or "upload", data
        if purpose != "fine-tune" or not content:
            return _error(400, "A file and purpose=fine-tune are required", "invalid_request")
        file_id = self._next_id("file")
        self.contents[file_id] = content
        self.files[file_id] = {
            "id": file_id,
            "object": "file",
            "bytes": len(content),
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
            "status_details": None,
        }
        return 200, self.files[file_id], {}

    def _create_job(self, request: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        training_file = request.get("training_file")
        if training_file not in self.files:
            return _error(400, f"invalid training_file: {training_file}", "invalid_file")
        job_id = self._next_id("ftjob")
        hyper = request.get("hyperparameters") or {}
        method = request.get("method") or {}
        epochs = hyper.get("n_epochs") or (
            method.get("supervised", {}).get("hyperparameters", {}).get("n_epochs")
        )
        self.jobs[job_id] = {
            "id": job_id,
            "object": "fine_tuning.job",
            "created_at": int(time.time()),
            "error": None,
            "fine_tuned_model": None,
            "finished_at": None,
            "hyperparameters": {"n_epochs": epochs or "auto"},
            "model": request.get("model"),
            "organization_id": "org-fake",
            "result_files": [],
            "seed": 42,
            "status": JOB_STATES[0],
            "trained_tokens": None,
            "training_file": training_file,
            "validation_file": None,
            "suffix": request.get("suffix"),
        }
        self.reads[job_id] = 0
        self.events[job_id] = []
        self._event(job_id, f"Created fine-tuning job: {job_id}")
        return 200, self.jobs[job_id], {}

    def _advance(self, job_id: str) -> dict[str, Any]:
        job = self.jobs[job_id]
        self.reads[job_id] += 1
        state = JOB_STATES[min(self.reads[job_id], len(JOB_STATES) - 1)]
        if state != job["status"] or state == "running":
            if state == "queued":
                self._event(job_id, "Validated training file; job queued")
            elif state == "running":
                step = 10 * sum(1 for e in self.events[job_id] if "Step" in e["message"]) + 10
                self._event(job_id, f"Step {step}/{TRAINING_STEPS}: training loss=0.{40 - step}")
            elif state == "succeeded":
                job["fine_tuned_model"] = f"ft:{job['model']}:fake-org::{job_id[-8:]}"
                job["trained_tokens"] = 12_345
                job["finished_at"] = int(time.time())
                self._event(job_id, "The job has successfully completed")
        job["status"] = state
        return job

    def _event(self, job_id: str, message: str) -> None:
        self.events[job_id].append(
            {
                "id": self._next_id("ftevent"),
                "object": "fine_tuning.job.event",
                "created_at": int(time.time()),
                "level": "info",
                "message": message,
                "type": "message",
                "data": {},
            }
        )

    def _events(self, job_id: str, limit: int) -> dict[str, Any]:
        newest_first = list(reversed(self.events[job_id]))
        return {
            "object": "list",
            "data": newest_first[:limit],
            "has_more": len(newest_first) > limit,
        }

    def _chat(self, request: dict[str, Any]) -> dict[str, Any]:
        prompt = "\n".join(
            str(m.get("content", "")) for m in request.get("messages", []) if m["role"] == "user"
        )
        reply = self.chat_reply if isinstance(self.chat_reply, str) else self.chat_reply(prompt)
        response: dict[str, Any] = {
            "id": self._next_id("chatcmpl"),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model"),
            "system_fingerprint": "fp_fake",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
        }
        if self.usage is not None:
            response["usage"] = self.usage
        return response


def _cite_first_entry(prompt: str) -> str:
    match = _ENTRY.search(prompt)
    if match is None:
        return "NO_ANSWER"
    return f"According to our FAQ: {match.group(2)} [entry:{match.group(1)}]"


def _error(
    status: int, message: str, code: str | None
) -> tuple[int, dict[str, Any], dict[str, str]]:
    kind = "invalid_request_error" if status < 500 else "server_error"
    return (
        status,
        {"error": {"message": message, "type": kind, "param": None, "code": code}},
        {},
    )


def _handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            result = fake.handle(method, self.path, headers, body)
            if result is None:
                self.close_connection = True  # hung: never answer
                return
            status, payload, extra = result
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    return Handler
