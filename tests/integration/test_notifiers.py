"""Agent notifiers against real local servers: the webhook against an HTTP server in a
thread that records what it gets, email against a local SMTP server (aiosmtpd)."""

from __future__ import annotations

import contextlib
import email
import email.policy
import hashlib
import hmac
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from frontdesk.adapters.notify import SmtpNotifier, WebhookNotifier
from frontdesk.core.escalation.model import Case, CaseStatus, Trigger, TriggerKind
from frontdesk.core.ports import Notice

SECRET = "whsec-test-6c1f0e9d8b7a"
SMTP_PASSWORD = "smtp-pass-3b9e71c2"
# A Slack incoming-webhook path is itself a credential: it must never be logged.
HOOK_PATH = "/services/T000/B000/XXXXsecrettokenXXXX"
# Generous: CI machines stall. What is checked is "not stuck", not speed.
MARGIN_S = 3.0

SUMMARY = (
    "Dana Whitfield wants: “My lamp from order #1043 arrived broken <3 & cracked”; order #1043\n"
    "Assistant answered: answer: Sorry to hear that!\n"
    "Sentiment: negative (-0.48)\n"
    "Escalated: asked for a person — “agent please”"
)


def a_notice(console_url: str = "/console#case=esc_0123456789abcdef") -> Notice:
    case = Case(
        id="esc_0123456789abcdef",
        conversation_id="conv_42",
        queue="support",
        trigger=Trigger(TriggerKind.ASKED, "asked for a person", ("agent please",)),
        topic="faq:returns-damaged",
        topic_label="What if my item arrives damaged?",
        status=CaseStatus.QUEUED,
        created_at=1_781_172_000.0,  # 2026-06-11 10:00 UTC
        customer_id="cus_1001",
    )
    return Notice(case, SUMMARY, console_url)


# -- a webhook receiver --------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each request with the next scripted status (then 200), after an
    optional delay, and records what it got."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    delay_s: float = 0.0
    received: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            receiver.received.append(Received(self.path, dict(self.headers.items()), body))
            if receiver.delay_s:
                receiver.release.wait(receiver.delay_s)  # ended early at teardown
            status = receiver.statuses.pop(0) if receiver.statuses else 200
            with contextlib.suppress(OSError):  # the client may have given up already
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}{HOOK_PATH}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- the webhook ---------------------------------------------------------------------------


def test_the_webhook_posts_the_case_as_signed_json(receiver: Receiver) -> None:
    notifier = WebhookNotifier(receiver.url, SECRET, public_url="https://support.example.com")
    assert notifier.notify(a_notice()) is True
    [got] = receiver.received
    assert got.path == HOOK_PATH
    assert got.headers["Content-Type"].startswith("application/json")
    assert got.headers["X-Frontdesk-Event"] == "conversation.escalated"
    assert got.headers["X-Frontdesk-Delivery"] == "esc_0123456789abcdef"
    expected = hmac.new(SECRET.encode(), got.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got.headers["X-Frontdesk-Signature"], f"sha256={expected}")

    body = got.json()
    link = "https://support.example.com/console#case=esc_0123456789abcdef"
    assert body["event"] == "conversation.escalated"
    assert body["console_url"] == link
    assert body["summary"] == SUMMARY
    assert body["case"] == {
        "id": "esc_0123456789abcdef",
        "conversation_id": "conv_42",
        "queue": "support",
        "status": "queued",
        "trigger": {
            "kind": "asked_for_human",
            "reason": "asked for a person",
            "evidence": ["agent please"],
            "score": 1.0,
            "detail": "",
        },
        "topic": "faq:returns-damaged",
        "topic_label": "What if my item arrives damaged?",
        "created_at": "2026-06-11T10:00:00Z",
    }
    # Slack: one line, its <url|label> link, and the shopper's < > & escaped.
    text = body["text"]
    assert "\n" not in text
    assert text.startswith("New conversation in the support queue: asked for a person — ")
    assert text.endswith(f"<{link}|Open in the console>")
    assert "arrived broken &lt;3 &amp; cracked" in text


