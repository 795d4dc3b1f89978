"""Booking an appointment in the chat, through the HTTP API, on SQLite and PostgreSQL:
a verified customer in three turns, a visitor in five, interruptions, corrections,
bad input, and checking, moving and cancelling in the chat."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from frontdesk.adapters.identity import CustomerTokens
from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.migrate import upgrade
from frontdesk.bootstrap import Services
from frontdesk.core.booking.model import Booking, BookingStatus
from frontdesk.core.booking.service import Appointments
from frontdesk.core.conversation import Customer
from frontdesk.core.engine import Assistant
from tests.databases import BACKENDS, database_url
from tests.integration.api_client import SECRET, Chat, api, start

ALEX = Customer("cus_1001", "Alex Morgan", "alex.morgan@example.com")
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path) as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture
def client(demo_assistant: Assistant, db: str) -> Iterator[TestClient]:
    with api(demo_assistant, db, seed=True) as running:
        yield running


def appointments(client: TestClient) -> Appointments:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    assert services.appointments is not None
    return services.appointments


def signed_in(client: TestClient, **body: Any) -> Chat:
    token = CustomerTokens(SECRET).issue(ALEX, lifetime_s=600, now=time.time())
    return start(client, customer_token=token, **body)


def say(chat: Chat, text: str) -> dict[str, Any]:
    replies = chat.say(text)["replies"]
    assert len(replies) == 1
    answer: dict[str, Any] = replies[0]["reply"]
    return answer


def labels(answer: dict[str, Any]) -> list[str]:
    return [o["label"] for o in answer["options"]]


def option_ids(answer: dict[str, Any]) -> list[str]:
    return [o["id"] for o in answer["options"]]


def bookings_of(client: TestClient, chat: Chat) -> list[Booking]:
    return appointments(client).upcoming(conversation_id=chat.id)


def ref_in(text: str) -> str:
    return next(word.strip(".,") for word in text.split() if word.startswith("BK-"))


def open_weekday(after_days: int = 3) -> date:
    """A Monday-to-Friday date a few days ahead (the demo's calls run Mon–Sat 9–17)."""
    day = datetime.now(LONDON).date() + timedelta(days=after_days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_a_verified_customer_books_in_three_turns_with_the_email_from_the_crm(
    client: TestClient,
) -> None:
    chat = signed_in(client)
    slots = say(chat, "I'd like to book a video consultation")
    assert slots["kind"] == "booking" and slots["intent"]["name"] == "book_appointment"
    assert "next free times for a product consultation video call" in slots["text"]
    assert option_ids(slots)[-1] == "another_day" and len(slots["options"]) == 5
    summary = say(chat, labels(slots)[0])
    assert "contact email: alex.morgan@example.com" in summary["text"]
    assert labels(summary) == ["Book it", "Another time", "Use another email"]
    done = say(chat, "Book it")
    assert done["kind"] == "booking" and done["text"].startswith("Booked!")
    assert [link["label"] for link in done["links"]] == [
        "Add to calendar (.ics)",
        "Change or cancel",
    ]
    [booking] = bookings_of(client, chat)
    assert booking.ref == ref_in(done["text"])
    assert (booking.customer_id, booking.email) == ("cus_1001", "alex.morgan@example.com")
    assert booking.type_id == "consultation"
    assert labels(slots)[0].startswith(
        f"{booking.start.astimezone(LONDON):%a} {booking.start.astimezone(LONDON).day} "
    )


def test_a_visitor_picks_the_type_and_types_an_email_in_five_turns(client: TestClient) -> None:
    chat = start(client)
    types = say(chat, "Can I book an appointment?")
    assert option_ids(types) == ["type:consultation", "type:installation", "type:return_pickup"]
    slots = say(chat, labels(types)[0])
    assert option_ids(slots)[0].startswith("slot:")
    asked = say(chat, labels(slots)[1])
    assert asked["text"] == "Which email address should we use for this booking?"
    wrong = say(chat, "sam@example")
    assert "doesn't look like an email address" in wrong["text"]
    assert not bookings_of(client, chat)
    summary = say(chat, "it's sam@example.com")
    assert "contact email: sam@example.com" in summary["text"]
    done = say(chat, "yes please")
    assert done["text"].startswith("Booked!")
    [booking] = bookings_of(client, chat)
    assert booking.customer_id is None and booking.email == "sam@example.com"


def test_an_installation_asks_which_order_among_the_customers_own(client: TestClient) -> None:
    chat = signed_in(client)
    asked = say(chat, "can someone come and assemble my wardrobe? I'd like an installation visit")
    assert asked["text"] == "Which order is the installation visit for?"
    assert labels(asked) == ["Order #1059", "Order #1055", "Order #1043"]
    slots = say(chat, "Order #1043")
    assert "installation visit" in slots["text"]
    not_mine = signed_in(client)
    say(not_mine, "book an installation")
    refused = say(not_mine, "order 1001")
    assert "can't find order #1001 on your account" in refused["text"]
    named = say(signed_in(client), "book an installation for order 1001")  # not theirs
    assert named["text"].startswith("I can't find order #1001 on your account.")
    assert labels(named) == ["Order #1059", "Order #1055", "Order #1043"]


def test_a_question_mid_booking_is_answered_and_the_booking_picks_up(client: TestClient) -> None:
    chat = signed_in(client)
    slots = say(chat, "book a video consultation")
    answered = say(chat, "How long does delivery take?")
    assert answered["kind"] == "answer" and "working days" in answered["text"]
    assert "Back to where we were: Here are the next free times" in answered["text"]
    assert labels(answered) == labels(slots)
    summary = say(chat, labels(answered)[0])
    assert summary["text"].startswith("Here's your booking")


def test_actually_another_day_changes_the_earlier_choice(client: TestClient) -> None:
    chat = signed_in(client)
    slots = say(chat, "book a video consultation")
    say(chat, labels(slots)[0])
    day = open_weekday(8)
    # The same time on the new day, straight back to the summary, when it is free:
    changed = say(chat, f"actually {day:%A} {day.day} {day:%B}")
    assert changed["text"].startswith("Here's your booking")
    assert f"{day:%a} {day.day} {day:%b}, {labels(slots)[0].split(', ')[1]}" in changed["text"]
    # A day with a part of it lists that day's times:
    later = open_weekday(10)
    listed = say(chat, f"actually {later:%A} {later.day} {later:%B} in the afternoon")
    assert f"free afternoon times on {later:%A} {later.day} {later:%B}" in listed["text"]
    picked = labels(listed)[0]
    assert picked.startswith(f"{later:%a} {later.day} {later:%b}, 1")
    summary = say(chat, picked)
    assert picked in summary["text"]


def test_a_question_naming_another_type_is_answered_not_taken_as_a_change(
    client: TestClient,
) -> None:
    chat = signed_in(client)
    slots = say(chat, "book a video consultation")
    answered = say(chat, "how much is an installation?")
    assert answered["kind"] == "answer" and "£49" in answered["text"]
    assert labels(answered) == labels(slots)  # still the video call's times


def test_never_mind_leaves_the_booking_with_nothing_booked(client: TestClient) -> None:
    chat = signed_in(client)
    slots = say(chat, "book a video consultation")
    say(chat, labels(slots)[0])
    left = say(chat, "never mind")
    assert left["text"].startswith("OK, I've left it there: nothing was booked")
    assert left["options"] == [] and not bookings_of(client, chat)
    after = say(chat, "Book it")  # the summary's button, clicked late, books nothing
    assert not bookings_of(client, chat) and not after["text"].startswith("Booked")


def test_a_slot_taken_meanwhile_gets_fresh_options_and_nothing_half_booked(
    client: TestClient,
) -> None:
    chat = signed_in(client)
    slots = say(chat, "book an installation for order 1043")
    first = slots["options"][0]
    start_at = appointments(client).parse_slot_key(first["id"])
    assert start_at is not None
    kind = appointments(client).kind("installation")
    for n in range(kind.capacity):  # other shoppers fill every place meanwhile
        rival = Booking(
            f"BK-RIVAL{n}", "installation", start_at, start_at + timedelta(hours=2), "r@x.io"
        )
        appointments(client).store.book(rival, kind.capacity)
    refused = say(chat, first["label"])
    assert refused["text"].startswith("Sorry, that time has just been booked by someone else")
    assert first["id"] not in option_ids(refused) and option_ids(refused)[0].startswith("slot:")
    summary = say(chat, labels(refused)[0])
    # And once more between the summary and the yes:
    chosen = appointments(client).parse_slot_key(refused["options"][0]["id"])
    assert chosen is not None
    for n in range(kind.capacity):
        rival = Booking(
            f"BK-LATE{n}", "installation", chosen, chosen + timedelta(hours=2), "r@x.io"
        )
        appointments(client).store.book(rival, kind.capacity)
    assert summary["text"].startswith("Here's your booking")
    late = say(chat, "Book it")
    assert late["text"].startswith("Sorry, that time has just been booked by someone else")
    assert option_ids(late)[0].startswith("slot:") and not bookings_of(client, chat)


def test_past_and_out_of_hours_times_are_refused_with_the_next_valid_options(
    client: TestClient,
) -> None:
    chat = signed_in(client)
    say(chat, "book a video consultation")
    past = say(chat, "3 January 2020")
    assert "has already passed" in past["text"] and option_ids(past)[0].startswith("slot:")
    day = open_weekday(4)
    late = say(chat, f"{day:%A} {day.day} {day:%B} at 8pm")
    assert "isn't one of them" in late["text"] or "start every" in late["text"]
    assert all(label.startswith(f"{day:%a} {day.day}") for label in labels(late)[:-1])
    sunday = day + timedelta(days=6 - day.weekday())
    closed = say(chat, f"{sunday:%A} {sunday.day} {sunday:%B}")
    assert "We don't do product consultation video calls on Sunday" in closed["text"]
    assert option_ids(closed)[0].startswith("slot:")
    assert not bookings_of(client, chat)


def test_when_is_my_appointment_move_it_and_cancel_it_in_the_chat(client: TestClient) -> None:
    chat = signed_in(client)
    slots = say(chat, "book a video consultation")
    say(chat, labels(slots)[0])
    ref = ref_in(say(chat, "Book it")["text"])
    shown = say(chat, "when is my appointment?")
    assert ref in shown["text"] and labels(shown) == [
        "Move my appointment",
        "Cancel my appointment",
    ]
    day = open_weekday(9)
    asked = say(chat, f"move it to {day:%A} {day.day} {day:%B} at 2pm")
    assert asked["text"].startswith(f"Move your product consultation video call ({ref})")
    moved = say(chat, "Yes, move it")
    assert moved["text"].startswith("Done:") and "14:00" in moved["text"]
    booking = appointments(client).get(ref)
    assert booking.start == datetime.combine(
        day, datetime.min.time().replace(hour=14), tzinfo=LONDON
    ).astimezone(UTC)
    confirm = say(chat, "cancel my appointment")
    assert labels(confirm) == ["Yes, cancel it", "No, keep it"]
    assert appointments(client).get(ref).status is BookingStatus.BOOKED
    cancelled = say(chat, "Yes, cancel it")
    assert "is cancelled" in cancelled["text"]
    assert appointments(client).get(ref).status is BookingStatus.CANCELLED


def test_a_visitor_sees_only_the_bookings_made_in_their_own_chat(client: TestClient) -> None:
    chat = start(client)
    say(chat, "book a video consultation")
    slots = say(chat, "another day")
    assert option_ids(slots)[-1].startswith("date:")
    day = say(chat, labels(slots)[0])
    say(chat, labels(day)[0])
    say(chat, "kim@example.com")
    ref = ref_in(say(chat, "yes")["text"])
    assert ref in say(chat, "when is my appointment?")["text"]
    other = start(client)
    nothing = say(other, "when is my appointment?")
    assert "can't see an upcoming appointment booked in this chat" in nothing["text"]
    assert ref not in nothing["text"] and labels(nothing) == ["Book an appointment"]


def test_times_show_in_the_shoppers_timezone_and_an_unknown_one_is_ignored(
    client: TestClient,
) -> None:
    chat = signed_in(client, timezone="America/New_York")
    slots = say(chat, "book a video consultation")
    assert "(times in your timezone, America/New_York)" in slots["text"]
    start_at = appointments(client).parse_slot_key(slots["options"][0]["id"])
    assert start_at is not None
    local = start_at.astimezone(ZoneInfo("America/New_York"))
    assert labels(slots)[0].startswith(f"{local:%a} {local.day} {local:%b}, {local:%H:%M}")
    summary = say(chat, labels(slots)[0])
    assert "your time (" in summary["text"] and "shop time)" in summary["text"]
    unknown = signed_in(client, timezone="Mars/Olympus_Mons")
    assert "your timezone" not in say(unknown, "book a video consultation")["text"]
    refused = client.post("/api/conversations", json={"timezone": "../../etc/passwd"})
    assert refused.status_code == 422


def test_a_restarted_server_continues_a_booking(demo_assistant: Assistant, db: str) -> None:
    with api(demo_assistant, db, seed=True) as first:
        chat = signed_in(first)
        slots = say(chat, "book a video consultation")
    with api(demo_assistant, db) as second:
        chat = Chat(second, chat.id, chat.token)
        summary = say(chat, labels(slots)[0])
        assert summary["text"].startswith("Here's your booking")
        assert say(chat, "Book it")["text"].startswith("Booked!")


def test_typed_answers_at_a_summary_do_what_the_shopper_means(client: TestClient) -> None:
    chat = signed_in(client)
    day = open_weekday(5)
    named = f"{day:%A} {day.day} {day:%B}"
    summary = say(chat, f"I'd like to book a video call on {named} at 10am")
    assert summary["text"].startswith("Here's your booking") and "10:00–10:30" in summary["text"]
    changed = say(chat, "no, 3pm is better")  # a change of time, not a no
    assert changed["text"].startswith("Here's your booking") and "15:00–15:30" in changed["text"]
    booked = say(chat, "yes book it")
    assert booked["text"].startswith("Booked!")
    ref = ref_in(booked["text"])
    asked = say(chat, f"move it to {named} at 4pm")
    assert asked["text"].startswith("Move your")
    assert say(chat, "yes move it")["text"].startswith("Done:")
    assert appointments(client).get(ref).start.astimezone(LONDON).hour == 16
    say(chat, "cancel my appointment")
    assert "is cancelled" in say(chat, "cancel it")["text"]
    assert appointments(client).get(ref).status is BookingStatus.CANCELLED


def test_a_closed_day_then_a_time_does_not_get_stuck_on_the_closed_day(
    client: TestClient,
) -> None:
    chat = signed_in(client)
    say(chat, "book a video consultation")
    day = open_weekday(3)
    sunday = day + timedelta(days=6 - day.weekday())
    closed = say(chat, f"{sunday:%A} {sunday.day} {sunday:%B}")
    assert "Here are the nearest free times" in closed["text"]
    summary = say(chat, "10am")
    assert summary["text"].startswith("Here's your booking") and "10:00–10:30" in summary["text"]
