"""A signed-in shopper's own orders in the widget, and news from the CRM arriving
live: a webhook says the order shipped, and the open chat shows it at once."""

from __future__ import annotations

import os
import subprocess

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.server import FRONTDESK, LiveServer
from tests.e2e.test_widget import MESSAGES, REPLY_TIMEOUT_MS, ask, open_chat

pytestmark = pytest.mark.slow


def _ship(server: LiveServer, order: str) -> subprocess.CompletedProcess[str]:
    """The demo's stand-in for the shop's CRM: `frontdesk demo ship` marks the order
    shipped and sends the signed order.updated webhook to the running server."""
    env = {
        **os.environ,
        "FRONTDESK_VAR_DIR": str(server.var_dir),
        "FRONTDESK_DATABASE_URL": f"sqlite:///{server.var_dir / 'frontdesk.db'}",
    }
    return subprocess.run(
        [str(FRONTDESK), "demo", "ship", order, "--server", server.base],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_orders_by_click_and_a_shipment_announced_live(page: Page, server: LiveServer) -> None:
    page.goto(server.base + "/login")
    expect(page.get_by_text("Signed in as")).to_be_visible()
    open_chat(page)
    ask(page, "where is my order")
    options = page.locator("[data-fd=option]")
    expect(options).to_have_count(3, timeout=REPLY_TIMEOUT_MS)
    expect(options.first).to_have_text("Order #1059")
    page.get_by_role("button", name="Order #1055").click()
    expect(page.locator(MESSAGES).last).to_contain_text(
        "Tracking number: NW1055TP", timeout=REPLY_TIMEOUT_MS
    )
    count = page.locator(MESSAGES).count()

    sent = _ship(server, "1059")
    assert sent.returncode == 0, sent.stderr
    assert "told 1 open conversation" in sent.stdout
    news = page.locator(MESSAGES).nth(count)
    expect(news).to_contain_text("your order #1059 has shipped with DPD", timeout=5_000)
    expect(news).to_contain_text("Tracking number: NW1059DP")
    page.screenshot(path=str(SCREENSHOTS / "widget-order-shipped.png"))

    # The order is shipped now, so the assistant will not offer to cancel it.
    ask(page, "cancel order 1059")
    expect(page.locator(MESSAGES).last).to_contain_text(
        "can't be cancelled", timeout=REPLY_TIMEOUT_MS
    )