def test_an_unsigned_webhook_has_no_signature_and_an_absolute_link_stays(
    receiver: Receiver,
) -> None:
    link = "https://desk.example.org/console#case=esc_0123456789abcdef"
    assert WebhookNotifier(receiver.url, None).notify(a_notice(link)) is True
    [got] = receiver.received
    assert "X-Frontdesk-Signature" not in got.headers
    assert got.json()["console_url"] == link


def test_the_webhook_retries_a_server_error_then_succeeds(receiver: Receiver) -> None:
    receiver.statuses = [500, 503]
    notifier = WebhookNotifier(receiver.url, SECRET, backoff_s=0.01)
    assert notifier.notify(a_notice()) is True
    assert len(receiver.received) == 3
    # The same delivery each time, so a receiver can drop a repeat.
    assert {r.headers["X-Frontdesk-Delivery"] for r in receiver.received} == {
        "esc_0123456789abcdef"
    }
    assert len({r.body for r in receiver.received}) == 1


def test_the_webhook_gives_up_after_two_retries_and_logs_one_clean_line(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.statuses = [500] * 10
    notifier = WebhookNotifier(receiver.url, SECRET, backoff_s=0.01)
    with caplog.at_level(logging.WARNING, logger="frontdesk.notify"):
        assert notifier.notify(a_notice()) is False
    assert len(receiver.received) == 3  # the first try and two retries
    [line] = [r.getMessage() for r in caplog.records]
    assert "esc_0123456789abcdef" in line
    assert "127.0.0.1" in line
    assert "HTTP 500" in line
    assert "3 attempts" in line
    assert SECRET not in caplog.text
    assert "secrettoken" not in caplog.text
    assert SECRET not in repr(notifier)
    assert "secrettoken" not in repr(notifier)


def test_the_webhook_does_not_retry_a_refusal(receiver: Receiver) -> None:
    receiver.statuses = [401]
    assert WebhookNotifier(receiver.url, SECRET, backoff_s=0.01).notify(a_notice()) is False
    assert len(receiver.received) == 1


def test_a_webhook_that_hangs_times_out(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.delay_s = 30.0
    notifier = WebhookNotifier(receiver.url, SECRET, timeout_s=0.3, backoff_s=0.01)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="frontdesk.notify"):
        assert notifier.notify(a_notice()) is False
    # Three attempts of at most 0.3 s each, and the backoff between them.
    assert time.monotonic() - started < 3 * 0.3 + 0.03 + MARGIN_S
    assert len(receiver.received) == 3
    assert "timed out" in caplog.text


def test_a_webhook_nobody_listens_to_returns_false() -> None:
    url = f"http://127.0.0.1:{free_port()}{HOOK_PATH}"
    started = time.monotonic()
    assert WebhookNotifier(url, SECRET, timeout_s=1.0, backoff_s=0.01).notify(a_notice()) is False
    assert time.monotonic() - started < 3 * 1.0 + MARGIN_S


def test_a_webhook_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="http"):
        WebhookNotifier("ftp://example.com/hook", None)


# -- email ---------------------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        parsed = []
        for envelope in self.envelopes:
            content = envelope.original_content or b""
            message = email.message_from_bytes(content, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            parsed.append(message)
        return parsed


@dataclass
class MailServer:
    inbox: Inbox
    port: int
    logins: list[tuple[str, str]]


def _authenticator(logins: list[tuple[str, str]]) -> Any:
    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        user, password = data.login.decode(), data.password.decode()
        logins.append((user, password))
        # handled=False: aiosmtpd answers 535 itself (True would leave the client waiting).
        ok = user == "frontdesk" and password == SMTP_PASSWORD
        return AuthResult(success=ok, handled=False)

    return authenticate


@pytest.fixture
def mail() -> Iterator[MailServer]:
    inbox, logins = Inbox(), []
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticator(logins),
        auth_require_tls=False,  # a test server: no certificate to offer
    )
    controller.start()
    yield MailServer(inbox, port, logins)
    controller.stop()


