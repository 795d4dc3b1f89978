"""escalation.toml: the defaults, a full file, and every kind of mistake named by its
field with the fix."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from frontdesk.core.booking.model import OpeningHours
from frontdesk.core.escalation.config import EscalationRules, load_escalation_rules
from frontdesk.core.escalation.model import Trigger, TriggerKind
from frontdesk.core.escalation.sensitive import TOPICS
from frontdesk.errors import ConfigError

GOOD = """
[triggers.asked]
enabled = true
threshold = 0.7

[triggers.frustration]
enabled = false
threshold = 0.8

[triggers.failing]
abstentions_in_a_row = 3
rephrase = false
rephrase_cosine = 0.85

[triggers.sensitive]
topics = ["fraud", "chargeback"]
queues = { chargeback = "billing", fraud = "billing" }

[hours]
timezone = "Europe/Paris"
mon = "08:30-18:00"
tue = ["09:00-12:00", "13:00-17:00"]
sat = []
holidays = [2026-12-25, "2026-12-26"]

[queues]
default = "help"
legal = "legal"
frustrated = "priority"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "escalation.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_the_defaults() -> None:
    rules = load_escalation_rules(None)
    assert rules == EscalationRules()
    triggers = rules.triggers
    assert triggers.asked.enabled and triggers.asked.threshold == 0.6
    assert triggers.frustration.enabled and triggers.frustration.threshold == 0.6
    assert triggers.failing.enabled and triggers.failing.abstentions_in_a_row == 2
    assert triggers.failing.rephrase and triggers.failing.rephrase_cosine == 0.8
    assert triggers.sensitive.enabled and triggers.sensitive.topics == TOPICS
    assert rules.hours.timezone.key == "Europe/London"
    weekday = (OpeningHours(time(9, 0), time(17, 30)),)
    assert rules.hours.hours == {
        **{day: weekday for day in range(5)},
        5: (OpeningHours(time(10, 0), time(16, 0)),),
    }
    assert rules.hours.holidays == frozenset()
    assert rules.queues.default == "support" and dict(rules.queues.routes) == {}


def test_an_empty_file_is_the_defaults(tmp_path: Path) -> None:
    assert load_escalation_rules(write(tmp_path, "")) == EscalationRules()


def test_a_full_file(tmp_path: Path) -> None:
    rules = load_escalation_rules(write(tmp_path, GOOD))
    triggers = rules.triggers
    assert triggers.asked.threshold == 0.7
    assert not triggers.frustration.enabled and triggers.frustration.threshold == 0.8
    assert triggers.failing.abstentions_in_a_row == 3
    assert not triggers.failing.rephrase and triggers.failing.rephrase_cosine == 0.85
    assert triggers.sensitive.topics == ("fraud", "chargeback")  # in precedence order
    assert rules.hours.timezone.key == "Europe/Paris"
    assert rules.hours.hours == {
        0: (OpeningHours(time(8, 30), time(18, 0)),),
        1: (OpeningHours(time(9, 0), time(12, 0)), OpeningHours(time(13, 0), time(17, 0))),
    }
    assert rules.hours.holidays == {date(2026, 12, 25), date(2026, 12, 26)}
    assert rules.queues.default == "help"
    assert dict(rules.queues.routes) == {
        "legal": "legal",
        "frustrated": "priority",
        "chargeback": "billing",
        "fraud": "billing",
    }


def test_queues_route_by_detail_then_kind(tmp_path: Path) -> None:
    queues = load_escalation_rules(write(tmp_path, GOOD)).queues
    assert queues.queue_for(Trigger(TriggerKind.SENSITIVE, "", detail="fraud")) == "billing"
    assert queues.queue_for(Trigger(TriggerKind.SENSITIVE, "", detail="safety")) == "help"
    assert queues.queue_for(Trigger(TriggerKind.FRUSTRATED, "", detail="shouting")) == "priority"
    assert queues.queue_for(Trigger(TriggerKind.ASKED, "", detail="phrase")) == "help"


