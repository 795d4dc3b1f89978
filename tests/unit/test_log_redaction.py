"""Link tokens never reach the access log."""

from __future__ import annotations

import logging

from frontdesk.interfaces.api.log_redaction import RedactTokens


def test_access_log_lines_lose_their_tokens() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/appointments/manage?token=eyJ.abc.def&moved=1", "1.1", 200),
        None,
    )
    assert RedactTokens().filter(record)
    line = record.getMessage()
    assert "eyJ" not in line
    assert "/appointments/manage?token=[redacted]&moved=1" in line
