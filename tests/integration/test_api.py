"""Every REST endpoint, on SQLite and on PostgreSQL, through a real app instance."""

from __future__ import annotations

import time

import jwt
import pytest

from frontdesk.core.conversation import LlmUsage, Reply, ReplyKind
from frontdesk.core.engine import Assistant
from frontdesk.interfaces.api.wire import reply_json
from tests.integration.api_client import SECRET, api, assert_error, start

pytestmark = pytest.mark.slow


def test_a_question_gets_a_sourced_answer_and_the_history_keeps_both(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        chat = start(client)
        turn = chat.say("do you take paypal?", "m-1")
        assert turn["duplicate"] is False
        assert turn["message"]["seq"] == 1 and turn["message"]["source"] == "customer"
        (reply,) = turn["replies"]
        assert reply["source"] == "bot" and reply["reply_to"] == 1
        assert reply["reply"]["kind"] == "answer"
        assert reply["reply"]["source_ids"] == ["payments-methods"]
        assert "PayPal" in reply["text"] and reply["latency_ms"] > 0
        assert [e["seq"] for e in chat.events()] == [1, 2]
        assert chat.events(after=1)[0]["text"] == reply["text"]
        info = client.get(f"/api/conversations/{chat.id}", headers=chat.auth).json()
        assert info["last_seq"] == 2 and info["mode"] == "bot" and info["customer"] is None


def test_a_resend_returns_the_stored_turn_instead_of_a_new_one(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        chat = start(client)
        first = chat.say("how long does delivery take?", "same-id")
        again = chat.say("how long does delivery take?", "same-id")
        assert again["duplicate"] is True
        assert again["message"] == first["message"] and again["replies"] == first["replies"]
        assert len(chat.events()) == 2


def test_clarify_offers_options_and_the_conversation_survives_a_restart(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        chat = start(client)
        chat.say("Do you deliver to the Isle of Skye?")
        turn = chat.say("does it cost more?")
        reply = turn["replies"][0]["reply"]
        assert reply["kind"] == "clarify"
        labels = [o["label"] for o in reply["options"]]
        islands = "Do you deliver to Northern Ireland, the Scottish Highlands and the islands?"
        assert islands in labels
    with api(demo_assistant, db_url) as restarted:
        chat.client = restarted
        picked = chat.say(islands)["replies"][0]["reply"]
        assert picked["kind"] == "answer" and picked["source_ids"] == ["shipping-remote-areas"]
        assert [e["seq"] for e in chat.events()] == [1, 2, 3, 4, 5, 6]


def test_unknown_or_foreign_conversations_are_404_without_telling_which(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        mine, theirs = start(client), start(client)
        attempts = [
            client.get(f"/api/conversations/{theirs.id}", headers=mine.auth),
            client.get(f"/api/conversations/{theirs.id}/events", headers=mine.auth),
            client.post(
                f"/api/conversations/{theirs.id}/messages", json={"text": "hi"}, headers=mine.auth
            ),
            client.get(f"/api/conversations/{theirs.id}"),
            client.get("/api/conversations/" + "0" * 32, headers=mine.auth),
            client.get("/api/conversations/not-an-id", headers=mine.auth),
        ]
        messages = {assert_error(r, 404, "not_found")["error"]["message"] for r in attempts}
        assert len(messages) == 1
        assert theirs.events() == []


def test_an_oversized_message_is_413_and_nothing_is_stored(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        chat = start(client)
        url = f"/api/conversations/{chat.id}/messages"
        too_long = client.post(url, json={"text": "a" * 2001}, headers=chat.auth)
        body = assert_error(too_long, 413, "message_too_long")
        assert "2000" in body["error"]["message"]
        huge = client.post(url, json={"text": "a" * 100_000}, headers=chat.auth)
        assert_error(huge, 413, "request_too_large")
        assert chat.events() == []


def test_malformed_requests_are_422(demo_assistant: Assistant, db_url: str) -> None:
    with api(demo_assistant, db_url) as client:
        chat = start(client)
        url = f"/api/conversations/{chat.id}/messages"
        broken = client.post(
            url, content=b'{"text": "hi', headers={**chat.auth, "Content-Type": "application/json"}
        )
        assert_error(broken, 422, "invalid_json")
        assert_error(
            client.post(url, json={"txt": "hi"}, headers=chat.auth), 422, "invalid_request"
        )
        assert_error(client.post(url, json={"text": "  "}, headers=chat.auth), 422, "input_error")
        bad_id = client.post(
            url, json={"text": "hi", "client_message_id": "<x>"}, headers=chat.auth
        )
        assert_error(bad_id, 422, "input_error")
        posing_as_a_reply = client.post(
            url, json={"text": "hi", "client_message_id": "reply/1"}, headers=chat.auth
        )
        assert_error(posing_as_a_reply, 422, "input_error")
        assert chat.events() == []


def test_a_flood_is_429_with_retry_after_but_a_resend_is_not_counted(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url, rate_limit_per_minute=6, rate_limit_burst=3) as client:
        chat = start(client)
        for i in range(3):
            chat.say(f"hello {i}", f"m-{i}")
        flood = client.post(
            f"/api/conversations/{chat.id}/messages", json={"text": "more"}, headers=chat.auth
        )
        assert_error(flood, 429, "rate_limited")
        assert int(flood.headers["Retry-After"]) >= 1
        assert chat.say("hello 0", "m-0")["duplicate"] is True
        other = start(client)  # the limit is per conversation
        assert other.say("hello")["replies"]


def _token(claims: dict[str, object], secret: str = SECRET, algorithm: str = "HS256") -> str:
    now = int(time.time())
    return jwt.encode({"iat": now, "exp": now + 600, **claims}, secret, algorithm=algorithm)


def test_a_signed_customer_token_names_the_customer(demo_assistant: Assistant, db_url: str) -> None:
    with api(demo_assistant, db_url) as client:
        token = _token({"sub": "cus_1001", "name": "Alex Morgan", "email": "alex@example.com"})
        chat = start(client, customer_token=token)
        info = client.get(f"/api/conversations/{chat.id}", headers=chat.auth).json()
        assert info["customer"] == {
            "id": "cus_1001",
            "name": "Alex Morgan",
            "email": "alex@example.com",
        }


@pytest.mark.parametrize(
    "token",
    [
        _token({"sub": "cus_1001"}, secret="another shop's secret, long enough....."),
        _token({"sub": "cus_1001", "exp": int(time.time()) - 3600}),
        _token({"name": "no subject"}),
        jwt.encode({"sub": "cus_1001", "exp": int(time.time()) + 600}, None, algorithm="none"),
        "not a token",
    ],
    ids=["foreign-secret", "expired", "no-sub", "alg-none", "garbage"],
)
def test_a_customer_token_we_did_not_sign_is_refused(
    demo_assistant: Assistant, db_url: str, token: str
) -> None:
    with api(demo_assistant, db_url) as client:
        response = client.post("/api/conversations", json={"customer_token": token})
        assert_error(response, 401, "invalid_customer_token")


def test_a_customer_id_from_the_browser_is_ignored(demo_assistant: Assistant, db_url: str) -> None:
    with api(demo_assistant, db_url) as client:
        chat = start(client, customer_id="cus_1001", customer={"id": "cus_1001"})
        info = client.get(f"/api/conversations/{chat.id}", headers=chat.auth).json()
        assert info["customer"] is None


def test_html_in_a_message_is_stored_and_returned_as_text(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        chat = start(client)
        text = "<script>alert(1)</script><img src=x onerror=alert(2)>"
        assert chat.say(text)["message"]["text"] == text
        assert chat.events()[0]["text"] == text


def test_an_unexpected_failure_is_500_in_the_same_shape_without_internals(
    demo_assistant: Assistant, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with api(demo_assistant, db_url, raise_server_exceptions=False) as client:
        chat = start(client)

        def broken(*_: object, **__: object) -> None:
            raise RuntimeError("secret internal detail")

        monkeypatch.setattr(client.app.state.services.chat, "post", broken)  # type: ignore[attr-defined]
        response = client.post(
            f"/api/conversations/{chat.id}/messages", json={"text": "hi"}, headers=chat.auth
        )
        body = assert_error(response, 500, "internal_error")
        assert "secret internal detail" not in response.text
        assert body["error"]["trace_id"] == response.headers["X-Trace-Id"]


def test_the_api_docs_and_the_demo_shop_are_served(demo_assistant: Assistant, db_url: str) -> None:
    with api(demo_assistant, db_url) as client:
        assert client.get("/docs").status_code == 200
        paths = client.get("/openapi.json").json()["paths"]
        assert "/api/conversations/{conversation_id}/messages" in paths
        page = client.get("/")
        assert page.status_code == 200 and "/widget.js" in page.text
        assert client.get("/widget.js").headers["content-type"].startswith("text/javascript")
        assert_error(client.get("/nowhere"), 404, "not_found")


def test_without_demo_there_is_no_sign_in_and_slash_explains_the_widget(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url, demo=False) as client:
        assert_error(client.get("/login", follow_redirects=False), 404, "not_found")
        page = client.get("/")
        assert page.status_code == 200 and "widget.js" in page.text
        assert "Northwind" not in page.text


def test_a_demo_session_cookie_is_not_a_customer_token(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url, seed=True) as client:
        client.get("/login", follow_redirects=False)
        session = client.cookies.get("northwind_session")
        assert session
        refused = client.post("/api/conversations", json={"customer_token": session})
        assert_error(refused, 401, "invalid_customer_token")


def test_text_that_is_not_text_and_bodies_that_are_not_json_are_422(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        chat = start(client)
        url = f"/api/conversations/{chat.id}/messages"
        headers = {**chat.auth, "Content-Type": "application/json"}
        # JSON escapes: the bytes are valid JSON, the text they decode to is not text.
        for raw in (rb'{"text": "nul \u0000 byte"}', rb'{"text": "half a pair \ud800"}'):
            assert_error(client.post(url, content=raw, headers=headers), 422, "input_error")
        not_utf8 = client.post(url, content=b'{"text": "\xff\xfe"}', headers=headers)
        assert_error(not_utf8, 422, "invalid_json")
        deep = client.post(url, content=b"[" * 100_000 + b"]" * 100_000, headers=headers)
        assert deep.status_code in (413, 422)
        far = client.get(
            f"/api/conversations/{chat.id}/events", params={"after": 2**63}, headers=chat.auth
        )
        assert_error(far, 422, "invalid_request")
        assert chat.events() == []


def test_starting_conversations_in_a_flood_is_429_too(
    demo_assistant: Assistant, db_url: str
) -> None:
    settings = {"rate_limit_new_conversations_per_minute": 6, "rate_limit_burst": 2}
    with api(demo_assistant, db_url, **settings) as client:
        start(client)
        start(client)
        flood = client.post("/api/conversations", json={})
        assert_error(flood, 429, "rate_limited")
        assert int(flood.headers["Retry-After"]) == 10  # rounded up, never down


def test_a_reply_never_shows_the_shopper_what_the_language_model_cost() -> None:
    reply = Reply(
        ReplyKind.ANSWER, "Yes.", ("payments-methods",), 0.9,
        llm=LlmUsage("gpt-4o-mini", 100, 20, 0.0001),
    )  # fmt: skip
    assert "llm" in reply.as_dict() and "llm" not in reply_json(reply)
