"""A shop's escalation set-up (escalation.toml): which triggers hand a conversation
to a person and how sure each must be, when agents answer, and which queue each
kind of case joins.

With no file every trigger is on with the measured defaults, agents answer Monday to
Friday 09:00–17:30 and Saturday 10:00–16:00 (Europe/London), and every case joins
the "support" queue. Every mistake in a file is a ConfigError that names the file,
the field (``triggers.asked.threshold``, ``hours.mon[1]``) and what to write instead;
unknown keys are mistakes too, so a typo such as ``treshold`` is not ignored.

    [triggers.asked]          # the shopper asks for a person or to complain
    enabled = true
    threshold = 0.6

    [triggers.frustration]    # sentiment, phrases, shouting, profanity, repeats
    threshold = 0.6

    [triggers.failing]        # abstentions in a row; the same question again
    abstentions_in_a_row = 2
    rephrase = true
    rephrase_cosine = 0.8

    [triggers.sensitive]      # chargeback, fraud, legal, safety, data_deletion
    topics = ["chargeback", "fraud", "legal", "safety", "data_deletion"]
    queues = { chargeback = "billing", fraud = "billing" }

    [hours]
    timezone = "Europe/London"
    mon = "09:00-17:30"
    sat = ["10:00-13:00", "14:00-16:00"]
    holidays = [2026-12-25, 2026-12-26]

    [queues]
    default = "support"
    legal = "legal"           # a trigger's detail or kind → its queue
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

from frontdesk.core import toml_rules
from frontdesk.core.booking.model import OpeningHours
from frontdesk.core.escalation import asking, failing, frustration
from frontdesk.core.escalation.model import DEFAULT_QUEUE, SupportHours, Trigger, TriggerKind
from frontdesk.core.escalation.sensitive import TOPICS
from frontdesk.core.toml_rules import RuleProblem, no_unknown_keys

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_HOURS = {
    **{day: ("09:00", "17:30") for day in range(5)},
    5: ("10:00", "16:00"),
}
# Measured defaults: the asking threshold on the Bitext train split for the shipped
# examples (bench/escalation_bench.py); frustration's so that sentiment alone never
# escalates (frustration.py).
ASKED_THRESHOLD = 0.6
FRUSTRATION_THRESHOLD = 0.6

# Every detail a trigger may carry: what [queues] may route besides trigger kinds.
DETAILS = (
    *TOPICS,
    asking.ACCEPTED_OFFER,
    asking.PHRASE,
    asking.COMPLAINT,
    asking.MODEL,
    asking.INTENT,
    frustration.SENTIMENT,
    frustration.PHRASES,
    frustration.SHOUTING_DETAIL,
    frustration.EXCLAIMING,
    frustration.PROFANE,
    frustration.REPEATING,
    failing.ABSTAINED,
    failing.ASKED_AGAIN,
    failing.REPHRASED,
    failing.NOT_HELPED,
)

_TOP_KEYS = ("triggers", "hours", "queues")
_TRIGGER_KEYS = ("asked", "frustration", "failing", "sensitive")
_ASKED_KEYS = ("enabled", "threshold")
_FRUSTRATION_KEYS = ("enabled", "threshold")
_FAILING_KEYS = ("enabled", "abstentions_in_a_row", "rephrase", "rephrase_cosine")
_SENSITIVE_KEYS = ("enabled", "topics", "queues")
_HOURS_KEYS = ("timezone", "holidays", *WEEKDAYS)
_QUEUE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


# -- the rules -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AskedRules:
    enabled: bool = True
    threshold: float = ASKED_THRESHOLD


@dataclass(frozen=True, slots=True)
class FrustrationRules:
    enabled: bool = True
    threshold: float = FRUSTRATION_THRESHOLD


@dataclass(frozen=True, slots=True)
class FailingRules:
    enabled: bool = True
    abstentions_in_a_row: int = failing.ABSTENTIONS_IN_A_ROW
    rephrase: bool = True  # the same question again after an answer
    rephrase_cosine: float = failing.REPHRASE_COSINE


@dataclass(frozen=True, slots=True)
class SensitiveRules:
    enabled: bool = True
    topics: tuple[str, ...] = TOPICS


@dataclass(frozen=True, slots=True)
class TriggerRules:
    """Each trigger on or off, and how sure it must be."""

    asked: AskedRules = field(default_factory=AskedRules)
    frustration: FrustrationRules = field(default_factory=FrustrationRules)
    failing: FailingRules = field(default_factory=FailingRules)
    sensitive: SensitiveRules = field(default_factory=SensitiveRules)


@dataclass(frozen=True, slots=True)
class QueueRules:
    """Which queue a case joins: its trigger's detail ("chargeback"), else its kind
    ("frustrated"), else the default."""

    default: str = DEFAULT_QUEUE
    routes: Mapping[str, str] = field(default_factory=dict)

    def queue_for(self, trigger: Trigger) -> str:
        return (
            self.routes.get(trigger.detail) or self.routes.get(trigger.kind.value) or self.default
        )

    @property
    def names(self) -> tuple[str, ...]:
        """Every queue a case may join."""
        return tuple(sorted({self.default, *self.routes.values()}))


def default_support_hours() -> SupportHours:
    return SupportHours(
        ZoneInfo(DEFAULT_TIMEZONE),
        {
            day: (OpeningHours(time.fromisoformat(start), time.fromisoformat(end)),)
            for day, (start, end) in DEFAULT_HOURS.items()
        },
    )


@dataclass(frozen=True, slots=True)
class EscalationRules:
    triggers: TriggerRules = field(default_factory=TriggerRules)
    hours: SupportHours = field(default_factory=default_support_hours)
    queues: QueueRules = field(default_factory=QueueRules)


# -- loading -------------------------------------------------------------------------


def load_escalation_rules(path: Path | None) -> EscalationRules:
    """The rules in ``path``; the defaults when ``path`` is None; ConfigError saying
    what to fix when the file is missing or wrong."""
    if path is None:
        return EscalationRules()
    where = f"escalation file {path}"
    data = toml_rules.read_toml(
        path,
        where,
        "Create it, or leave the setting unset to use the defaults (every trigger on, "
        "one 'support' queue).",
    )
    return toml_rules.checked(where, _rules, data)


def _rules(data: Mapping[str, object]) -> EscalationRules:
    no_unknown_keys(data, _TOP_KEYS, "")
    triggers_table = _table(data.get("triggers", {}), "triggers")
    no_unknown_keys(triggers_table, _TRIGGER_KEYS, "triggers")
    sensitive_table = _table(triggers_table.get("sensitive", {}), "triggers.sensitive")
    routes = _merged_routes(
        _sensitive_queues(sensitive_table.get("queues", {})),
        _table(data.get("queues", {}), "queues"),
    )
    triggers = TriggerRules(
        asked=_asked(_table(triggers_table.get("asked", {}), "triggers.asked")),
        frustration=_frustration(
            _table(triggers_table.get("frustration", {}), "triggers.frustration")
        ),
        failing=_failing(_table(triggers_table.get("failing", {}), "triggers.failing")),
        sensitive=_sensitive(sensitive_table),
    )
    hours = _hours(data["hours"]) if "hours" in data else default_support_hours()
    default = routes.pop("default", DEFAULT_QUEUE)
    return EscalationRules(triggers, hours, QueueRules(default, routes))


# -- [triggers.*] --------------------------------------------------------------------


def _asked(table: Mapping[str, object]) -> AskedRules:
    field_ = "triggers.asked"
    no_unknown_keys(table, _ASKED_KEYS, field_)
    return AskedRules(
        enabled=_bool(table.get("enabled", True), f"{field_}.enabled"),
        threshold=_share(table.get("threshold", ASKED_THRESHOLD), f"{field_}.threshold"),
    )


def _frustration(table: Mapping[str, object]) -> FrustrationRules:
    field_ = "triggers.frustration"
    no_unknown_keys(table, _FRUSTRATION_KEYS, field_)
    return FrustrationRules(
        enabled=_bool(table.get("enabled", True), f"{field_}.enabled"),
        threshold=_share(table.get("threshold", FRUSTRATION_THRESHOLD), f"{field_}.threshold"),
    )


def _failing(table: Mapping[str, object]) -> FailingRules:
    field_ = "triggers.failing"
    no_unknown_keys(table, _FAILING_KEYS, field_)
    return FailingRules(
        enabled=_bool(table.get("enabled", True), f"{field_}.enabled"),
        abstentions_in_a_row=_int(
            table.get("abstentions_in_a_row", failing.ABSTENTIONS_IN_A_ROW),
            f"{field_}.abstentions_in_a_row",
            low=2,
            high=10,
        ),
        rephrase=_bool(table.get("rephrase", True), f"{field_}.rephrase"),
        rephrase_cosine=_share(
            table.get("rephrase_cosine", failing.REPHRASE_COSINE), f"{field_}.rephrase_cosine"
        ),
    )


def _sensitive(table: Mapping[str, object]) -> SensitiveRules:
    field_ = "triggers.sensitive"
    no_unknown_keys(table, _SENSITIVE_KEYS, field_)
    topics = table.get("topics", list(TOPICS))
    example = 'e.g. ["chargeback", "fraud", "legal", "safety", "data_deletion"]'
    if not isinstance(topics, list):
        raise RuleProblem(f"{field_}.topics", f"must be a list of topics, {example}.")
    chosen: list[str] = []
    for i, topic in enumerate(topics):
        chosen.append(_choice(topic, TOPICS, f"{field_}.topics[{i}]", "topic"))
    return SensitiveRules(
        enabled=_bool(table.get("enabled", True), f"{field_}.enabled"),
        topics=tuple(t for t in TOPICS if t in chosen),
    )


# -- queues --------------------------------------------------------------------------


def _sensitive_queues(value: object) -> dict[str, tuple[str, str]]:
    """topic → (queue, the field that named it)."""
    field_ = "triggers.sensitive.queues"
    table = _table(value, field_)
    routes: dict[str, tuple[str, str]] = {}
    for topic, queue in table.items():
        where = f"{field_}.{topic}"
        _choice(topic, TOPICS, where, "topic")
        routes[topic] = (_queue(queue, where), where)
    return routes


def _merged_routes(
    sensitive: dict[str, tuple[str, str]], table: Mapping[str, object]
) -> dict[str, str]:
    known = ("default", *(kind.value for kind in TriggerKind), *DETAILS)
    no_unknown_keys(table, known, "queues")
    routes = {key: _queue(queue, f"queues.{key}") for key, queue in table.items()}
    for topic, (queue, where) in sensitive.items():
        if topic in routes and routes[topic] != queue:
            raise RuleProblem(
                where,
                f"sends {topic} cases to {queue!r} but queues.{topic} sends them to "
                f"{routes[topic]!r}. Name the queue in one place only.",
            )
        routes[topic] = queue
    return routes


def _queue(value: object, field: str) -> str:
    if isinstance(value, str) and _QUEUE.fullmatch(value.strip()):
        return value.strip()
    raise RuleProblem(
        field,
        f"{value!r} is not a queue name; write one in quotes using a-z, 0-9, '_' and '-', "
        'e.g. "billing".',
    )


# -- [hours] -------------------------------------------------------------------------


def _hours(value: object) -> SupportHours:
    table = _table(value, "hours")
    no_unknown_keys(table, _HOURS_KEYS, "hours")
    zone = toml_rules.timezone(table, "hours.timezone", example=DEFAULT_TIMEZONE)
    hours: dict[int, tuple[OpeningHours, ...]] = {}
    for day, name in enumerate(WEEKDAYS):
        if name in table:
            stretches = _day(table[name], f"hours.{name}")
            if stretches:
                hours[day] = stretches
    if not hours:
        raise RuleProblem(
            "hours",
            "gives no weekday with support hours, so nobody would ever answer. Add some, "
            'e.g. mon = "09:00-17:30".',
        )
    holidays = toml_rules.toml_dates(
        table.get("holidays", []),
        "hours.holidays",
        example='["2026-12-25", "2026-12-26"]',
    )
    return SupportHours(zone, hours, holidays)


def _day(value: object, field: str) -> tuple[OpeningHours, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise RuleProblem(field, 'must be a time range or a list of them, e.g. ["09:00-17:30"].')
    stretches = sorted(
        toml_rules.time_range(item, f"{field}[{i}]", example="09:00-17:30")
        for i, item in enumerate(value)
    )
    for (_, end_a), (start_b, _) in pairwise(stretches):
        if start_b < end_a:
            raise RuleProblem(
                field, "has ranges that overlap. Merge them into one or make one end first."
            )
    return tuple(
        OpeningHours(toml_rules.clock_time(start), toml_rules.clock_time(end))
        for start, end in stretches
    )


# -- values --------------------------------------------------------------------------


def _table(value: object, field: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise RuleProblem(field, f"must be a table, e.g. [{field}] on a line of its own.")
    return value


def _choice(value: object, known: tuple[str, ...], field: str, what: str) -> str:
    if isinstance(value, str) and value.strip() in known:
        return value.strip()
    close = difflib.get_close_matches(str(value), known, n=1)
    hint = f"Did you mean {close[0]!r}? " if close else ""
    raise RuleProblem(field, f"{value!r} is not a {what}. {hint}Write one of {', '.join(known)}.")


def _bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise RuleProblem(field, f"{value!r} must be true or false (no quotes).")
    return value


def _share(value: object, field: str) -> float:
    """A threshold from 0 to 1."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuleProblem(field, f"{value!r} is not a number; write it without quotes, e.g. 0.6.")
    if not 0.0 <= float(value) <= 1.0:
        raise RuleProblem(field, f"{value} is out of range; write a number from 0 to 1, e.g. 0.6.")
    return float(value)


def _int(value: object, field: str, *, low: int, high: int) -> int:
    return toml_rules.whole_number(value, field, low=low, high=high, example="2")
