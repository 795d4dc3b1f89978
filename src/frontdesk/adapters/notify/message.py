"""What a notification says, the same in every channel: a headline, the summary, the
console link, and the case as JSON for machines."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from frontdesk.core.escalation.model import Case
from frontdesk.core.ports import Notice

EVENT = "conversation.escalated"
MAX_HEADLINE = 150
MAX_SUMMARY_LINE = 300


def console_link(notice: Notice, public_url: str | None) -> str:
    """The claim link, absolute: a chat app or a mail client cannot follow the
    "/console#case=…" the core knows, so it goes under the server's public address."""
    url = notice.console_url
    if public_url and not urlsplit(url).scheme:
        return f"{public_url.rstrip('/')}/{url.lstrip('/')}"
    return url


def headline(notice: Notice) -> str:
    """ "New conversation in the support queue: asked for a person" """
    reason = one_line(notice.case.trigger.reason) or notice.case.trigger.kind.value
    return clip(f"New conversation in the {notice.case.queue} queue: {reason}", MAX_HEADLINE)


def subject(notice: Notice) -> str:
    reason = one_line(notice.case.trigger.reason) or notice.case.trigger.kind.value
    return clip(f"New conversation in the queue: {reason}", MAX_HEADLINE)


def slack_text(notice: Notice, link: str) -> str:
    """One line for Slack (and anything that shows a ``text``): the headline, the
    first line of the summary, and a link in Slack's <url|label> form. Slack reads
    &, < and > as markup, so the shopper's words have them escaped."""
    first = clip(one_line(notice.summary.split("\n", 1)[0]), MAX_SUMMARY_LINE)
    text = _slack_escape(headline(notice))
    if first:
        text += f" — {_slack_escape(first)}"
    return f"{text} <{link}|Open in the console>"


def case_json(case: Case) -> dict[str, object]:
    return {
        "id": case.id,
        "conversation_id": case.conversation_id,
        "queue": case.queue,
        "status": case.status.value,
        "trigger": case.trigger.as_dict(),
        "topic": case.topic,
        "topic_label": case.topic_label,
        "created_at": iso_time(case.created_at),
    }


def email_body(notice: Notice, link: str) -> str:
    case = notice.case
    lines = [
        f'A conversation is waiting for a person in the "{case.queue}" queue.',
        "",
        f"Why: {one_line(case.trigger.reason) or case.trigger.kind.value}",
    ]
    if case.topic_label:
        lines.append(f"Topic: {one_line(case.topic_label)}")
    lines += ["", notice.summary.strip(), "", f"Claim it in the console: {link}", ""]
    lines.append(
        f"Case {case.id}, conversation {case.conversation_id}, "
        f"queued {iso_time(case.created_at).replace('T', ' ').replace('Z', ' UTC')}."
    )
    return "\n".join(lines) + "\n"


def iso_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
