"""The console's Analytics page in a real browser, as the demo admin: a seeded week
(tests/integration/analytics_seed.py) shows its KPIs, charts, unanswered questions
and the entry rated wrong; the channel filter narrows it. A screenshot of the page
lands in test-artifacts/screenshots/console-analytics.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.escalation_store import SqlCaseStore
from frontdesk.adapters.storage.store import SqlConversationStore
from frontdesk.core.escalation.model import Role
from frontdesk.demo.agents import DEMO_AGENT
from tests.e2e.conftest import LIVE_MS, SCREENSHOTS
from tests.e2e.server import LiveServer
from tests.integration import analytics_seed

pytestmark = pytest.mark.slow


def seed_week(server: LiveServer) -> None:
    engine = make_engine(f"sqlite:///{server.var_dir / 'frontdesk.db'}")
    store, cases = SqlConversationStore(engine), SqlCaseStore(engine)
    try:
        analytics_seed.seed(store, cases)
    finally:
        store.close()


def test_an_admin_reads_a_week_of_analytics(console: Page, server: LiveServer) -> None:
    assert DEMO_AGENT.role is Role.ADMIN  # the demo agent may see analytics
    seed_week(server)
    expect(console.locator("[data-testid=analytics-link]")).to_be_visible()
    console.locator("[data-testid=analytics-link]").click()
    expect(console).to_have_url(re.compile(r"/console/analytics"))

    console.locator("#analytics-since").fill("2026-01-05")
    console.locator("#analytics-until").fill("2026-01-11")
    console.locator("[data-testid=analytics-show]").click()
    status = console.locator("[data-testid=analytics-status]")
    expect(status).to_contain_text("6 conversations from 2026-01-05 to 2026-01-11", timeout=LIVE_MS)
    kpis = console.locator("[data-testid=analytics-kpis]")
    expect(kpis).to_contain_text("Containment50%")
    expect(kpis).to_contain_text("3.00 / 5")
    expect(kpis).to_contain_text("1 of 2 started")
    expect(console.locator("#volume-chart svg")).to_be_visible()
    expect(console.locator("#reasons-chart svg")).to_be_visible()
    expect(console.locator("[data-testid=unanswered]")).to_contain_text("Do you ship to Mars?")
    expect(console.locator("[data-testid=wrong-entries]")).to_contain_text(
        "How do I track my order?"
    )
    expect(console.locator("[data-testid=times]")).to_contain_text("1 not answered yet")
    console.screenshot(path=str(SCREENSHOTS / "console-analytics.png"), full_page=True)

    # The address keeps the period, and the channel filter narrows the figures.
    expect(console).to_have_url(re.compile(r"since=2026-01-05&until=2026-01-11"))
    console.locator("#analytics-channel").select_option("email")
    expect(status).to_contain_text("1 conversation on email", timeout=LIVE_MS)
    expect(kpis).to_contain_text("Containment100%")
