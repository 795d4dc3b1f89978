"""Handing a conversation to a person and back, through the HTTP API and the console's
API, on SQLite and PostgreSQL: the trigger, the queue, the bot's silence, the claim,
the agent's messages, hand-back, close and rating; and who may see what."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from frontdesk.adapters.passwords import hash_password
from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.migrate import upgrade
from frontdesk.bootstrap import Services
from frontdesk.core.engine import Assistant
from frontdesk.core.escalation.model import Agent, Role
from tests.databases import BACKENDS, database_url
from tests.integration.api_client import Chat, api, start

PASSWORD = "correct horse battery"
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
        self.client.__enter__()
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
    assert "number 1 in the queue" in handover["text"] or "queue" in handover["text"]
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
