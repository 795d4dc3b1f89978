"""Keep link tokens out of the access log: a booking's manage link is the key to it,
and a log line is read by more people than the shopper it was sent to."""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"(?i)\b(token=)[^&\s\"]+")


def redact_tokens(text: str) -> str:
    return _TOKEN.sub(r"\1[redacted]", text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_tokens(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact_tokens(record.msg)
        return True


def install() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactTokens) for f in access.filters):
        access.addFilter(RedactTokens())
