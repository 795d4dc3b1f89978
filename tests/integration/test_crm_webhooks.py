"""POST /webhooks/crm: signed, fresh, once; applied to the embedded CRM and told to the
customer's open conversation at once."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient

from frontdesk.adapters.crm.webhooks import signed_headers
from frontdesk.adapters.crm.wire import update_to_json
from frontdesk.adapters.identity import CustomerTokens
from frontdesk.bootstrap import Services
from frontdesk.core.account.model import (
    CrmUpdate,
    InvoiceStatus,
    OrderStatus,
    Shipment,
    UpdateKind,
)
from frontdesk.core.conversation import Customer
from frontdesk.core.engine import Assistant
from frontdesk.demo.crm_seed import demo_crm
from tests.integration.api_client import SECRET, Chat, api, assert_error, start

WEBHOOK_SECRET = "w" * 40
ALEX = Customer("cus_1001", "Alex Morgan", "alex.morgan@example.com")


def _services(client: TestClient) -> Services:
    found: Services = client.app.state.services  # type: ignore[attr-defined]
    return found


def _shipped(delivery_id: str = "dlv-1") -> CrmUpdate:
    order = next(o for o in demo_crm().orders if o.id == "1059")
    shipment = Shipment(
        carrier="DPD",
        tracking_number="NW1059DP00042",
        shipped_at=datetime.now(UTC),
        tracking_url="https://track.dpd.example/NW1059DP00042",
        expected_on=date.today(),
    )
    shipped = replace(order, status=OrderStatus.SHIPPED, shipment=shipment)
    return CrmUpdate(UpdateKind.ORDER, "cus_1001", delivery_id, order=shipped)


def _send(
    client: TestClient,
    update: CrmUpdate,
    *,
    secret: str = WEBHOOK_SECRET,
    at: int | None = None,
    body: bytes | None = None,
) -> Any:
    raw = body if body is not None else json.dumps(update_to_json(update)).encode()
    headers = signed_headers(secret, at or int(time.time()), update.delivery_id, raw)
    return client.post("/webhooks/crm", content=raw, headers=headers)


def _alex(client: TestClient) -> Chat:
    token = CustomerTokens(SECRET).issue(ALEX, lifetime_s=600, now=time.time())
    return start(client, customer_token=token)


def _status(client: TestClient, order_id: str) -> OrderStatus:
    order = _services(client).directory.order("cus_1001", order_id)
    assert order is not None
    return order.status


def test_a_shipped_order_reaches_the_open_conversation_at_once(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url, seed=True, crm_webhook_secret=WEBHOOK_SECRET) as client:
        chat = _alex(client)
        chat.say("hello")
        anonymous = start(client)
        with client.websocket_connect(f"/api/conversations/{chat.id}/ws") as ws:
            ws.send_json({"type": "hello", "token": chat.token, "after": 2})
            assert ws.receive_json()["type"] == "ready"
            answer = _send(client, _shipped())
            assert answer.status_code == 200, answer.text
            assert answer.json()["notified_conversations"] == 1
            frame = ws.receive_json()
        event = frame["event"]
        assert event["source"] == "bot" and event["reply"]["kind"] == "notice"
        assert event["text"].startswith("Good news: your order #1059 has shipped with DPD")
        assert "NW1059DP00042" in event["text"]
        assert chat.events(after=2)[0]["text"] == event["text"]  # stored, not only pushed
        assert anonymous.events() == []
        assert _status(client, "1059") is OrderStatus.SHIPPED  # the embedded CRM keeps it


def test_a_replayed_delivery_is_refused_and_changes_nothing(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url, seed=True, crm_webhook_secret=WEBHOOK_SECRET) as client:
        chat = _alex(client)
        assert _send(client, _shipped("dlv-7")).status_code == 200
        cancelled = replace(_shipped("dlv-7").order, status=OrderStatus.CANCELLED)  # type: ignore[type-var]
        replay = CrmUpdate(UpdateKind.ORDER, "cus_1001", "dlv-7", order=cancelled)
        assert_error(_send(client, replay), 409, "webhook_replayed")
        assert _status(client, "1059") is OrderStatus.SHIPPED
        assert len(chat.events()) == 1  # one notice, not two


def test_the_same_signed_body_under_a_new_delivery_id_is_a_replay(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url, seed=True, crm_webhook_secret=WEBHOOK_SECRET) as client:
        raw = json.dumps(update_to_json(_shipped("dlv-1"))).encode()
        at = int(time.time())
        first = client.post(
            "/webhooks/crm", content=raw, headers=signed_headers(WEBHOOK_SECRET, at, "dlv-1", raw)
        )
        assert first.status_code == 200
        again = client.post(
            "/webhooks/crm", content=raw, headers=signed_headers(WEBHOOK_SECRET, at, "dlv-2", raw)
        )
        assert_error(again, 409, "webhook_replayed")


def test_a_delivery_that_failed_to_apply_is_taken_when_retried(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url, seed=True, crm_webhook_secret=WEBHOOK_SECRET) as client:
        stranger = replace(_shipped("dlv-new").order, customer_id="cus_9999")  # type: ignore[type-var]
        update = CrmUpdate(UpdateKind.ORDER, "cus_9999", "dlv-new", order=stranger)
        assert_error(_send(client, update), 422, "crm_not_found")
        profile = replace(ALEX_PROFILE(), id="cus_9999", email="new.customer@example.com")
        joined = CrmUpdate(UpdateKind.CUSTOMER, "cus_9999", "dlv-join", profile=profile)
        assert _send(client, joined).status_code == 200
        assert _send(client, update).status_code == 200  # the CRM's retry, same id


def test_old_or_repeated_order_news_is_not_told_again(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url, seed=True, crm_webhook_secret=WEBHOOK_SECRET) as client:
        chat = _alex(client)
        assert _send(client, _shipped("dlv-1")).json()["notified_conversations"] == 1
        assert _send(client, _shipped("dlv-2")).json()["notified_conversations"] == 0
        old = replace(_shipped("dlv-3").order, status=OrderStatus.PROCESSING, shipment=None)  # type: ignore[type-var]
        late = CrmUpdate(UpdateKind.ORDER, "cus_1001", "dlv-3", order=old)
        assert _send(client, late).json()["notified_conversations"] == 0
        assert _status(client, "1059") is OrderStatus.SHIPPED
        assert len(chat.events()) == 1


def test_bad_signatures_and_stale_timestamps_are_401_and_nothing_is_applied(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url, seed=True, crm_webhook_secret=WEBHOOK_SECRET) as client:
        chat = _alex(client)
        forged = _send(client, _shipped("dlv-a"), secret="x" * 40)
        assert_error(forged, 401, "webhook_rejected")
        stale = _send(client, _shipped("dlv-b"), at=int(time.time()) - 301)
        assert "Stale" in assert_error(stale, 401, "webhook_rejected")["error"]["message"]
        raw = json.dumps(update_to_json(_shipped("dlv-c"))).encode()
        headers = signed_headers(WEBHOOK_SECRET, int(time.time()), "dlv-c", raw)
        tampered = raw.replace(b"NW1059DP00042", b"NW9999DP00000")
        refused = client.post("/webhooks/crm", content=tampered, headers=headers)
        assert_error(refused, 401, "webhook_rejected")
        unsigned = client.post("/webhooks/crm", content=raw)
        assert_error(unsigned, 401, "webhook_rejected")
        assert _status(client, "1059") is OrderStatus.PROCESSING
        assert chat.events() == []
        # A refused delivery was not recorded: sent properly, it is applied.
        assert _send(client, _shipped("dlv-a")).status_code == 200


def test_a_signed_body_that_is_not_an_update_is_422(demo_assistant: Assistant, db_url: str) -> None:
    with api(demo_assistant, db_url, seed=True, crm_webhook_secret=WEBHOOK_SECRET) as client:
        update = _shipped("dlv-x")
        bad = _send(client, update, body=b'{"type": "order.updated", "data": {"id": "1059"}}')
        message = assert_error(bad, 422, "input_error")["error"]["message"]
        assert "order.customer_id" in message
        unknown = _send(client, update, body=b'{"type": "order.exploded", "data": {}}')
        assert_error(unknown, 422, "input_error")


def test_invoice_and_customer_updates_are_told_too(demo_assistant: Assistant, db_url: str) -> None:
    with api(demo_assistant, db_url, seed=True, crm_webhook_secret=WEBHOOK_SECRET) as client:
        chat = _alex(client)
        invoice = next(i for i in demo_crm().invoices if i.id == "INV-1059")
        refunded = replace(invoice, status=InvoiceStatus.REFUNDED)
        paid = CrmUpdate(UpdateKind.INVOICE, "cus_1001", "dlv-inv", invoice=refunded)
        assert _send(client, paid).status_code == 200
        profile = replace(ALEX_PROFILE(), phone="07700 900999")
        moved = CrmUpdate(UpdateKind.CUSTOMER, "cus_1001", "dlv-cus", profile=profile)
        assert _send(client, moved).status_code == 200
        texts = [e["text"] for e in chat.events()]
        assert texts[0].startswith("Your refund of £174.00 (INV-1059) has been issued")
        assert texts[1] == "Your account details have just been updated."
        stored = _services(client).directory.customer("cus_1001")
        assert stored is not None and stored.phone == "07700 900999"


def test_without_a_secret_webhooks_are_refused_saying_what_to_set(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url, seed=True) as client:
        refused = assert_error(_send(client, _shipped()), 503, "not_configured")
        assert "FRONTDESK_CRM_WEBHOOK_SECRET" in refused["error"]["message"]


def ALEX_PROFILE() -> Any:
    return next(c.profile for c in demo_crm().customers if c.profile.id == "cus_1001")
