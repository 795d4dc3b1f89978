"""The conversation WebSocket: catch-up, live replies, resends and refusals."""

from __future__ import annotations

import time
from typing import Any

import pytest
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from frontdesk.core.conversation import Event, Source
from frontdesk.core.engine import Assistant
from tests.databases import redis_url
from tests.integration.api_client import Chat, api, start

pytestmark = pytest.mark.slow


def _connect(chat: Chat) -> Any:
    return chat.client.websocket_connect(f"/api/conversations/{chat.id}/ws")


def _hello(ws: WebSocketTestSession, chat: Chat, after: int = 0) -> dict[str, Any]:
    ws.send_json({"type": "hello", "token": chat.token, "after": after})
    ready: dict[str, Any] = ws.receive_json()
    assert ready["type"] == "ready" and ready["conversation"]["id"] == chat.id
    return ready


def _until_bot_event(ws: WebSocketTestSession) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    for _ in range(20):
        frames.append(ws.receive_json())
        last = frames[-1]
        if last["type"] == "event" and last["event"]["source"] == "bot":
            return frames
        if last["type"] == "error":
            return frames
    raise AssertionError(f"no bot event in {frames}")


def _posted_elsewhere_arrives(listening: Chat, posting: Chat) -> None:
    """A turn posted over REST by ``posting`` reaches the socket open for ``listening``."""
    with _connect(listening) as ws:
        _hello(ws, listening)
        posting.say("how much does delivery cost?")
        events = [ws.receive_json()["event"] for _ in range(2)]
    assert [(e["seq"], e["source"]) for e in events] == [(1, "customer"), (2, "bot")]


def _events(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f["event"] for f in frames if f["type"] == "event"]


def test_a_message_is_acked_then_answered_live(demo_assistant: Assistant, db_url: str) -> None:
    with api(demo_assistant, db_url) as client:
        chat = start(client)
        with _connect(chat) as ws:
            _hello(ws, chat)
            ws.send_json(
                {"type": "message", "text": "do you take paypal?", "client_message_id": "c1"}
            )
            frames = _until_bot_event(ws)
        kinds = [f["type"] for f in frames]
        assert kinds.index("typing") < kinds.index("ack") < kinds.index("event")
        ack = next(f for f in frames if f["type"] == "ack")
        assert ack == {"type": "ack", "client_message_id": "c1", "seq": 1}
        customer, bot = _events(frames)
        assert customer["text"] == "do you take paypal?" and customer["client_message_id"] == "c1"
        assert bot["reply"]["source_ids"] == ["payments-methods"]


def test_a_reconnect_catches_up_from_the_last_seen_event(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        chat = start(client)
        chat.say("how long does delivery take?")
        chat.say("do you take paypal?")
        with _connect(chat) as ws:
            _hello(ws, chat, after=2)
            backlog = [ws.receive_json() for _ in range(2)]
        assert [f["event"]["seq"] for f in backlog] == [3, 4]
        with _connect(chat) as ws:
            _hello(ws, chat, after=0)
            assert [ws.receive_json()["event"]["seq"] for _ in range(4)] == [1, 2, 3, 4]


def test_a_resend_after_a_dropped_connection_is_not_duplicated(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        chat = start(client)
        message = {"type": "message", "text": "can I return a sofa?", "client_message_id": "c-9"}
        with _connect(chat) as ws:
            _hello(ws, chat)
            ws.send_json(message)
            first = _events(_until_bot_event(ws))
        with _connect(chat) as ws:  # the widget never saw the reply: it resends
            _hello(ws, chat, after=0)
            backlog = [ws.receive_json()["event"] for _ in range(2)]
            ws.send_json(message)
            frames = [ws.receive_json() for _ in range(3)]  # typing on, typing off, ack
        assert backlog == first
        assert {"type": "ack", "client_message_id": "c-9", "seq": 1} in frames
        assert [e["seq"] for e in chat.events()] == [1, 2]


def test_a_message_posted_elsewhere_reaches_an_open_socket(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        chat = start(client)
        _posted_elsewhere_arrives(chat, chat)  # another tab, over REST


def test_a_wrong_token_closes_with_4404_and_no_hello_with_4400(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        chat = start(client)
        with _connect(chat) as ws:
            ws.send_json({"type": "hello", "token": "wrong", "after": 0})
            assert ws.receive_json()["error"]["code"] == "not_found"
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
        assert closed.value.code == 4404
        with _connect(chat) as ws:
            ws.send_text("hello?")
            assert ws.receive_json()["error"]["code"] == "invalid_hello"
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
        assert closed.value.code == 4400


def test_bad_messages_get_error_frames_and_the_socket_stays_open(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url, rate_limit_per_minute=6, rate_limit_burst=1) as client:
        chat = start(client)
        with _connect(chat) as ws:
            _hello(ws, chat)
            ws.send_text("{not json")
            assert ws.receive_json()["error"]["code"] == "invalid_message"
            ws.send_bytes(b"\x00\x01")
            assert ws.receive_json()["error"]["code"] == "invalid_message"
            ws.send_json({"type": "message", "text": "x" * 2001, "client_message_id": "long"})
            frames = _until_bot_event(ws)
            error = frames[-1]
            assert error["error"]["code"] == "message_too_long"
            assert error["client_message_id"] == "long"
            ws.send_json({"type": "message", "text": "hello", "client_message_id": "ok"})
            assert _events(_until_bot_event(ws))[-1]["source"] == "bot"
            ws.send_json({"type": "message", "text": "again", "client_message_id": "fast"})
            limited = _until_bot_event(ws)[-1]
            assert limited["error"]["code"] == "rate_limited" and limited["retry_after"] > 0
        said = [e["text"] for e in chat.events() if e["source"] == "customer"]
        assert said == ["hello"]  # neither the refused long one nor the rate-limited one


def test_two_workers_share_live_events_through_redis(
    demo_assistant: Assistant, db_url: str
) -> None:
    url = redis_url()
    with (
        api(demo_assistant, db_url, redis_url=url) as one,
        api(demo_assistant, db_url, redis_url=url) as two,
    ):
        chat = start(one)  # the shopper's socket is held by worker one
        _posted_elsewhere_arrives(chat, Chat(two, chat.id, chat.token))  # a tab on worker two


def test_events_arrive_in_order_even_when_one_was_never_published(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        chat = start(client)
        store = client.app.state.services.store  # type: ignore[attr-defined]
        with _connect(chat) as ws:
            _hello(ws, chat)
            # Stored by a worker whose fan-out failed: nobody was told of seq 1.
            store.append(chat.id, Event(Source.SYSTEM, "stored quietly", time.time()))
            chat.say("how much does delivery cost?")  # seqs 2 and 3, published
            events = [ws.receive_json()["event"] for _ in range(3)]
        assert [(e["seq"], e["text"][:14]) for e in events][:1] == [(1, "stored quietly")]
        assert [e["seq"] for e in events] == [1, 2, 3]


def test_a_hello_or_frame_that_would_overflow_is_refused_not_crashed(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        chat = start(client)
        with _connect(chat) as ws:
            ws.send_json({"type": "hello", "token": chat.token, "after": 2**70})
            assert ws.receive_json()["error"]["code"] == "invalid_hello"
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
        assert closed.value.code == 4400
        with _connect(chat) as ws:
            _hello(ws, chat)
            ws.send_text("[" * 20_000 + "]" * 20_000)  # under the size limit, too deep
            assert ws.receive_json()["error"]["code"] == "invalid_message"
            ws.send_json({"type": "message", "text": "hello", "client_message_id": "ok"})
            assert _events(_until_bot_event(ws))[-1]["source"] == "bot"
