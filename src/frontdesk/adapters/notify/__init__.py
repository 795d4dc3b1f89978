"""Agent notifications about a new case in the queue: an outgoing webhook (JSON with a
Slack-compatible ``text``) and email over SMTP. The console's own live push (sound and
badge) goes through the pub/sub fan-out, not through here.

Every notifier has a timeout on every call, bounded retries, logs one line without
secrets when it fails and returns False: a notification never stops a handover.
"""

from __future__ import annotations

from frontdesk.adapters.notify.smtp import SmtpNotifier
from frontdesk.adapters.notify.webhook import WebhookNotifier

__all__ = ["SmtpNotifier", "WebhookNotifier"]
