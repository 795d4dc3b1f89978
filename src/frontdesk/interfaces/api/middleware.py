"""ASGI middleware: a trace id on every request, and a cap on request bodies."""

from __future__ import annotations

import json
import uuid

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontdesk.interfaces.api.errors import error_body


class TraceAndLimit:
    """Gives each HTTP request a trace id (echoed as X-Trace-Id) and refuses a body
    over ``max_body_bytes`` with 413 before the app reads it all."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        trace = uuid.uuid4().hex
        scope.setdefault("state", {})["trace_id"] = trace
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._too_large(send, trace)
            return
        received = 0
        limit = self.max_body_bytes

        async def counting_receive() -> Message:
            # Bodies without a Content-Length (chunked) are counted as they arrive.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, f"The request body is over {limit} bytes; send less.")
            return message

        async def send_with_trace(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-trace-id", trace.encode()))
            await send(message)

        await self.app(scope, counting_receive, send_with_trace)

    async def _too_large(self, send: Send, trace: str) -> None:
        body = json.dumps(
            error_body(
                "request_too_large",
                f"The request body is over {self.max_body_bytes} bytes; send less.",
                trace,
            )
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-trace-id", trace.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
