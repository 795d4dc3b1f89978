"""Booking an appointment in a real browser: in the chat widget by clicks only, and
on the booking pages (book, reschedule, cancel) with JavaScript switched off."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.server import LiveServer
from tests.e2e.test_widget import MESSAGES, REPLY_TIMEOUT_MS, open_chat

pytestmark = pytest.mark.slow
OPTION = "[data-fd=option]"
REF = re.compile(r"BK-[A-Z0-9]{6}")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def option(page: Page, text: str) -> None:
    """Clicks the quick reply whose label has ``text``, once it is there."""
    button = page.locator(OPTION, has_text=text).first
    expect(button).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    button.click()


@pytest.fixture
def paris(browser: Browser) -> Iterator[Page]:
    """A shopper whose browser is on Paris time, an hour ahead of the shop."""
    context = browser.new_context(viewport=DESKTOP, timezone_id="Europe/Paris")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture
def no_script(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    yield context
    context.close()


def test_a_signed_in_customer_books_in_the_chat_by_clicks_only(
    page: Page, server: LiveServer
) -> None:
    page.goto(server.base + "/login")
    expect(page.get_by_text("Signed in as")).to_be_visible()
    open_chat(page)
    expect(page.locator(OPTION)).to_have_text(
        ["Track my order", "Book an appointment", "Returns and refunds"]
    )
    option(page, "Book an appointment")
    option(page, "Product consultation video call")
    slots = page.locator(OPTION)
    expect(slots.last).to_have_text("Another day", timeout=REPLY_TIMEOUT_MS)
    page.screenshot(path=str(SCREENSHOTS / "widget-booking-slots.png"))
    slots.first.click()
    # The email comes from the CRM, so the summary is next.
    summary = page.locator(MESSAGES).last
    expect(summary).to_contain_text("alex.morgan@example.com", timeout=REPLY_TIMEOUT_MS)
    option(page, "Book it")

    confirmation = page.locator(MESSAGES).last
    expect(confirmation).to_contain_text("Booked!", timeout=REPLY_TIMEOUT_MS)
    expect(confirmation).to_contain_text(REF)
    calendar = confirmation.locator("[data-fd=link]", has_text="Add to calendar")
    expect(calendar).to_be_visible()
    expect(calendar).to_have_attribute("target", "_blank")
    expect(calendar).to_have_attribute("rel", "noopener")
    href = calendar.get_attribute("href") or ""
    assert href.startswith(f"{server.base}/appointments/BK-") and ".ics?token=" in href
    page.screenshot(path=str(SCREENSHOTS / "widget-booking-confirmed.png"))
    ics = httpx.get(href, timeout=10)
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in ics.text

    # The links come back with the history after a reload.
    page.reload()
    open_chat(page)
    restored = page.locator(MESSAGES).last
    expect(restored.locator("[data-fd=link]")).to_have_text(
        ["Add to calendar (.ics)", "Change or cancel"], timeout=REPLY_TIMEOUT_MS
    )
    expect(page.locator(OPTION)).to_have_count(0)  # no starters once there is history


def test_another_day_by_date_picker_in_the_shoppers_own_timezone(
    paris: Page, server: LiveServer
) -> None:
    page = paris
    page.goto(server.base + "/")
    open_chat(page)
    option(page, "Book an appointment")
    option(page, "Product consultation video call")
    expect(page.locator(MESSAGES).last).to_contain_text(
        "times in your timezone, Europe/Paris", timeout=REPLY_TIMEOUT_MS
    )
    option(page, "Another day")
    picker = page.locator("[data-fd=date-input]")
    expect(picker).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    first, last = picker.get_attribute("min") or "", picker.get_attribute("max") or ""
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", first) and first < last
    page.screenshot(path=str(SCREENSHOTS / "widget-booking-date-picker.png"))
    # By keyboard: type the date into the field and press Enter ("Show times" does the same).
    picker.fill(last)
    picker.press("Enter")
    expect(page.locator(MESSAGES).nth(-2)).to_have_text(re.compile(re.escape(last)))
    reply = page.locator(MESSAGES).last
    expect(reply).to_contain_text("Here are the free", timeout=REPLY_TIMEOUT_MS)
    expect(page.locator(OPTION).first).to_have_text(re.compile(r"\d{2}:\d{2}"))

    # The booking page shows shop time, and (its small script) the visitor's beside it.
    page.goto(server.base + "/book?type=consultation")
    slot = page.locator("label.time").first
    local = re.compile(r"^\s*\d{2}:\d{2}–\d{2}:\d{2} \(\w{3} \d{2}:\d{2} your time\)")
    expect(slot).to_contain_text(local)


def test_book_reschedule_and_cancel_on_the_pages_without_javascript(
    no_script: BrowserContext, server: LiveServer
) -> None:
    page = no_script.new_page()
    page.goto(server.base + "/login")
    page.get_by_role("link", name="Book an appointment", exact=True).click()
    expect(page.get_by_role("heading", name="Book an appointment")).to_be_visible()
    page.get_by_role("link", name=re.compile("Product consultation video call")).click()
    expect(page.get_by_label("Contact email")).to_have_value("alex.morgan@example.com")
    page.screenshot(path=str(SCREENSHOTS / "booking-page-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SCREENSHOTS / "booking-page-phone.png"), full_page=True)
    page.locator("label.time").first.click()
    page.get_by_role("button", name="Book appointment").click()

    expect(page.get_by_role("heading", name="Booked")).to_be_visible()
    ref = page.locator("[data-booking=ref]")
    expect(ref).to_have_text(REF)
    reference = ref.inner_text()
    expect(page.get_by_role("link", name="Add to calendar (.ics)")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "booking-manage-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    was = page.locator("dd", has_text="Europe/London time").inner_text()

    moves = page.locator("form[action='/appointments/manage/reschedule'] label.time")
    moves.nth(1).click()
    page.get_by_role("button", name="Move my appointment").click()
    expect(page.get_by_role("heading", name="Moved")).to_be_visible()
    expect(page.locator("[data-booking=ref]")).to_have_text(reference)
    assert page.locator("dd", has_text="Europe/London time").inner_text() != was
    page.screenshot(path=str(SCREENSHOTS / "booking-manage-desktop.png"), full_page=True)

    page.get_by_role("button", name="Cancel appointment").click()
    expect(page.get_by_role("heading", name="Cancelled")).to_be_visible()
    expect(page.locator("[data-booking=status]")).to_have_text("Cancelled")
    expect(page.get_by_role("link", name="Book a new appointment")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel appointment")).to_have_count(0)
