"""The notifiers the settings ask for: a webhook when its URL is set, email when an
SMTP host and at least one agent address are."""

from __future__ import annotations

import logging

from frontdesk.adapters.notify.smtp import SmtpNotifier
from frontdesk.adapters.notify.webhook import WebhookNotifier
from frontdesk.config import Settings
from frontdesk.core.ports import Notifier

log = logging.getLogger("frontdesk.notify")


def build_notifiers(settings: Settings) -> list[Notifier]:
    notifiers: list[Notifier] = []
    if settings.escalation_webhook_url is not None:
        notifiers.append(
            WebhookNotifier(
                settings.escalation_webhook_url.get_secret_value(),
                settings.escalation_webhook_secret,
                public_url=settings.public_url,
            )
        )
    if settings.smtp_host and settings.agent_emails:
        notifiers.append(
            SmtpNotifier(
                settings.smtp_host,
                settings.smtp_port,
                settings.smtp_from,
                settings.agent_emails,
                settings.smtp_user,
                settings.smtp_password,
                settings.smtp_starttls,
                public_url=settings.public_url,
            )
        )
    elif settings.smtp_host:
        log.warning("FRONTDESK_SMTP_HOST is set but FRONTDESK_AGENT_EMAILS is empty: no email")
    return notifiers
