"""Which messages are about appointments, and which kind they name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frontdesk.core.booking.config import load_booking_rules
from frontdesk.core.booking.intents import BookingIntent, detect_booking_intent, type_named

DEMO = Path(__file__).resolve().parents[2] / "src" / "frontdesk" / "demo" / "data"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I'd like to book a video consultation", BookingIntent.BOOK),
        ("can I book an installation", BookingIntent.BOOK),
        ("I'd like a call with someone about my order", BookingIntent.BOOK),
        ("Need to get an installation booked for the wardrobe on order #1021.", BookingIntent.BOOK),
        ("can someone come and assemble my bed?", BookingIntent.BOOK),
        ("Book an appointment", BookingIntent.BOOK),
        ("when is my appointment?", BookingIntent.CHECK),
        ("what time is my installation visit", BookingIntent.CHECK),
        ("move it to Friday", BookingIntent.RESCHEDULE),
        ("need to move my booking to a diff day", BookingIntent.RESCHEDULE),
        (
            "my installation visit is on the 14th but I need a different day",
            BookingIntent.RESCHEDULE,
        ),
        ("cancel my appointment", BookingIntent.CANCEL),
        ("cancel my video call tmrw, no longer need it", BookingIntent.CANCEL),
        ("How can I withdraw a booking I made for a home visit?", BookingIntent.CANCEL),
        # Not about appointments:
        ("where is my order?", None),
        ("cancel my order", None),
        ("I received the grey throw but I want change it to the blue one", None),
        ("This is the third time my delivery has been rescheduled", None),
        ("will some1 bring it in or just dump it on the pavement", None),
        ("can you call me back?", None),
        ("How long does delivery take?", None),
    ],
)
def test_appointment_requests_are_told_apart(text: str, intent: BookingIntent | None) -> None:
    assert detect_booking_intent(text) is intent


def test_every_labelled_demo_message_routed_to_booking_is_about_appointments() -> None:
    rows = [json.loads(line) for line in (DEMO / "calibration.jsonl").read_text().splitlines()]
    routed = [r for r in rows if detect_booking_intent(r["text"]) is not None]
    assert len(routed) >= 10
    stray = [r for r in routed if r["entry"] and not r["entry"].startswith("appointments-")]
    assert stray == []


@pytest.mark.parametrize(
    ("text", "type_id"),
    [
        ("book an installation", "installation"),
        ("can someone come and assemble my wardrobe", "installation"),
        ("I'd like a video call", "consultation"),
        ("book a return pickup", "return_pickup"),
        ("can a courier collect my return", "return_pickup"),
        ("I'd like an appointment", None),
    ],
)
def test_the_kind_is_read_from_the_shoppers_words(text: str, type_id: str | None) -> None:
    rules = load_booking_rules(DEMO / "appointments.toml")
    kind = type_named(text, rules)
    assert (None if kind is None else kind.id) == type_id


@pytest.mark.parametrize(
    "text",
    [
        "do I need a camera for the call?",
        "Can I get a call back?",
        "I would like to get a refund for the installation",
        "Can I make a collection from your store?",
        "I need to change my delivery slot",
    ],
)
def test_questions_about_appointments_and_look_alikes_start_no_booking(text: str) -> None:
    assert detect_booking_intent(text) is None


@pytest.mark.parametrize("text", ["i want to book", "can I book one for Friday?"])
def test_a_plain_wish_to_book_starts_one(text: str) -> None:
    assert detect_booking_intent(text) is BookingIntent.BOOK
