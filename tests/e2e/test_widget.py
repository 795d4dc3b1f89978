"""The chat widget on the demo shop page, in a real browser against a real server."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, WebSocketRoute, expect

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.server import LiveServer

pytestmark = pytest.mark.slow
LAUNCHER = "[data-fd=launcher]"
MESSAGES = "[data-fd=message]"
REPLY_TIMEOUT_MS = 20_000


def open_chat(page: Page) -> None:
    page.locator(LAUNCHER).click()
    expect(page.locator("[data-fd=panel]")).to_be_visible()
    expect(page.locator("[data-fd=status]")).to_have_attribute(
        "data-state", "connected", timeout=REPLY_TIMEOUT_MS
    )


def ask(page: Page, text: str) -> None:
    page.locator("[data-fd=input]").fill(text)
    page.keyboard.press("Enter")


def stored_conversation(page: Page, server: LiveServer) -> dict[str, Any]:
    raw = page.evaluate(f"localStorage.getItem('frontdesk:v1:{server.base}')")
    stored: dict[str, Any] = json.loads(raw)
    return stored


def server_history(page: Page, server: LiveServer) -> list[dict[str, Any]]:
    conversation = stored_conversation(page, server)
    response = httpx.get(
        f"{server.base}/api/conversations/{conversation['id']}/events",
        headers={"Authorization": f"Bearer {conversation['token']}"},
        timeout=10,
    )
    response.raise_for_status()
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def rendered(page: Page) -> list[tuple[str | None, str | None, str]]:
    """(seq, source, text) of every message bubble, top to bottom."""
    result: list[tuple[str | None, str | None, str]] = page.eval_on_selector_all(
        MESSAGES,
        "els => els.map(e => [e.dataset.seq || null, e.dataset.source,"
        " e.querySelector('[data-fd=text]').textContent])",
    )
    return [tuple(row) for row in result]  # type: ignore[misc]


def test_ask_answer_pick_a_quick_reply_and_reload(page: Page, server: LiveServer) -> None:
    page.goto(server.base + "/")
    open_chat(page)
    messages = page.locator(MESSAGES)
    # Several entries about delivery, none clearly meant: quick replies (confidence
    # mid-way through the clarify band, so a CPU's int8 kernels do not move it out).
    ask(page, "question about delivery")
    options = page.locator("[data-fd=option]")
    expect(options).to_have_count(3, timeout=REPLY_TIMEOUT_MS)
    expect(options.first).to_have_text("How much does delivery cost?")
    expect(messages.nth(0).locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-"))
    page.screenshot(path=str(SCREENSHOTS / "widget-desktop-options.png"))
    options.first.click()
    expect(messages).to_have_count(4, timeout=REPLY_TIMEOUT_MS)
    expect(messages.nth(2)).to_have_text(re.compile("How much does delivery cost?"))
    expect(messages.nth(3)).to_contain_text("£4.95")
    expect(options).to_have_count(0)
    ask(page, "do you take paypal?")
    expect(messages).to_have_count(6, timeout=REPLY_TIMEOUT_MS)
    expect(messages.nth(5)).to_have_attribute("data-source", "bot")
    expect(messages.nth(5)).to_contain_text("PayPal")
    before = rendered(page)
    assert [seq for seq, _, _ in before] == ["1", "2", "3", "4", "5", "6"]
    page.screenshot(path=str(SCREENSHOTS / "widget-desktop.png"))

    page.reload()
    open_chat(page)
    expect(messages).to_have_count(6, timeout=REPLY_TIMEOUT_MS)
    assert rendered(page) == before


def test_a_server_restart_loses_and_duplicates_nothing(page: Page, server: LiveServer) -> None:
    page.goto(server.base + "/")
    open_chat(page)
    ask(page, "how long does a refund take?")
    messages = page.locator(MESSAGES)
    expect(messages).to_have_count(2, timeout=REPLY_TIMEOUT_MS)

    server.stop()  # kills every WebSocket
    status = page.locator("[data-fd=status]")
    expect(status).to_have_attribute("data-state", re.compile("reconnecting|offline"))
    ask(page, "can I return a sofa?")  # typed while the server is down
    expect(messages.nth(2)).to_have_attribute("data-state", "pending")

    server.start()
    expect(status).to_have_attribute("data-state", "connected", timeout=REPLY_TIMEOUT_MS)
    expect(messages).to_have_count(4, timeout=REPLY_TIMEOUT_MS)
    expect(messages.nth(2)).to_have_attribute("data-state", "sent")
    shown = rendered(page)
    assert [seq for seq, _, _ in shown] == ["1", "2", "3", "4"]
    said = [e["text"] for e in server_history(page, server) if e["source"] == "customer"]
    assert said == ["how long does a refund take?", "can I return a sofa?"]


def test_a_killed_websocket_with_a_lost_ack_is_resent_once(page: Page, server: LiveServer) -> None:
    """The server stores the message and answers, but the socket dies before the
    browser hears of it: the widget resends on reconnect and the server recognises it."""
    swallow = {"on": False}
    sockets: list[WebSocketRoute] = []
    sent: list[dict[str, Any]] = []  # every frame the browser sent

    def relay(ws: WebSocketRoute) -> None:
        upstream = ws.connect_to_server()
        upstream.on_message(lambda message: None if swallow["on"] else ws.send(message))

        def forward(message: str | bytes) -> None:
            sent.append(json.loads(message))
            upstream.send(message)

        ws.on_message(forward)
        sockets.append(ws)

    page.route_web_socket(re.compile(r"/ws$"), relay)
    page.goto(server.base + "/")
    open_chat(page)
    swallow["on"] = True
    ask(page, "do you deliver on sundays?")
    messages = page.locator(MESSAGES)
    expect(messages.first).to_have_attribute("data-state", "pending")
    # Wait until the server has stored and answered it, unseen by the browser.
    for _ in range(100):
        if len(server_history(page, server)) == 2:
            break
        page.wait_for_timeout(100)
    assert len(server_history(page, server)) == 2
    swallow["on"] = False
    sockets[-1].close(code=4000, reason="killed by the test")

    expect(messages).to_have_count(2, timeout=REPLY_TIMEOUT_MS)
    expect(messages.first).to_have_attribute("data-state", "sent", timeout=REPLY_TIMEOUT_MS)
    assert len(sockets) >= 2  # it did reconnect
    # ... and resent the message it never saw acknowledged, which the server recognised.
    question = [f for f in sent if f.get("type") == "message"]
    assert len(question) >= 2 and len({f["client_message_id"] for f in question}) == 1
    assert [seq for seq, _, _ in rendered(page)] == ["1", "2"]
    assert len(server_history(page, server)) == 2


def test_html_in_a_message_is_shown_as_text_never_run(page: Page, server: LiveServer) -> None:
    page.goto(server.base + "/")
    open_chat(page)
    attacks = ['<img src=x onerror="window.__pwned=1">', "<script>window.__pwned=2</script>"]
    for text in attacks:
        ask(page, text)
    messages = page.locator(MESSAGES)
    # The first is not understood; the second would be the second "I don't know" in a
    # row, so a person takes over instead (a status line and the hand-over message).
    expect(messages).to_have_count(5, timeout=REPLY_TIMEOUT_MS)
    customer = [text for _, source, text in rendered(page) if source == "customer"]
    assert customer == attacks
    assert page.evaluate("window.__pwned") is None
    assert page.locator(f"{MESSAGES} img, {MESSAGES} script").count() == 0


def test_the_widget_works_by_keyboard(page: Page, server: LiveServer) -> None:
    page.goto(server.base + "/")
    launcher = page.locator(LAUNCHER)
    launcher.focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-fd=panel]")).to_be_visible()
    active = "document.getElementById('frontdesk-widget').shadowRoot.activeElement?.dataset.fd"
    assert page.evaluate(active) == "input"
    expect(page.locator("[data-fd=status]")).to_have_attribute(
        "data-state", "connected", timeout=REPLY_TIMEOUT_MS
    )
    page.keyboard.type("how much does delivery cost?")
    page.keyboard.press("Enter")
    expect(page.locator(MESSAGES)).to_have_count(2, timeout=REPLY_TIMEOUT_MS)
    page.keyboard.press("Escape")
    expect(page.locator("[data-fd=panel]")).to_be_hidden()
    assert page.evaluate(active) == "launcher"


def test_the_widget_fills_a_phone_screen(browser: Browser, server: LiveServer) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        page.goto(server.base + "/")
        page.screenshot(path=str(SCREENSHOTS / "shop-phone.png"))
        open_chat(page)
        # Vague enough for options, mid-band on every CPU measured (see the desktop test).
        ask(page, "question about delivery")
        expect(page.locator("[data-fd=option]").first).to_be_visible(timeout=REPLY_TIMEOUT_MS)
        box = page.locator("[data-fd=panel]").bounding_box()
        assert box is not None and box["width"] >= 385 and box["height"] >= 800
        font = page.locator("[data-fd=input]").evaluate("e => getComputedStyle(e).fontSize")
        assert float(font.removesuffix("px")) >= 16  # no zoom-on-focus on phones
        page.screenshot(path=str(SCREENSHOTS / "widget-phone.png"))
    finally:
        context.close()


def test_a_signed_in_customer_is_known_to_the_conversation(page: Page, server: LiveServer) -> None:
    page.goto(server.base + "/login")
    expect(page.get_by_text("Signed in as")).to_be_visible()
    open_chat(page)
    ask(page, "hello")
    expect(page.locator(MESSAGES)).to_have_count(2, timeout=REPLY_TIMEOUT_MS)
    conversation = stored_conversation(page, server)
    info = httpx.get(
        f"{server.base}/api/conversations/{conversation['id']}",
        headers={"Authorization": f"Bearer {conversation['token']}"},
        timeout=10,
    ).json()
    assert info["customer"]["id"] == "cus_1001"
