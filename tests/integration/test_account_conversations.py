"""Account questions and actions in a conversation, through the HTTP API, on the
embedded SQL CRM (SQLite and PostgreSQL) and on a shop's REST CRM (a local server)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from frontdesk.adapters.identity import CustomerTokens
from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.migrate import upgrade
from frontdesk.bootstrap import Services
from frontdesk.core.account.model import OrderStatus
from frontdesk.core.conversation import Customer
from frontdesk.core.engine import Assistant
from frontdesk.demo.crm_seed import demo_crm
from tests.crm_backends import http_crm_settings
from tests.databases import database_url
from tests.fakes.crm_server import running_crm_server
from tests.integration.api_client import SECRET, Chat, api, start

ALEX = Customer("cus_1001", "Alex Morgan", "alex.morgan@example.com")
AGENT_KEY = "agent-key-" + "k" * 32
CRMS = ["sql-sqlite", "sql-postgresql", "http"]


@pytest.fixture(params=CRMS)
def client(
    request: pytest.FixtureRequest, demo_assistant: Assistant, tmp_path: Path
) -> Iterator[TestClient]:
    """The service on a freshly seeded demo CRM of each kind."""
    kind: str = request.param
    with ExitStack() as stack:
        database = "postgresql" if kind == "sql-postgresql" else "sqlite"
        url = stack.enter_context(database_url(database, tmp_path))
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        settings: dict[str, Any] = {"agent_api_key": AGENT_KEY}
        if kind == "http":
            server = stack.enter_context(running_crm_server(demo_crm()))
            settings.update(http_crm_settings(server))
        seed = kind != "http"
        yield stack.enter_context(api(demo_assistant, url, seed=seed, **settings))


def services(client: TestClient) -> Services:
    found: Services = client.app.state.services  # type: ignore[attr-defined]
    return found


def signed_in(client: TestClient, customer: Customer = ALEX) -> Chat:
    token = CustomerTokens(SECRET).issue(customer, lifetime_s=600, now=time.time())
    return start(client, customer_token=token)


def reply(chat: Chat, text: str) -> dict[str, Any]:
    replies = chat.say(text)["replies"]
    assert len(replies) == 1
    answer: dict[str, Any] = replies[0]["reply"]
    return answer


def labels(answer: dict[str, Any]) -> list[str]:
    return [o["label"] for o in answer["options"]]


def test_where_is_my_order_lists_recent_orders_and_a_pick_shows_tracking(
    client: TestClient,
) -> None:
    chat = signed_in(client)
    listed = reply(chat, "where is my order")
    assert listed["kind"] == "account"
    assert labels(listed) == ["Order #1059", "Order #1055", "Order #1043"]
    assert "#1055 shipped" in listed["text"] and "being prepared" in listed["text"]
    picked = reply(chat, "Order #1055")
    assert picked["kind"] == "account"
    assert "Tracking number: NW1055TP" in picked["text"]
    by_number = reply(chat, "can you tell me the status of order 1043")
    assert "#1043" in by_number["text"] and "delivered" in by_number["text"]


def test_cancel_asks_first_then_cancels_through_the_directory(client: TestClient) -> None:
    chat = signed_in(client)
    asked = reply(chat, "cancel order 1059")
    assert asked["kind"] == "confirm"
    assert labels(asked) == ["Yes, cancel it", "No, keep it"]
    assert "£174.00" in asked["text"] and "Visa ending 4242" in asked["text"]
    order = services(client).directory.order("cus_1001", "1059")
    assert order is not None and order.status is OrderStatus.PROCESSING  # not before a yes
    done = reply(chat, "Yes, cancel it")
    assert done["kind"] == "account" and "is cancelled" in done["text"]
    order = services(client).directory.order("cus_1001", "1059")
    assert order is not None and order.status is OrderStatus.CANCELLED


def test_no_keeps_the_order(client: TestClient) -> None:
    chat = signed_in(client)
    reply(chat, "please cancel my order")  # the one unshipped order: #1059
    kept = reply(chat, "No, keep it")
    assert "left order #1059 as it is" in kept["text"]
    order = services(client).directory.order("cus_1001", "1059")
    assert order is not None and order.status is OrderStatus.PROCESSING


def test_only_a_plain_yes_confirms_and_only_for_a_while(client: TestClient) -> None:
    chat = signed_in(client)
    reply(chat, "cancel order 1059")
    for text in ("ok, and what plan am I on?", "yes, but cancel order 1055 instead"):
        reply(chat, text)
        reply(chat, "cancel order 1059")  # asked again each time
    chat_service = services(client).chat
    real_clock = chat_service._clock
    chat_service._clock = lambda: real_clock() - 16 * 60  # the question was asked long ago
    try:
        reply(chat, "cancel order 1059")
    finally:
        chat_service._clock = real_clock
    late = reply(chat, "yes")
    assert late["kind"] != "account" or "is cancelled" not in late["text"]
    order = services(client).directory.order("cus_1001", "1059")
    assert order is not None and order.status is OrderStatus.PROCESSING


def test_a_typed_order_number_picks_from_the_list(client: TestClient) -> None:
    priya = signed_in(client, Customer("cus_1002", "Priya Shah"))
    listed = reply(priya, "please cancel my order")
    assert labels(listed) == ["Order #1060", "Order #1057"]
    asked = reply(priya, "#1057")
    assert asked["kind"] == "confirm" and "Order #1057" in asked["text"]


def test_a_shipped_order_cannot_be_cancelled_and_the_reply_says_what_can_be_done(
    client: TestClient,
) -> None:
    chat = signed_in(client)
    shipped = reply(chat, "cancel order 1055")
    assert shipped["kind"] == "account" and "can't be cancelled" in shipped["text"]
    assert "return it within 60 days" in shipped["text"]  # Alex has Northwind Plus
    delivered = reply(chat, "cancel order 1043")
    assert "return it until" in delivered["text"] and "60-day" in delivered["text"]
    old = reply(chat, "I want to cancel order #1006")
    assert "return window ended" in old["text"]


def test_another_customers_order_is_not_on_your_account_and_stays_untouched(
    client: TestClient,
) -> None:
    chat = signed_in(client)
    for text in ("cancel order 1057", "where is order 1057", "change the address on order 1057"):
        answer = reply(chat, text)
        assert "can't find order #1057 on your account" in answer["text"], text
        assert "Mill Lane" not in answer["text"] and "Priya" not in answer["text"]
    reply(chat, "yes")  # nothing is waiting for a yes
    priya = services(client).directory.order("cus_1002", "1057")
    assert priya is not None and priya.status is OrderStatus.PROCESSING
    assert priya.shipping_address.line1 == "7 Mill Lane"


def test_change_the_address_to_a_saved_one(client: TestClient) -> None:
    chat = signed_in(client)
    asked = reply(chat, "change the address on my order")
    assert "14 Larch Road" in asked["text"]
    assert labels(asked) == [
        "Work: Unit 3, Harbourside Studios, Bristol, BS1 5TY",
        "A different address",
    ]
    confirm = reply(chat, "1")
    assert confirm["kind"] == "confirm" and "Harbourside Studios" in confirm["text"]
    done = reply(chat, "Yes, send it there")
    assert "will now go to Unit 3, Harbourside Studios" in done["text"]
    order = services(client).directory.order("cus_1001", "1059")
    assert order is not None and order.shipping_address.postcode == "BS1 5TY"


def test_change_the_address_to_a_typed_one(client: TestClient) -> None:
    chat = signed_in(client)
    reply(chat, "I've moved house, can you send order 1059 to my new address")
    asked = reply(chat, "A different address")
    assert "street, town, postcode" in asked["text"]
    short = reply(chat, "BA1 2AB")
    assert "street, the town and the postcode" in short["text"]
    confirm = reply(chat, "22 Elm Street, Bath, ba1 2ab")
    assert confirm["kind"] == "confirm" and "22 Elm Street, Bath, BA1 2AB" in confirm["text"]
    reply(chat, "yes")
    order = services(client).directory.order("cus_1001", "1059")
    assert order is not None and order.shipping_address.line1 == "22 Elm Street"


def test_plan_invoice_and_payment_come_from_the_crm(client: TestClient) -> None:
    chat = signed_in(client)
    reply(chat, "cancel order 1059")  # a new question drops the pending cancel
    plan = reply(chat, "what plan am I on")
    assert plan["kind"] == "account" and "Northwind Plus" in plan["text"]
    assert "£49.00 a year" in plan["text"] and "renews on" in plan["text"]
    invoice = reply(chat, "my last invoice")
    assert "INV-1059" in invoice["text"] and "£174.00" in invoice["text"]
    paid = reply(chat, "was my payment received")
    assert paid["text"].startswith("Yes") and "Visa ending 4242" in paid["text"]
    order = services(client).directory.order("cus_1001", "1059")
    assert order is not None and order.status is OrderStatus.PROCESSING
    priya = signed_in(client, Customer("cus_1002", "Priya Shah"))
    none = reply(priya, "what plan am I on")
    assert "isn't on a membership plan" in none["text"]


def test_a_returns_answer_names_the_shoppers_own_return_window(client: TestClient) -> None:
    chat = signed_in(client)
    answer = reply(chat, "How do I return an item?")
    assert answer["kind"] == "answer"
    assert "Account > My orders" in answer["text"]  # the FAQ's own answer …
    assert "order #1043" in answer["text"] and "return it until" in answer["text"]  # … and theirs


def test_anonymous_visitors_are_asked_to_sign_in_never_for_an_id(client: TestClient) -> None:
    chat = start(client)
    kinds = {}
    for text in ("where is my order", "cancel order 1059", "what plan am I on"):
        answer = reply(chat, text)
        kinds[text] = answer["kind"]
        assert "sign in" in answer["text"], text
        assert "customer id" not in answer["text"].lower() and "#1059" not in answer["text"]
    # The FAQ's general answer where it has one, with a word on signing in; else just that.
    assert kinds == {
        "where is my order": "answer",
        "cancel order 1059": "answer",
        "what plan am I on": "sign_in",
    }
    order = services(client).directory.order("cus_1001", "1059")
    assert order is not None and order.status is OrderStatus.PROCESSING


def test_the_ledger_lists_what_was_read_and_changed_for_agents_only(client: TestClient) -> None:
    chat = signed_in(client)
    reply(chat, "where is my order")
    reply(chat, "cancel order 1059")
    reply(chat, "yes")
    url = f"/api/conversations/{chat.id}/ledger"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=chat.auth).status_code == 401  # a shopper's token is not enough
    ledger = client.get(url, headers={"Authorization": f"Bearer {AGENT_KEY}"})
    assert ledger.status_code == 200, ledger.text
    body = ledger.json()
    assert body["customer"]["id"] == "cus_1001"
    entries = body["entries"]
    reads = {(e["reply_to"], e["record"]) for e in entries if e["action"] == "read"}
    assert (1, "order 1055") in reads and (3, "order 1059") in reads
    changed = [e for e in entries if e["action"] == "changed"]
    assert changed == [
        {
            "seq": 6,
            "reply_to": 5,
            "at": changed[0]["at"],
            "action": "changed",
            "record": "order 1059",
            "fields": ["status", "cancelled_at"],
            "crm": changed[0]["crm"],
        }
    ]
    # Names of fields, never their values: no card digits, addresses or emails.
    listed = json.dumps(entries)
    assert "4242" not in listed and "Larch" not in listed and "@" not in listed
