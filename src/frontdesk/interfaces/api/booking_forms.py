"""Reading the booking pages' HTML forms, and the one cross-site guard they need.

The forms post `application/x-www-form-urlencoded` (the browser's default), which the
standard library reads; that spares a multipart dependency for four short fields.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from fastapi import Request
from starlette.requests import HTTPConnection

# More than the forms ever send; a body with more is not one of ours.
MAX_FIELDS = 20
# Longest value kept per field: a link token, an email address, a slot key …
MAX_VALUE = {"token": 4096, "email": 320}
DEFAULT_MAX_VALUE = 100
_ORDER = re.compile(r"#?\s*(\d{3,10})")


async def form_fields(request: Request) -> dict[str, str]:
    """The first value of each field, trimmed and cut to a sane length; {} for a body
    that is not a urlencoded form (the page then says what is missing)."""
    body = await request.body()  # the middleware has capped its size already
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        return {}
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name not in fields:
            fields[name] = value.strip()[: MAX_VALUE.get(name, DEFAULT_MAX_VALUE)]
    return fields


def same_origin(request: HTTPConnection) -> bool:
    """False when the browser says the form was posted from another site.

    Browsers send Origin with every cross-site POST, so a page elsewhere cannot make
    a shopper's browser cancel their appointment. No Origin at all (curl, an old
    browser) is allowed: the token in the form is the authority, and it is not a
    cookie that another site could ride on. Hosts are compared, not schemes, so a
    server behind a TLS-terminating proxy still recognises its own pages."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    try:
        netloc = urlsplit(origin).netloc
    except ValueError:
        return False
    return bool(netloc) and netloc.lower() == host.lower()  # "null" has no host


def order_number(text: str) -> str | None:
    """ "1043" or "#1043" → "1043"; None when it is not an order number."""
    match = _ORDER.fullmatch(text.strip())
    return None if match is None else match.group(1)
