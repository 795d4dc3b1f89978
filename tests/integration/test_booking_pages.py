"""The booking pages through a real app: book (signed link and anonymous), the
confirmation, the calendar file, reschedule and cancel, and every bad input, each of
which leaves nothing booked or changed."""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from frontdesk.adapters.booking_links import SignedBookingLinks
from frontdesk.bootstrap import DEMO_KB, Services
from frontdesk.core.booking.model import Booking
from frontdesk.core.booking.service import Appointments, Owner
from frontdesk.core.conversation import Customer
from frontdesk.core.engine import Assistant
from tests.integration.api_client import SECRET, api, start

pytestmark = pytest.mark.slow

ALEX = Customer("cus_1001", "Alex Morgan", "alex.morgan@example.com")
SLOT = re.compile(r'name="slot" value="(slot:[^"]+)"')
HREF = re.compile(r'href="([^"]+)"')
EXPIRED = "This link has expired"
ALTERED = "This link isn't valid"


def services(client: TestClient) -> Services:
    found: Services = client.app.state.services  # type: ignore[attr-defined]
    return found


def appointments(client: TestClient) -> Appointments:
    booked = services(client).appointments
    assert booked is not None
    return booked


def links(client: TestClient) -> SignedBookingLinks:
    signed = services(client).booking_links
    assert signed is not None
    return signed


def slots(page: str) -> list[str]:
    return SLOT.findall(page)


def hrefs(page: str, contains: str) -> list[str]:
    return [html.unescape(h) for h in HREF.findall(page) if contains in h]


def rows(client: TestClient) -> list[dict[str, Any]]:
    """Every stored booking, straight from the database."""
    with services(client).store.engine.connect() as connection:
        result = connection.execute(text("SELECT * FROM appointments ORDER BY created_at"))
        return [dict(row._mapping) for row in result]


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def post_book(client: TestClient, **fields: str) -> Any:
    return client.post("/book", data=fields, follow_redirects=False)


def book_anonymously(client: TestClient, type_id: str = "consultation", **extra: str) -> str:
    """Books the first free time through the page; the manage page's URL."""
    page = client.get("/book", params={"type": type_id})
    assert page.status_code == 200, page.text
    fields = {"type": type_id, "slot": slots(page.text)[0], "email": "sam@example.com", **extra}
    response = post_book(client, **fields)
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    return location


def error_text(page: str) -> str:
    found = re.search(r'data-booking="(?:error|problem)">\s*<p>(.*?)</p>', page, re.S)
    assert found is not None, "no error message on the page"
    return html.unescape(found.group(1))


# -- booking -----------------------------------------------------------------------


def test_a_verified_customer_books_from_a_signed_link_and_sees_the_confirmation(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url, seed=True) as client:
        chat = start(client)
        url = links(client).book_page(ALEX, chat.id)
        page = client.get(url)
        assert page.status_code == 200
        assert "Signed in as <strong>Alex Morgan</strong>" in page.text
        assert "Product consultation video call" in page.text and "Installation visit" in page.text
        assert slots(page.text) == []  # no type chosen yet: no times
        chosen = client.get(hrefs(page.text, "type=consultation")[0])
        assert 'value="alex.morgan@example.com"' in chosen.text  # prefilled from the token
        assert "Europe/London time" in chosen.text
        assert 'name="order"' not in chosen.text  # a consultation is for no order
        first = slots(chosen.text)[0]

        done = post_book(
            client, token=token_of(url), type="consultation", slot=first, email=ALEX.email or ""
        )
        assert done.status_code == 303
        location = done.headers["location"]
        assert location.startswith("/appointments/manage?token=") and location.endswith("&booked=1")
        confirmation = client.get(location)
        assert confirmation.status_code == 200
        assert "<h1>Booked</h1>" in confirmation.text
        (row,) = rows(client)
        assert row["ref"].startswith("BK-") and row["ref"] in confirmation.text
        assert row["customer_id"] == "cus_1001" and row["conversation_id"] == chat.id
        assert row["email"] == "alex.morgan@example.com" and row["status"] == "booked"
        assert hrefs(confirmation.text, f"/appointments/{row['ref']}.ics?token=")
        assert "Reschedule" in confirmation.text and "Cancel appointment" in confirmation.text
        assert confirmation.headers["cache-control"] == "no-store"