def test_the_email_arrives_with_subject_recipients_and_body(mail: MailServer) -> None:
    notifier = SmtpNotifier(
        "127.0.0.1",
        mail.port,
        "Frontdesk <frontdesk@shop.example>",
        ["sam@shop.example", "lee@shop.example"],
        None,
        None,
        starttls=False,
        public_url="https://support.example.com/",
    )
    assert notifier.notify(a_notice()) is True
    [envelope] = mail.inbox.envelopes
    assert envelope.mail_from == "frontdesk@shop.example"
    assert envelope.rcpt_tos == ["sam@shop.example", "lee@shop.example"]
    [message] = mail.inbox.messages()
    assert message["Subject"] == "New conversation in the queue: asked for a person"
    assert message["To"] == "sam@shop.example, lee@shop.example"
    assert message["Message-ID"].endswith("@shop.example>")
    body = message.get_content().replace("\r\n", "\n")
    assert 'A conversation is waiting for a person in the "support" queue.' in body
    assert "Topic: What if my item arrives damaged?" in body
    assert SUMMARY in body
    assert "Claim it in the console: https://support.example.com/console#case=esc_" in body
    assert "queued 2026-06-11 10:00:00 UTC" in body
    assert mail.logins == []  # no username: no login


def test_the_email_logs_in_when_given_credentials(
    mail: MailServer, caplog: pytest.LogCaptureFixture
) -> None:
    def notifier(password: str) -> SmtpNotifier:
        return SmtpNotifier(
            "127.0.0.1",
            mail.port,
            "frontdesk@shop.example",
            ["sam@shop.example"],
            "frontdesk",
            password,
            starttls=False,
        )

    assert notifier(SMTP_PASSWORD).notify(a_notice()) is True
    assert mail.logins == [("frontdesk", SMTP_PASSWORD)]
    assert len(mail.inbox.envelopes) == 1
    wrong = notifier("not-the-password")
    with caplog.at_level(logging.WARNING, logger="frontdesk.notify"):
        assert wrong.notify(a_notice()) is False
    assert "refused the username or password" in caplog.text
    assert "not-the-password" not in caplog.text
    assert SMTP_PASSWORD not in caplog.text
    assert "not-the-password" not in repr(wrong)
    assert len(mail.inbox.envelopes) == 1


def test_starttls_that_the_server_lacks_sends_nothing(
    mail: MailServer, caplog: pytest.LogCaptureFixture
) -> None:
    notifier = SmtpNotifier(
        "127.0.0.1",
        mail.port,
        "frontdesk@shop.example",
        ["sam@shop.example"],
        "frontdesk",
        SMTP_PASSWORD,
        starttls=True,
    )
    with caplog.at_level(logging.WARNING, logger="frontdesk.notify"):
        assert notifier.notify(a_notice()) is False
    assert "does not offer STARTTLS" in caplog.text
    assert mail.logins == []  # the password never went over plain text
    assert mail.inbox.envelopes == []


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections (the kernel does, from the backlog) and never says a word,
    like a firewall that swallows packets past the handshake."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


def test_an_smtp_server_that_never_answers_returns_false_within_the_timeout(
    silent_server: int, caplog: pytest.LogCaptureFixture
) -> None:
    notifier = SmtpNotifier(
        "127.0.0.1", silent_server, "frontdesk@shop.example", ["sam@shop.example"],
        timeout_s=0.5,
    )  # fmt: skip
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="frontdesk.notify"):
        assert notifier.notify(a_notice()) is False
    assert time.monotonic() - started < 0.5 + MARGIN_S
    assert "timed out" in caplog.text


def test_an_unreachable_smtp_server_returns_false() -> None:
    notifier = SmtpNotifier(
        "127.0.0.1", free_port(), "frontdesk@shop.example", ["sam@shop.example"], timeout_s=1.0
    )
    started = time.monotonic()
    assert notifier.notify(a_notice()) is False
    assert time.monotonic() - started < 1.0 + MARGIN_S