@pytest.mark.parametrize(
    ("text", "field", "fix"),
    [
        ("[trigger.asked]\nthreshold = 0.5", "trigger:", "Did you mean 'triggers'?"),
        ("[triggers.askd]\nthreshold = 0.5", "triggers.askd:", "Did you mean 'asked'?"),
        ("[triggers.asked]\ntreshold = 0.5", "triggers.asked.treshold:", "'threshold'"),
        ("[triggers.asked]\nthreshold = 1.5", "triggers.asked.threshold:", "from 0 to 1"),
        ("[triggers.asked]\nthreshold = 'high'", "triggers.asked.threshold:", "e.g. 0.6"),
        ("[triggers.frustration]\nenabled = 'yes'", "triggers.frustration.enabled:", "true or"),
        ("[triggers.failing]\nabstentions_in_a_row = 1", "abstentions_in_a_row:", "from 2 to"),
        ("[triggers.failing]\nabstentions_in_a_row = 2.5", "abstentions_in_a_row:", "whole"),
        ("[triggers.failing]\nrephrase_cosine = -0.1", "triggers.failing.rephrase_cosine:", "0"),
        ("[triggers.sensitive]\ntopics = 'fraud'", "triggers.sensitive.topics:", "a list"),
        (
            "[triggers.sensitive]\ntopics = ['chargebacks']",
            "triggers.sensitive.topics[0]:",
            "Did you mean 'chargeback'?",
        ),
        (
            "[triggers.sensitive.queues]\nfraud = 'Billing Team'",
            "triggers.sensitive.queues.fraud:",
            'e.g. "billing"',
        ),
        (
            "[triggers.sensitive.queues]\nfrud = 'billing'",
            "triggers.sensitive.queues.frud:",
            "Did you mean 'fraud'?",
        ),
        (
            "[triggers.sensitive]\nqueues = {chargeback = 'billing'}\n"
            "[queues]\nchargeback = 'disputes'",
            "triggers.sensitive.queues.chargeback:",
            "in one place only",
        ),
        ("triggers = 3", "triggers:", "must be a table"),
        ("[queues]\ndefault = ''", "queues.default:", "not a queue name"),
        ("[queues]\nchargback = 'billing'", "queues.chargback:", "Did you mean 'chargeback'?"),
        ("[hours]\nmon = '09:00-17:00'", "hours.timezone:", "is missing"),
        ("[hours]\ntimezone = 'Mars/Base'\nmon = '09:00-17:00'", "hours.timezone:", "IANA"),
        ("[hours]\ntimezone = 'Europe/London'\nmon = '9-5'", "hours.mon[0]:", "like 09:00"),
        (
            "[hours]\ntimezone = 'Europe/London'\nmon = '17:00-09:00'",
            "hours.mon[0]:",
            "earlier time first",
        ),
        (
            "[hours]\ntimezone = 'Europe/London'\nmon = '25:00-26:00'",
            "hours.mon[0]:",
            "does not exist",
        ),
        (
            "[hours]\ntimezone = 'Europe/London'\nmon = ['09:00-13:00', '12:00-17:00']",
            "hours.mon:",
            "overlap",
        ),
        ("[hours]\ntimezone = 'Europe/London'\nmonday = '09:00-17:00'", "hours.monday:", "mon"),
        ("[hours]\ntimezone = 'Europe/London'", "hours:", "nobody would ever answer"),
        (
            "[hours]\ntimezone = 'Europe/London'\nmon = '09:00-17:00'\nholidays = ['25/12/2026']",
            "hours.holidays[0]:",
            "YYYY-MM-DD",
        ),
    ],
)
def test_each_mistake_names_its_field_and_the_fix(
    tmp_path: Path, text: str, field: str, fix: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_escalation_rules(path)
    message = caught.value.message
    assert str(path) in message
    assert field in message, message
    assert fix in message, message


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_escalation_rules(tmp_path / "nope.toml")


def test_broken_toml_says_where(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_escalation_rules(write(tmp_path, "[triggers.asked\nthreshold = 0.5"))


def test_not_utf8_says_so(tmp_path: Path) -> None:
    path = tmp_path / "escalation.toml"
    path.write_bytes(b"[queues]\ndefault = '\xff'")
    with pytest.raises(ConfigError, match="UTF-8"):
        load_escalation_rules(path)
