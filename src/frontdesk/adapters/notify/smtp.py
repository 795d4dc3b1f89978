"""Tell agents about a new case by email, over SMTP with the standard library.

Port 465 speaks TLS from the first byte (SMTPS); any other port starts in plain text
and, with ``starttls`` on, upgrades before anything else is said. A server that does
not offer STARTTLS then gets nothing at all, least of all the password. Every socket
operation, the connection included, has the timeout.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from pydantic import SecretStr

from frontdesk.adapters.notify.message import console_link, email_body, subject
from frontdesk.core.ports import Notice

log = logging.getLogger("frontdesk.notify")

SMTPS_PORT = 465


class SmtpNotifier:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        recipients: Sequence[str],
        username: str | None = None,
        password: str | SecretStr | None = None,
        starttls: bool = True,
        timeout_s: float = 10.0,
        *,
        public_url: str | None = None,
    ) -> None:
        if not host.strip():
            raise ValueError("the SMTP host is empty")
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self._host = host.strip()
        self._port = port
        self._sender = sender
        self._recipients = tuple(r.strip() for r in recipients if r.strip())
        self._username = username or None
        raw = password.get_secret_value() if isinstance(password, SecretStr) else password
        self._password = raw or None
        self._starttls = starttls
        self._timeout_s = timeout_s
        self._public_url = public_url

    @property
    def name(self) -> str:
        return "email"

    def __repr__(self) -> str:  # never the password
        return f"SmtpNotifier(host={self._host!r}, port={self._port}, to={len(self._recipients)})"

    def message(self, notice: Notice) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = subject(notice)
        message["From"] = self._sender
        message["To"] = ", ".join(self._recipients)
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=_domain(self._sender))
        message.set_content(email_body(notice, console_link(notice, self._public_url)))
        return message

    def notify(self, notice: Notice) -> bool:
        if not self._recipients:
            log.warning("email notification for case %s skipped: no recipients", notice.case.id)
            return False
        try:
            refused = self._send(self.message(notice))
        except (smtplib.SMTPException, OSError, ValueError) as exc:
            log.warning(
                "email notification for case %s via %s:%s failed: %s",
                notice.case.id,
                self._host,
                self._port,
                _reason(exc),
            )
            return False
        if refused:
            # Some got it: that is a delivered notification with a problem to fix.
            log.warning(
                "email notification for case %s: the server refused %d of %d recipients",
                notice.case.id,
                len(refused),
                len(self._recipients),
            )
        return True

    def _send(self, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
        context = ssl.create_default_context()
        server: smtplib.SMTP
        if self._port == SMTPS_PORT:
            server = smtplib.SMTP_SSL(
                self._host, self._port, timeout=self._timeout_s, context=context
            )
        else:
            server = smtplib.SMTP(self._host, self._port, timeout=self._timeout_s)
        with server:
            if self._starttls and self._port != SMTPS_PORT:
                server.starttls(context=context)
            if self._username is not None:
                server.login(self._username, self._password or "")
            return server.send_message(message)


def _domain(address: str) -> str:
    domain = address.rpartition("@")[2].strip(" >")
    return domain or "localhost"


def _reason(exc: BaseException) -> str:
    """In words chosen here: a server's reply can echo what was sent to it."""
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return (
            "the server does not offer STARTTLS "
            "(set FRONTDESK_SMTP_STARTTLS=false only on a trusted network)"
        )
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"the server refused the username or password (SMTP {exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "the server refused every recipient"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"the server refused the sender address (SMTP {exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"the server answered SMTP {exc.smtp_code}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        # smtplib reports a read that timed out as a disconnection ("… closed: timed out").
        return "timed out" if "timed out" in str(exc) else "the server closed the connection"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or type(exc).__name__})"
    if isinstance(exc, OSError):
        return f"could not connect ({exc.strerror or type(exc).__name__})"
    return type(exc).__name__
