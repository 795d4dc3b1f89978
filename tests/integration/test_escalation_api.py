"""Handing a conversation to a person and back, through the HTTP API and the console's
API, on SQLite and PostgreSQL: the trigger, the queue, the bot's silence, the claim,
the agent's messages, hand-back, close and rating; and who may see what."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from frontdesk.adapters.identity import CustomerTokens
from frontdesk.adapters.passwords import hash_password
from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.migrate import upgrade
from frontdesk.bootstrap import Services
from frontdesk.core.conversation import Customer
from frontdesk.core.engine import Assistant
from frontdesk.core.escalation.model import Agent, Role
from tests.databases import BACKENDS, database_url
from tests.integration.api_client import SECRET, Chat, api, start

PASSWORD = "correct horse battery"
ALEX = Customer("cus_1001", "Alex Morgan", "alex.morgan@example.com")
SAM = Agent("agt_sam", "sam@shop.example", "Sam", Role.AGENT, ("support",), 0.0)
BEA = Agent("agt_bea", "bea@shop.example", "Bea", Role.AGENT, ("support",), 0.0)
BILL = Agent("agt_bill", "bill@shop.example", "Bill", Role.AGENT, ("billing",), 0.0)


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path) as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture
def client(demo_assistant: Assistant, db: str) -> Iterator[TestClient]:
    # The test client speaks plain http, which a Secure cookie is never sent over.
    with api(demo_assistant, db, seed=True, console_secure_cookies=False) as running:
        for agent in (SAM, BEA, BILL):
            services(running).agents.add(agent, hash_password(PASSWORD))
        yield running


def services(client: TestClient) -> Services:
    found: Services = client.app.state.services  # type: ignore[attr-defined]
    return found


class Console:
    """One agent's browser: its own cookie jar, its CSRF token from the console page."""

    def __init__(self, app_client: TestClient, agent: Agent) -> None:
        self.client = TestClient(app_client.app)
        response = self.client.post(
            "/console/login",
            data={"email": agent.email, "password": PASSWORD},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        page = self.client.get("/console")
        assert page.status_code == 200
        match = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert match is not None
        self.csrf = match.group(1)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(path, json=body or {}, headers={"X-CSRF-Token": self.csrf})

    def queue(self) -> list[dict[str, Any]]:
        response = self.get("/api/console/queue")
        assert response.status_code == 200, response.text
        cases: list[dict[str, Any]] = response.json()["cases"]
        return cases


def escalated(client: TestClient, text: str = "I want to talk to a real person") -> Chat:
    chat = start(client)
    replies = chat.say(text)["replies"]
    assert [r["kind"] for r in replies] == ["mode", "message"], replies
    assert replies[0]["mode"] == "queued"
    assert replies[1]["reply"]["kind"] == "handover"
    return chat


def mode(chat: Chat) -> str:
    response = chat.client.get(f"/api/conversations/{chat.id}", headers=chat.auth)
    result: str = response.json()["mode"]
    return result


def test_asking_for_a_person_queues_the_chat_and_the_bot_stays_silent(client: TestClient) -> None:
    chat = escalated(client)
    handover = chat.events()[-1]
    assert "You're next in the queue" in handover["text"]
    assert mode(chat) == "queued"
    # The assistant no longer answers, even a question it knows, but keeps the message.
    turn = chat.say("How long does delivery take?")
    assert turn["replies"] == []
    assert chat.events()[-1]["text"] == "How long does delivery take?"


def test_the_agent_sees_the_case_with_its_trigger_summary_and_intro(client: TestClient) -> None:
    chat = start(client)
    chat.say("my lamp from order 1043 arrived broken")
    chat.say("this is ridiculous, I want to speak to a human")
    sam = Console(client, SAM)
    [row] = [c for c in sam.queue() if c["conversation_id"] == chat.id]
    assert row["status"] == "queued"
    assert row["trigger"]["kind"] in ("asked_for_human", "frustrated")
    assert row["trigger"]["evidence"]
    detail = sam.get(f"/api/console/cases/{row['id']}").json()
    assert "1043" in detail["summary"]["text"] or "lamp" in detail["summary"]["text"]
    assert "Sam" in detail["introduction"]
    assert [e["text"] for e in detail["events"] if e["source"] == "customer"][:1] == [
        "my lamp from order 1043 arrived broken"
    ]


def test_claim_reply_hand_back_and_the_assistant_answers_again(client: TestClient) -> None:
    chat = escalated(client)
    sam = Console(client, SAM)
    [row] = [c for c in sam.queue() if c["conversation_id"] == chat.id]
    claimed = sam.post(f"/api/console/cases/{row['id']}/claim")
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["case"]["mine"] is True
    assert mode(chat) == "agent"
    said = sam.post(
        f"/api/console/cases/{row['id']}/messages",
        {"text": "Hi, I'm Sam. How can I help?", "client_message_id": "m-1"},
    )
    assert said.status_code == 200, said.text
    # A resend of the same message is not stored twice.
    again = sam.post(
        f"/api/console/cases/{row['id']}/messages",
        {"text": "Hi, I'm Sam. How can I help?", "client_message_id": "m-1"},
    )
    assert again.json()["event"]["seq"] == said.json()["event"]["seq"]
    events = chat.events()
    agent_said = [e for e in events if e["source"] == "agent"]
    assert [(e["text"], e["author"]) for e in agent_said] == [
        ("Hi, I'm Sam. How can I help?", "Sam")
    ]
    assert any(e["kind"] == "mode" and e["mode"] == "agent" and "Sam" in e["text"] for e in events)
    assert chat.say("thanks, and do you deliver on Saturdays?")["replies"] == []
    back = sam.post(f"/api/console/cases/{row['id']}/hand-back", {"note": "Refund issued."})
    assert back.status_code == 200, back.text
    assert mode(chat) == "bot"
    replies = chat.say("How long does delivery take?")["replies"]
    assert [r["reply"]["kind"] for r in replies] == ["answer"]


def test_close_then_the_shopper_rates_it(client: TestClient) -> None:
    chat = escalated(client)
    early = client.post(
        f"/api/conversations/{chat.id}/rating", json={"score": 5}, headers=chat.auth
    )
    assert early.status_code == 409
    sam = Console(client, SAM)
    [row] = [c for c in sam.queue() if c["conversation_id"] == chat.id]
    assert sam.post(f"/api/console/cases/{row['id']}/claim").status_code == 200
    assert sam.post(f"/api/console/cases/{row['id']}/close").status_code == 200
    assert mode(chat) == "closed"
    assert chat.events()[-1]["mode"] == "closed"
    for bad in ({"score": 0}, {"score": 6}, {"score": "five"}):
        response = client.post(f"/api/conversations/{chat.id}/rating", json=bad, headers=chat.auth)
        assert response.status_code == 422
    rated = client.post(
        f"/api/conversations/{chat.id}/rating",
        json={"score": 4, "comment": "quick, thanks"},
        headers=chat.auth,
    )
    assert rated.status_code == 201, rated.text
    stored = services(client).cases.ratings(0, time.time() + 1)
    assert [(r.score, r.comment) for r in stored if r.conversation_id == chat.id] == [
        (4, "quick, thanks")
    ]
    # Someone else's token cannot rate it.
    other = start(client)
    foreign = client.post(
        f"/api/conversations/{chat.id}/rating", json={"score": 1}, headers=other.auth
    )
    assert foreign.status_code == 404


def test_two_agents_claiming_at_once_get_one_owner(client: TestClient) -> None:
    chat = escalated(client)
    sam, bea = Console(client, SAM), Console(client, BEA)
    [row] = [c for c in sam.queue() if c["conversation_id"] == chat.id]
    results: list[int] = []

    def claim(console: Console) -> None:
        results.append(console.post(f"/api/console/cases/{row['id']}/claim").status_code)

    threads = [threading.Thread(target=claim, args=(c,)) for c in (sam, bea)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 409]
    joined = [e for e in chat.events() if e["kind"] == "mode" and e["mode"] == "agent"]
    assert len(joined) == 1


def test_an_agent_sees_only_their_queues(client: TestClient) -> None:
    chat = escalated(client)
    bill = Console(client, BILL)  # billing only; the chat went to "support"
    assert all(c["conversation_id"] != chat.id for c in bill.queue())
    sam = Console(client, SAM)
    [row] = [c for c in sam.queue() if c["conversation_id"] == chat.id]
    assert bill.get(f"/api/console/cases/{row['id']}").status_code == 404
    assert bill.post(f"/api/console/cases/{row['id']}/claim").status_code == 404
    assert bill.get("/api/console/cases/esc_nonexistent").status_code == 404


def test_a_shopper_never_reaches_the_console(client: TestClient) -> None:
    chat = escalated(client)
    assert client.get("/api/console/queue", headers=chat.auth).status_code == 401
    assert client.post("/api/console/cases/x/claim", headers=chat.auth).status_code == 401
    page = client.get("/console", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/console/login")


def test_console_changes_need_the_csrf_token(client: TestClient) -> None:
    chat = escalated(client)
    sam = Console(client, SAM)
    [row] = [c for c in sam.queue() if c["conversation_id"] == chat.id]
    forged = sam.client.post(f"/api/console/cases/{row['id']}/claim")
    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "csrf_failed"
    assert mode(chat) == "queued"


def test_sign_in_refuses_a_wrong_password_and_sets_a_strict_cookie(
    demo_assistant: Assistant, db: str
) -> None:
    with api(demo_assistant, db) as client:
        services(client).agents.add(SAM, hash_password(PASSWORD))
        wrong = client.post(
            "/console/login", data={"email": SAM.email, "password": "nope"}, follow_redirects=False
        )
        assert wrong.status_code == 401
        assert "do not match" in wrong.text
        right = client.post(
            "/console/login",
            data={"email": SAM.email.upper(), "password": PASSWORD},
            follow_redirects=False,
        )
        assert right.status_code == 303
        cookie = right.headers["set-cookie"].lower()
        for flag in ("httponly", "secure", "samesite=strict"):
            assert flag in cookie


def test_the_agent_rates_the_assistant(client: TestClient) -> None:
    chat = escalated(client)
    sam = Console(client, SAM)
    [row] = [c for c in sam.queue() if c["conversation_id"] == chat.id]
    bad = sam.post(f"/api/console/cases/{row['id']}/feedback", {"verdict": "meh"})
    assert bad.status_code == 422
    unknown = sam.post(
        f"/api/console/cases/{row['id']}/feedback",
        {"verdict": "wrong_answer", "right_entry_id": "no-such-entry"},
    )
    assert unknown.status_code == 422
    saved = sam.post(
        f"/api/console/cases/{row['id']}/feedback",
        {"verdict": "escalated_needlessly", "comment": "the FAQ had it"},
    )
    assert saved.status_code == 201, saved.text
    stored = services(client).cases.feedback(0, time.time() + 1)
    assert [f.verdict.value for f in stored if f.case_id == row["id"]] == ["escalated_needlessly"]


def test_agent_messages_sent_while_the_shopper_is_away_arrive_on_reconnect(
    client: TestClient,
) -> None:
    chat = escalated(client)
    sam = Console(client, SAM)
    [row] = [c for c in sam.queue() if c["conversation_id"] == chat.id]
    sam.post(f"/api/console/cases/{row['id']}/claim")
    with client.websocket_connect(f"/api/conversations/{chat.id}/ws") as socket:
        socket.send_json({"type": "hello", "token": chat.token, "after": 0})
        assert socket.receive_json()["type"] == "ready"
        last = 0
        while last < len(chat.events()):
            last = socket.receive_json()["event"]["seq"]
    sam.post(f"/api/console/cases/{row['id']}/messages", {"text": "Are you still there?"})
    with client.websocket_connect(f"/api/conversations/{chat.id}/ws") as socket:
        socket.send_json({"type": "hello", "token": chat.token, "after": last})
        assert socket.receive_json()["type"] == "ready"
        caught_up = socket.receive_json()["event"]
    assert (caught_up["source"], caught_up["text"]) == ("agent", "Are you still there?")


def test_booking_a_call_with_an_advisor_books_instead_of_queueing(client: TestClient) -> None:
    chat = start(client)
    replies = chat.say("Can I book a video call with an advisor?")["replies"]
    assert [r["reply"]["kind"] for r in replies] == ["booking"]
    assert mode(chat) == "bot"


def test_two_answers_it_did_not_know_in_a_row_go_to_a_person(client: TestClient) -> None:
    chat = start(client)
    first = chat.say("do you sell replacement parts for vintage typewriters?")["replies"]
    assert [r["reply"]["kind"] for r in first] == ["abstain"]
    second = chat.say("what about spare ribbons for a 1950s Olivetti?")["replies"]
    assert [r["kind"] for r in second] == ["mode", "message"]
    assert second[1]["reply"]["kind"] == "handover"
    assert "couldn't help" in second[1]["text"]
    sam = Console(client, SAM)
    [row] = [c for c in sam.queue() if c["conversation_id"] == chat.id]
    assert row["trigger"]["kind"] == "assistant_failing"


def test_a_sensitive_matter_goes_to_its_own_queue(client: TestClient) -> None:
    chat = start(client)
    replies = chat.say("I'm going to do a chargeback with my bank if this isn't fixed")["replies"]
    assert replies[1]["reply"]["kind"] == "handover"
    bill = Console(client, BILL)  # the demo routes chargebacks to "billing"
    [row] = [c for c in bill.queue() if c["conversation_id"] == chat.id]
    assert (row["trigger"]["kind"], row["trigger"]["detail"]) == ("sensitive", "chargeback")
    sam = Console(client, SAM)
    assert all(c["conversation_id"] != chat.id for c in sam.queue())


def test_an_email_left_while_waiting_is_acknowledged(client: TestClient) -> None:
    chat = escalated(client)
    replies = chat.say("I have to go, please email me at dana@example.com")["replies"]
    assert [(r["source"], r["kind"]) for r in replies] == [("system", "message")]
    assert "dana@example.com" in replies[0]["text"]


def test_a_resend_after_the_hand_back_is_not_answered_again(client: TestClient) -> None:
    chat = escalated(client)
    sam = Console(client, SAM)
    [row] = [c for c in sam.queue() if c["conversation_id"] == chat.id]
    sam.post(f"/api/console/cases/{row['id']}/claim")
    kept = chat.say("does the lamp come with a bulb?", client_id="c-7")
    assert kept["replies"] == []
    sam.post(f"/api/console/cases/{row['id']}/hand-back", {"note": "Answered about the bulb."})
    resent = chat.say("does the lamp come with a bulb?", client_id="c-7")
    assert resent["duplicate"] is True and resent["replies"] == []
    assert [e for e in chat.events() if e["source"] == "bot"][-1]["reply"]["kind"] == "handover"


def test_another_agent_cannot_close_a_claimed_chat(client: TestClient) -> None:
    chat = escalated(client)
    sam, bea = Console(client, SAM), Console(client, BEA)
    [row] = [c for c in sam.queue() if c["conversation_id"] == chat.id]
    assert sam.post(f"/api/console/cases/{row['id']}/claim").status_code == 200
    assert bea.post(f"/api/console/cases/{row['id']}/close").status_code == 409
    assert bea.post(f"/api/console/cases/{row['id']}/hand-back", {"note": ""}).status_code == 409
    assert mode(chat) == "agent"


def test_a_chat_closed_while_waiting_cannot_be_rated(client: TestClient) -> None:
    chat = escalated(client)
    sam = Console(client, SAM)
    [row] = [c for c in sam.queue() if c["conversation_id"] == chat.id]
    assert sam.post(f"/api/console/cases/{row['id']}/close").status_code == 200
    rated = client.post(
        f"/api/conversations/{chat.id}/rating", json={"score": 1}, headers=chat.auth
    )
    assert rated.status_code == 409  # nobody answered them: there is no agent to rate


def test_an_ended_case_shows_the_chat_only_up_to_its_end(client: TestClient) -> None:
    chat = escalated(client)
    sam = Console(client, SAM)
    [row] = [c for c in sam.queue() if c["conversation_id"] == chat.id]
    sam.post(f"/api/console/cases/{row['id']}/claim")
    sam.post(f"/api/console/cases/{row['id']}/hand-back", {"note": "Sorted."})
    chat.say("and my card ending 4242 was charged twice")  # to the assistant, not to Sam
    events = sam.get(f"/api/console/cases/{row['id']}").json()["events"]
    assert events[-1]["kind"] == "mode" and events[-1]["mode"] == "bot"
    assert all("4242" not in e["text"] for e in events)


def test_new_cases_reach_the_webhook_without_holding_the_reply(
    demo_assistant: Assistant, db: str
) -> None:
    received: list[dict[str, Any]] = []
    release = threading.Event()

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            release.wait(10)  # the webhook hangs until the test has its reply
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        with api(demo_assistant, db, escalation_webhook_url=url) as client:
            chat = escalated(client)  # answered while the webhook still hangs
            assert not release.is_set()
            deadline = time.monotonic() + 10
            while not received and time.monotonic() < deadline:
                time.sleep(0.05)
            release.set()
        [posted] = received
        assert posted["event"] == "conversation.escalated"
        assert posted["case"]["conversation_id"] == chat.id
        assert "asked for a person" in posted["text"]
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def test_waiting_shoppers_move_up_live_when_an_agent_claims(client: TestClient) -> None:
    first, second = escalated(client), escalated(client)
    sam = Console(client, SAM)
    [row] = [c for c in sam.queue() if c["conversation_id"] == first.id]
    with client.websocket_connect(f"/api/conversations/{second.id}/ws") as socket:
        socket.send_json({"type": "hello", "token": second.token, "after": 10**6})
        ready = socket.receive_json()
        assert ready["type"] == "ready" and ready["wait"]["position"] == 2
        sam.post(f"/api/console/cases/{row['id']}/claim")
        frame = socket.receive_json()
        while frame["type"] != "wait":
            frame = socket.receive_json()
    assert frame["wait"]["position"] == 1


def test_the_console_socket_follows_only_what_the_agent_may_see(client: TestClient) -> None:
    support, billing = escalated(client), start(client)
    billing.say("I'm going to do a chargeback with my bank")
    sam = Console(client, SAM)
    rows = {c["conversation_id"]: c for c in Console(client, BILL).queue() + sam.queue()}
    origin = {"origin": "http://testserver"}
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect("/api/console/ws", headers=origin) as anonymous,
    ):
        anonymous.receive_json()
    assert refused.value.code == 4401
    with (
        pytest.raises(WebSocketDisconnect),
        sam.client.websocket_connect(
            "/api/console/ws", headers={"origin": "https://evil.example"}
        ) as foreign,
    ):
        foreign.receive_json()
    with sam.client.websocket_connect("/api/console/ws", headers=origin) as socket:
        assert socket.receive_json()["type"] == "ready"
        socket.send_json({"type": "watch", "case_id": rows[billing.id]["id"]})
        assert socket.receive_json()["error"]["code"] == "case_not_found"
        socket.send_json({"type": "watch", "case_id": rows[support.id]["id"]})
        assert socket.receive_json()["type"] == "watching"
        support.say("are you there?")
        frame = socket.receive_json()
        while frame.get("type") != "event":
            frame = socket.receive_json()
    assert (frame["conversation_id"], frame["event"]["text"]) == (support.id, "are you there?")


def test_after_the_hand_back_the_assistant_does_not_ask_for_the_order_again(
    client: TestClient,
) -> None:
    token = CustomerTokens(SECRET).issue(ALEX, lifetime_s=600, now=time.time())
    chat = start(client, customer_token=token)
    chat.say("my lamp arrived broken, I want to talk to a person")
    sam = Console(client, SAM)
    [row] = [c for c in sam.queue() if c["conversation_id"] == chat.id]
    sam.post(f"/api/console/cases/{row['id']}/claim")
    sam.post(
        f"/api/console/cases/{row['id']}/hand-back",
        {"note": "A replacement lamp was sent for order 1043."},
    )
    [reply] = chat.say("where is my order now?")["replies"]
    assert reply["reply"]["kind"] == "account"
    assert "1043" in reply["text"] and not reply["reply"]["options"]
