"""Signed CRM webhooks: HMAC-SHA256 over "timestamp.body", fresh, and each delivery once.

The shop's CRM sends three headers with the JSON body:
  X-Frontdesk-Timestamp: unix seconds when it signed the delivery
  X-Frontdesk-Delivery:  a unique id for the delivery (kept, so a replay is refused)
  X-Frontdesk-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">
Signing the timestamp with the body means an old delivery cannot be replayed with a
new timestamp, and the 5-minute window bounds how long the delivery log must hold.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from frontdesk.adapters.crm.wire import update_from_json
from frontdesk.core.account.model import CrmUpdate
from frontdesk.errors import CrmDataError, WebhookError

TIMESTAMP_HEADER = "x-frontdesk-timestamp"
DELIVERY_HEADER = "x-frontdesk-delivery"
SIGNATURE_HEADER = "x-frontdesk-signature"
TOLERANCE_S = 300
_DELIVERY_ID = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Frontdesk-Signature value for ``body`` sent at ``timestamp``."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signed_headers(secret: str, timestamp: int, delivery_id: str, body: bytes) -> dict[str, str]:
    """All three headers a delivery needs (the demo and tests send webhooks too)."""
    return {
        "Content-Type": "application/json",
        "X-Frontdesk-Timestamp": str(timestamp),
        "X-Frontdesk-Delivery": delivery_id,
        "X-Frontdesk-Signature": sign(secret, timestamp, body),
    }


@dataclass(frozen=True, slots=True)
class VerifiedDelivery:
    delivery_id: str
    timestamp: int
    update: CrmUpdate
    # What was signed (timestamp and body): the same content under another delivery
    # id is a replay too, since the id itself is not signed.
    content_key: str


def verify_delivery(
    secret: str, headers: Mapping[str, str], body: bytes, now: float
) -> VerifiedDelivery:
    """The delivery's update, if it is signed with ``secret`` within the last five
    minutes; otherwise WebhookError saying which check failed. The signature is
    checked before the body is parsed, so nothing unsigned is ever read."""
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp = _timestamp(lowered.get(TIMESTAMP_HEADER))
    delivery_id = lowered.get(DELIVERY_HEADER, "")
    if not _DELIVERY_ID.match(delivery_id):
        raise WebhookError(
            "X-Frontdesk-Delivery must be a unique id of 1–200 letters, digits or . _ : -."
        )
    given = lowered.get(SIGNATURE_HEADER, "")
    if not hmac.compare_digest(given.encode("utf-8"), sign(secret, timestamp, body).encode()):
        raise WebhookError(
            "Bad signature: X-Frontdesk-Signature must be sha256=<hex HMAC-SHA256 of "
            '"<timestamp>.<raw body>"> made with the webhook secret.'
        )
    if abs(now - timestamp) > TOLERANCE_S:
        raise WebhookError(
            f"Stale delivery: its timestamp is {abs(now - timestamp):.0f} s from now, more "
            f"than {TOLERANCE_S} s. Sign each delivery when you send it (and check the clock)."
        )
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CrmDataError("The webhook body is not JSON.", detail=str(exc)) from exc
    digest = hashlib.sha256(str(timestamp).encode("ascii") + b"." + body).hexdigest()
    update = update_from_json(payload, delivery_id)
    return VerifiedDelivery(delivery_id, timestamp, update, f"content:{digest}")


def _timestamp(raw: str | None) -> int:
    if raw is None or not raw.strip().isdigit() or len(raw.strip()) > 12:
        raise WebhookError("X-Frontdesk-Timestamp must be the signing time in unix seconds.")
    return int(raw.strip())
