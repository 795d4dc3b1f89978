"""A shopper and an agent in two browsers: the shopper gets frustrated in the widget,
the agent finds the conversation in the console's queue with its summary, ledger and
suggested introduction, claims it and replies in the same widget, hands it back to
the assistant, which answers the next question, and at last closes it, and the
shopper rates it. Screenshots of the console land in test-artifacts/screenshots/."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LIVE_MS, SCREENSHOTS
from tests.e2e.server import LiveServer
from tests.e2e.test_widget import MESSAGES, REPLY_TIMEOUT_MS, ask, open_chat

pytestmark = pytest.mark.slow


def widget_says(page: Page, text: str) -> None:
    expect(page.locator(MESSAGES).last).to_contain_text(text, timeout=REPLY_TIMEOUT_MS)


def test_frustrated_shopper_to_agent_and_back(
    page: Page, console: Page, server: LiveServer
) -> None:
    page.goto(server.base + "/login")  # the demo's "Sign in": Alex Morgan
    expect(page.get_by_text("Signed in as")).to_be_visible()
    open_chat(page)
    ask(page, "what's the status of order 1043?")  # the assistant reads it from the CRM
    expect(page.locator(MESSAGES)).to_have_count(2, timeout=REPLY_TIMEOUT_MS)
    ask(page, "the lamp arrived broken, this is ridiculous, I want to talk to a real person")
    widget_says(page, "queue")
    expect(page.locator("[data-fd=wait]")).to_be_visible(timeout=LIVE_MS)

    # The agent: the case arrives live, with its trigger; open it.
    item = console.locator("[data-testid=queue-item]").first
    expect(item).to_be_visible(timeout=LIVE_MS)
    expect(console.locator("#queue-badge")).to_have_attribute("data-count", "1")
    expect(item.locator("[data-testid=trigger-kind]")).not_to_be_empty()
    item.click()
    expect(console.locator("#summary")).to_contain_text("1043", timeout=LIVE_MS)
    expect(console.locator("#ledger [data-testid=ledger-row]").first).to_be_visible()
    expect(console.locator("#profile")).to_contain_text("Alex Morgan")
    expect(console.locator("#intro-text")).to_have_value(re.compile(r"^Hi Alex, I'm Sam"))
    console.screenshot(path=str(SCREENSHOTS / "console-case-queued.png"), full_page=True)

    console.locator("#claim").click()
    expect(console.locator("#case-status")).to_have_attribute("data-status", "mine")
    widget_says(page, "Sam joined the chat")
    expect(page.locator("[data-fd=wait]")).to_be_hidden(timeout=LIVE_MS)

    # Typing, both ways.
    page.locator("[data-fd=input]").fill("still the")
    expect(console.locator("#typing")).to_be_visible(timeout=LIVE_MS)
    page.locator("[data-fd=input]").fill("")
    console.locator("#reply-input").fill("Let me look")
    expect(page.locator("[data-fd=typing-label]")).to_contain_text("Sam", timeout=LIVE_MS)

    # The suggested introduction goes out as the agent's message, in the same widget.
    console.locator("#reply-input").fill("")
    console.locator("#intro-send").click()
    widget_says(page, "Hi Alex, I'm Sam")
    expect(page.locator(MESSAGES).last.locator("[data-fd=author]")).to_have_text("Sam")

    # The shopper answers; the assistant stays silent, the agent sees it live.
    count = page.locator(MESSAGES).count()
    ask(page, "yes, the shade is cracked <b>right through</b>")
    expect(console.locator("#transcript [data-source=customer]").last).to_contain_text(
        "<b>right through</b>", timeout=LIVE_MS
    )
    page.wait_for_timeout(500)
    expect(page.locator(MESSAGES)).to_have_count(count + 1)
    console.locator("#reply-input").fill("I've sent a replacement shade; it arrives Friday.")
    console.locator("#reply-send").click()
    widget_says(page, "replacement shade")
    console.screenshot(path=str(SCREENSHOTS / "console-case-claimed.png"), full_page=True)
    page.screenshot(path=str(SCREENSHOTS / "widget-with-agent.png"))

    # Hand back: the assistant answers the next question itself.
    console.locator("#handback").click()
    console.locator("#handback-note").fill("Replacement shade sent for order 1043.")
    console.locator("#handback-confirm").click()
    widget_says(page, "handed the chat back")
    ask(page, "How long does delivery take?")
    widget_says(page, "working days")

    # Again to a person, then closed by the agent; the shopper rates it.
    ask(page, "can I speak to an agent please")
    widget_says(page, "queue")
    case = console.locator("[data-testid=queue-item][data-status=queued]").first
    expect(case).to_be_visible(timeout=LIVE_MS)
    case.click()
    console.locator("#claim").click()
    widget_says(page, "Sam joined the chat")
    console.locator("#close").click()
    widget_says(page, "closed the chat")
    page.locator("[data-fd=rating-score][data-score='4']").click()
    page.locator("[data-fd=rating-comment]").fill("Sorted quickly, thanks")
    page.locator("[data-fd=rating-send]").click()
    expect(page.locator("[data-fd=rating-thanks]")).to_be_visible(timeout=LIVE_MS)
    page.screenshot(path=str(SCREENSHOTS / "widget-rating.png"))

    # The agent rates how the assistant handled it.
    console.locator("#verdict-escalated_needlessly").check()
    console.locator("#feedback-comment").fill("It could have offered the return form.")
    console.locator("#feedback-submit").click()
    expect(console.locator("#feedback-status")).to_contain_text("saved", timeout=LIVE_MS)

    # The trends: this week's two cases by trigger, and the needless-escalation verdict.
    console.locator("[data-testid=reports-link]").click()
    expect(console).to_have_url(re.compile(r"/console/reports"))
    expect(console.locator("svg").first).to_be_visible(timeout=LIVE_MS)
    expect(console.get_by_text("escalated needlessly", exact=False).first).to_be_visible()
    console.screenshot(path=str(SCREENSHOTS / "console-reports.png"), full_page=True)


def test_a_shopper_token_opens_no_console(page: Page, server: LiveServer) -> None:
    started = httpx.post(f"{server.base}/api/conversations", json={}, timeout=10).json()
    headers = {"Authorization": f"Bearer {started['token']}"}
    assert httpx.get(f"{server.base}/api/console/queue", headers=headers).status_code == 401
    page.goto(server.base + "/console")
    expect(page).to_have_url(re.compile(r"/console/login"))