def test_a_visitor_books_with_a_typed_email_and_order_number(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        page = client.get("/book", params={"type": "installation"})
        assert 'name="order"' in page.text and 'value=""' in page.text  # nothing prefilled
        location = book_anonymously(client, "installation", order="#1043")
        (row,) = rows(client)
        assert row["customer_id"] is None and row["conversation_id"] is None
        assert row["order_id"] == "1043" and row["type_id"] == "installation"
        shown = client.get(location).text
        assert "#1043" in shown and "sam@example.com" in shown and "Installation visit" in shown


def test_the_calendar_file_downloads_only_for_its_own_booking(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        page = client.get(book_anonymously(client)).text
        (ics,) = hrefs(page, ".ics?token=")
        ref = rows(client)[0]["ref"]
        response = client.get(ics)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/calendar; charset=utf-8"
        assert response.headers["content-disposition"] == f'attachment; filename="{ref}.ics"'
        body = response.text
        assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
        assert f"UID:{ref}@testserver" in body and "SUMMARY:Product consultation video call" in body
        assert "STATUS:CONFIRMED" in body

        other = urlsplit(book_anonymously(client)).query  # a second booking's manage token
        wrong_ref = client.get(ics.replace(f"/{ref}.ics", "/BK-ZZZZZZ.ics"))
        assert wrong_ref.status_code == 400 and "another booking" in error_text(wrong_ref.text)
        # A manage token is no calendar token, even for the same booking.
        manage_token = parse_qs(other)["token"][0]
        swapped = client.get(f"/appointments/{ref}.ics", params={"token": manage_token})
        assert swapped.status_code == 400 and ALTERED in error_text(swapped.text)


def test_reschedule_moves_the_booking_and_frees_the_old_time(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        location = book_anonymously(client)
        before = appointments(client).get(rows(client)[0]["ref"])
        page = client.get(location).text
        offered = slots(page)
        old_key = "slot:" + before.start.strftime("%Y-%m-%dT%H:%MZ")
        assert old_key not in offered  # its own time is not offered as a move
        # Another day, as the date input would ask for it.
        day = datetime.fromisoformat(offered[-1].removeprefix("slot:").replace("Z", "+00:00"))
        other_day = client.get(f"{location}&day={day.date().isoformat()}")
        assert other_day.status_code == 200 and offered[-1] in slots(other_day.text)

        moved = client.post(
            "/appointments/manage/reschedule",
            data={"token": token_of(location), "slot": offered[-1]},
            follow_redirects=False,
        )
        assert moved.status_code == 303 and moved.headers["location"].endswith("&moved=1")
        assert "<h1>Moved</h1>" in client.get(moved.headers["location"]).text
        (row,) = rows(client)
        after = appointments(client).get(row["ref"])
        assert after.ref == before.ref and after.active
        assert after.start == appointments(client).parse_slot_key(offered[-1]) != before.start
        start = before.start
        assert appointments(client).store.taken("consultation", start, start + timedelta(1)) == {}


def test_cancel_shows_the_booking_cancelled_and_offers_to_book_again(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        location = book_anonymously(client)
        token = token_of(location)
        done = client.post(
            "/appointments/manage/cancel", data={"token": token}, follow_redirects=False
        )
        assert done.status_code == 303 and done.headers["location"].endswith("&cancelled=1")
        page = client.get(done.headers["location"]).text
        assert "<h1>Cancelled</h1>" in page and 'data-booking="status">Cancelled<' in page
        assert hrefs(page, "/book?type=consultation")  # book again
        assert "Move my appointment" not in page and ".ics?token=" not in page
        assert rows(client)[0]["status"] == "cancelled"

        again = client.post(
            "/appointments/manage/cancel", data={"token": token}, follow_redirects=False
        )
        assert again.status_code == 303  # a double click shows the same page
        slot = slots(client.get("/book", params={"type": "consultation"}).text)[0]
        move = client.post("/appointments/manage/reschedule", data={"token": token, "slot": slot})
        assert move.status_code == 409 and "was cancelled" in error_text(move.text)
        assert rows(client)[0]["status"] == "cancelled"


# -- bad input: a clear page, fresh times, nothing booked ------------------------------


def test_an_invalid_email_is_refused_with_fresh_times_and_the_typed_value_kept(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        slot = slots(client.get("/book", params={"type": "consultation"}).text)[0]
        response = post_book(client, type="consultation", slot=slot, email="sam at example")
        assert response.status_code == 400
        assert "doesn't look like an email address" in error_text(response.text)
        assert 'aria-invalid="true"' in response.text and 'value="sam at example"' in response.text
        assert slots(response.text)  # the times to pick again
        assert rows(client) == []


def test_a_time_that_filled_up_meanwhile_is_a_conflict_and_books_nothing(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        slot = slots(client.get("/book", params={"type": "consultation"}).text)[0]
        booked = appointments(client)
        start = booked.parse_slot_key(slot)
        assert start is not None
        for n in range(booked.kind("consultation").capacity):  # others take every place
            booked.book("consultation", start, Owner(f"other{n}@example.com"))
        taken = len(rows(client))

        response = post_book(client, type="consultation", slot=slot, email="sam@example.com")
        assert response.status_code == 409
        assert "someone else has just booked that time" in error_text(response.text)
        assert slot not in slots(response.text) and slots(response.text)  # fresh times
        assert len(rows(client)) == taken


@pytest.mark.parametrize(
    ("slot", "says"),
    [
        ("slot:2020-01-06T10:00Z", "already passed"),  # the past
        ("slot:not-a-time", "isn't one we offered"),  # forged
        ("", "choose one of the free times"),  # none chosen
    ],
)
def test_past_forged_or_missing_times_are_refused(
    demo_assistant: Assistant, db_url: str, slot: str, says: str
) -> None:
    with api(demo_assistant, db_url) as client:
        response = post_book(client, type="consultation", slot=slot, email="sam@example.com")
        assert response.status_code == 400
        assert says in error_text(response.text)
        assert slots(response.text)
        assert rows(client) == []


def test_times_off_the_calendar_are_refused(demo_assistant: Assistant, db_url: str) -> None:
    with api(demo_assistant, db_url) as client:
        later = slots(client.get("/book", params={"type": "consultation"}).text)[-1]
        off_grid = later[:-3] + "07Z"  # 10:07 is no start time
        response = post_book(client, type="consultation", slot=off_grid, email="sam@example.com")
        assert response.status_code == 400 and "start every" in error_text(response.text)
        soon = datetime.now(UTC) + timedelta(minutes=30)  # consultations need 2 hours' notice
        key = "slot:" + soon.replace(minute=0 if soon.minute < 30 else 30).strftime(
            "%Y-%m-%dT%H:%MZ"
        )
        too_soon = post_book(client, type="consultation", slot=key, email="sam@example.com")
        assert too_soon.status_code == 400
        far = datetime.now(UTC) + timedelta(days=60)
        too_far = post_book(
            client,
            type="consultation",
            slot=far.strftime("slot:%Y-%m-%dT10:00Z"),
            email="sam@example.com",
        )
        assert too_far.status_code == 400 and "days ahead only" in error_text(too_far.text)
        assert rows(client) == []


def test_a_missing_or_unknown_order_number_is_refused(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url, seed=True) as client:
        slot = slots(client.get("/book", params={"type": "installation"}).text)[0]
        fields = {"type": "installation", "slot": slot, "email": "sam@example.com"}
        missing = post_book(client, **fields)
        assert missing.status_code == 400 and "number of the order" in error_text(missing.text)
        junk = post_book(client, **fields, order="my sofa")
        assert junk.status_code == 400
        assert "'my sofa' isn't an order number" in error_text(junk.text)
        # A verified customer's order must be on their account.
        token = token_of(links(client).book_page(ALEX, None))
        foreign = post_book(client, **fields, token=token, order="1057")  # Priya's
        assert foreign.status_code == 400
        assert "can't find order #1057 on your account" in error_text(foreign.text)
        assert post_book(client, **fields, token=token, order="1043").status_code == 303
        assert [r["order_id"] for r in rows(client)] == ["1043"]


def test_an_unknown_type_is_refused(demo_assistant: Assistant, db_url: str) -> None:
    with api(demo_assistant, db_url) as client:
        page = client.get("/book", params={"type": "haircut"})
        assert page.status_code == 404 and "We don't offer 'haircut'" in error_text(page.text)
        response = post_book(
            client, type="haircut", slot="slot:2030-01-07T10:00Z", email="sam@example.com"
        )
        assert response.status_code == 400 and "kind of appointment" in error_text(response.text)
        assert rows(client) == []


def test_an_appointment_that_has_started_can_be_neither_moved_nor_cancelled(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        started = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=10)
        booking = appointments(client).store.book(
            Booking(
                "BK-START1", "consultation", started, started + timedelta(minutes=30), "a@b.io"
            ),
            3,
        )
        token = token_of(links(client).manage(booking))
        page = client.get("/book", params={"type": "consultation"})
        for path, data in (
            ("/appointments/manage/cancel", {"token": token}),
            ("/appointments/manage/reschedule", {"token": token, "slot": slots(page.text)[0]}),
        ):
            response = client.post(path, data=data, follow_redirects=False)
            assert response.status_code == 400, path
            assert "already started or taken place" in error_text(response.text)
        kept = appointments(client).get("BK-START1")
        assert kept.active and kept.start == started


def test_a_flood_of_bookings_from_one_address_is_slowed_down(
    demo_assistant: Assistant, db_url: str
) -> None:
    limits = {"rate_limit_new_conversations_per_minute": 1, "rate_limit_burst": 2}
    with api(demo_assistant, db_url, **limits) as client:
        book_anonymously(client)
        book_anonymously(client)
        page = client.get("/book", params={"type": "consultation"})
        response = post_book(
            client, type="consultation", slot=slots(page.text)[0], email="sam@example.com"
        )
        assert response.status_code == 429 and "Nothing was booked" in error_text(response.text)
        assert len(rows(client)) == 2


def test_altered_and_expired_links_are_refused_saying_which(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url) as client:
        good = token_of(links(client).book_page(ALEX, None))
        altered = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
        old_clock = SignedBookingLinks(SECRET, clock=lambda: time.time() - 3 * 86400)
        expired = token_of(old_clock.book_page(ALEX, None))
        slot = slots(client.get("/book", params={"type": "consultation"}).text)[0]
        for token, says in ((altered, ALTERED), (expired, EXPIRED)):
            page = client.get("/book", params={"token": token})
            assert page.status_code == 400 and says in error_text(page.text)
            sent = post_book(
                client, token=token, type="consultation", slot=slot, email="sam@example.com"
            )
            assert sent.status_code == 400 and says in error_text(sent.text)
        assert rows(client) == []

        location = book_anonymously(client)
        manage = token_of(location)
        tampered = manage[:-4] + ("AAAA" if not manage.endswith("AAAA") else "BBBB")
        page = client.get("/appointments/manage", params={"token": tampered})
        assert page.status_code == 400 and ALTERED in error_text(page.text)
        cancel = client.post("/appointments/manage/cancel", data={"token": tampered})
        assert cancel.status_code == 400
        past = Booking(
            rows(client)[0]["ref"],
            "consultation",
            datetime(2020, 1, 6, 10, tzinfo=UTC),
            datetime(2020, 1, 6, 10, 30, tzinfo=UTC),
            "sam@example.com",
        )
        stale = token_of(links(client).manage(past))  # a link from long ago
        for response in (
            client.get("/appointments/manage", params={"token": stale}),
            client.post("/appointments/manage/cancel", data={"token": stale}),
            client.post("/appointments/manage/reschedule", data={"token": stale, "slot": slot}),
        ):
            assert response.status_code == 400 and EXPIRED in error_text(response.text)
        assert rows(client)[0]["status"] == "booked"
        assert client.get("/appointments/manage").status_code == 400  # no token at all


def test_a_form_posted_from_another_site_is_refused(demo_assistant: Assistant, db_url: str) -> None:
    with api(demo_assistant, db_url) as client:
        location = book_anonymously(client)
        token = token_of(location)
        slot = slots(client.get("/book", params={"type": "consultation"}).text)[0]
        evil = {"Origin": "https://evil.example"}
        attempts = [
            client.post("/appointments/manage/cancel", data={"token": token}, headers=evil),
            client.post(
                "/appointments/manage/reschedule",
                data={"token": token, "slot": slot},
                headers=evil,
            ),
            client.post(
                "/book",
                data={"type": "consultation", "slot": slot, "email": "sam@example.com"},
                headers=evil,
            ),
            client.post(
                "/appointments/manage/cancel", data={"token": token}, headers={"Origin": "null"}
            ),
        ]
        for response in attempts:
            assert response.status_code == 403
            assert "from another site" in error_text(response.text)
        (row,) = rows(client)
        assert row["status"] == "booked"
        own = client.post(
            "/appointments/manage/cancel",
            data={"token": token},
            headers={"Origin": "http://testserver"},
            follow_redirects=False,
        )
        assert own.status_code == 303


def test_a_booking_that_does_not_exist_is_404(demo_assistant: Assistant, db_url: str) -> None:
    with api(demo_assistant, db_url) as client:
        ghost = Booking(
            "BK-GHOST2",
            "consultation",
            datetime.now(UTC) + timedelta(days=3),
            datetime.now(UTC) + timedelta(days=3, minutes=30),
            "x@example.com",
        )
        page = client.get(links(client).manage(ghost))
        assert page.status_code == 404 and "can't find booking BK-GHOST2" in error_text(page.text)


# -- set-up --------------------------------------------------------------------------


def test_the_pages_are_404_where_the_shop_takes_no_bookings(
    demo_assistant: Assistant, db_url: str
) -> None:
    # A shop's own knowledge base and no appointments file: no booking.
    with api(demo_assistant, db_url, kb_path=DEMO_KB) as client:
        assert services(client).appointments is None
        for response in (
            client.get("/book"),
            client.post("/book", data={"type": "consultation"}),
            client.get("/appointments/manage", params={"token": "x"}),
            client.get("/appointments/BK-AAAAAA.ics", params={"token": "x"}),
        ):
            assert response.status_code == 404
            assert "Online booking isn't available on this site" in error_text(response.text)
        shop = client.get("/").text
        assert "/book" not in shop and "Book an appointment" not in shop


def test_without_a_link_secret_the_booking_is_shown_at_once(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url, identity_secret=None) as client:
        page = client.get("/book", params={"type": "consultation"})
        response = post_book(
            client, type="consultation", slot=slots(page.text)[0], email="sam@example.com"
        )
        assert response.status_code == 200 and "<h1>Booked</h1>" in response.text
        (row,) = rows(client)
        assert row["ref"] in response.text and "Cancel appointment" not in response.text


def test_the_shop_page_links_to_booking_and_offers_starters(
    demo_assistant: Assistant, db_url: str
) -> None:
    with api(demo_assistant, db_url, seed=True) as client:
        signed_out = client.get("/").text
        assert 'data-suggestions="Track my order|Book an appointment|Returns and refunds"' in (
            signed_out
        )
        client.get("/login")
        signed_in = client.get("/").text
        (url,) = [u for u in hrefs(signed_in, "/book?token=") if "type=" not in u]
        claims = links(client).book_page_claims(token_of(url))
        assert claims.customer is not None and claims.customer.id == "cus_1001"
        # The link carries ids only (URLs end up in browser histories); the page reads
        # the email from the CRM.
        assert claims.customer.email is None and "alex" not in url.lower()
        assert 'value="alex.morgan@example.com"' in client.get(url + "&type=consultation").text
