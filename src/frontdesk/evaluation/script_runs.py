"""Play scripted conversations through the real chat service of the demo shop: a
throwaway SQLite database in a temporary directory, the embedded CRM seeded with the
demo shop's customers and orders, and the assistant under evaluation.

Everything else comes from the current settings, except what would leave this
machine or get in the way: no Redis, no agent notifications, no rate limits, the
embedded CRM. A shop that has not set appointment or escalation files gets the demo
shop's, which the shipped scripts are written for.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import SecretStr

from frontdesk.adapters.crm.sql_seed import seed_crm
from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.migrate import upgrade
from frontdesk.bootstrap import DEMO_APPOINTMENTS, DEMO_ESCALATION, build_services
from frontdesk.config import Settings
from frontdesk.core.chat import ChatService
from frontdesk.core.conversation import Customer, Reply, ReplyKind
from frontdesk.core.engine import Assistant
from frontdesk.demo.crm_seed import demo_crm
from frontdesk.errors import EvaluationError
from frontdesk.evaluation.booking_effort import booking_reference, is_confirmation
from frontdesk.evaluation.conversations import ConversationScript, ScriptKind
from frontdesk.evaluation.playback import Played, play
from frontdesk.evaluation.script_scores import ScriptResult

TRIGGER_NOTE = "trigger:"


def run_scripts(
    assistant: Assistant, scripts: Sequence[ConversationScript], settings: Settings
) -> list[ScriptResult]:
    """One result per script, in order; every script gets a new conversation."""
    crm = demo_crm()
    customers = {
        c.profile.id: Customer(c.profile.id, c.profile.name, c.profile.email) for c in crm.customers
    }
    for script in scripts:
        if script.customer is not None and script.customer not in customers:
            known = ", ".join(sorted(customers))
            raise EvaluationError(
                f"Script {script.name!r} (line {script.line}): customer {script.customer!r} "
                f"is not in the demo shop's CRM; use one of {known}, or null."
            )
    with tempfile.TemporaryDirectory(prefix="frontdesk-eval-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'eval.db'}"
        engine = make_engine(url)
        try:
            upgrade(engine)
            seed_crm(engine, crm)
        finally:
            engine.dispose()
        services = build_services(throwaway_settings(settings, url, Path(tmp)), assistant=assistant)
        try:
            return [_run(services.chat, script, customers) for script in scripts]
        finally:
            services.close()


def throwaway_settings(settings: Settings, database_url: str, var_dir: Path) -> Settings:
    secret = settings.identity_secret or SecretStr(secrets.token_hex(32))
    return settings.model_copy(
        update={
            "database_url": database_url,
            "var_dir": var_dir,
            "redis_url": None,
            "crm": "sql",
            "identity_secret": secret,
            "rate_limit_per_minute": 0.0,
            "rate_limit_new_conversations_per_minute": 0.0,
            "appointments_path": settings.appointments_path or DEMO_APPOINTMENTS,
            "escalation_path": settings.escalation_path or DEMO_ESCALATION,
            # Scripted hand-overs are not news for anybody's team.
            "escalation_webhook_url": None,
            "smtp_host": None,
            "agent_emails": [],
        }
    )


def _run(
    chat: ChatService, script: ConversationScript, customers: Mapping[str, Customer]
) -> ScriptResult:
    customer = None if script.customer is None else customers[script.customer]
    info, _ = chat.start(customer)
    booking = script.kind is ScriptKind.BOOKING

    def stop(reply: Reply) -> bool:
        return reply.kind is ReplyKind.HANDOVER or (booking and is_confirmation(reply))

    played = play(chat, info.id, script.moves, script.name, stop=stop)
    end = played.stopped_by
    escalated = end is not None and end.kind is ReplyKind.HANDOVER
    trigger = trigger_of(end) if end is not None and escalated else None
    booked = end is not None and not escalated
    if booking:
        problem = _booking_problem(script, played, booked, trigger)
    else:
        problem = _escalation_problem(script, played, escalated, trigger)
    return ScriptResult(
        name=script.name,
        kind=script.kind,
        line=script.line,
        turns=played.turns,
        seconds=played.seconds,
        booked=booked,
        escalated=escalated,
        trigger=trigger,
        passed=not problem,
        problem=problem,
        expected_escalated=None if booking else script.escalated,
        expected_trigger=None if script.trigger is None else script.trigger.value,
        max_turns=script.max_turns,
        reference=booking_reference(end) if booked and end is not None else None,
    )


def trigger_of(reply: Reply) -> str | None:
    """The trigger kind a hand-over reply names in its notes."""
    for note in reply.notes:
        if note.startswith(TRIGGER_NOTE):
            return note[len(TRIGGER_NOTE) :]
    return None


def _booking_problem(
    script: ConversationScript, played: Played, booked: bool, trigger: str | None
) -> str:
    if played.error:
        return played.error
    if played.stopped_by is not None and not booked:  # stopped by a hand-over
        return f"handed to a person ({trigger}) at turn {played.turns}"
    if not booked:
        return f"not booked after {played.turns} turns; last reply {_last(played)}"
    if script.max_turns is not None and played.turns > script.max_turns:
        return f"booked in {played.turns} turns; the goal is at most {script.max_turns}"
    return ""


def _escalation_problem(
    script: ConversationScript, played: Played, escalated: bool, trigger: str | None
) -> str:
    if played.error:
        return played.error
    if script.escalated and not escalated:
        return f"stayed with the assistant; last reply {_last(played)}"
    if not script.escalated and escalated:
        return f"handed to a person ({trigger}) at turn {played.turns}"
    if script.trigger is not None and trigger != script.trigger.value:
        return f"handed over for {trigger}, expected {script.trigger.value}"
    return ""


def _last(played: Played) -> str:
    last = played.last
    return "none" if last is None else f"{last.kind.value}: {last.text[:100]!r}"
