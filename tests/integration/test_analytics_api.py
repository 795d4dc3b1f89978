"""GET /api/analytics and the console's Analytics page, on SQLite and PostgreSQL:
the figures of a seeded week whose true values are worked out by hand
(analytics_seed.py), the period and channel filters, and who may see them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from frontdesk.adapters.passwords import hash_password
from frontdesk.core.engine import Assistant
from frontdesk.core.escalation.model import Agent, Role
from tests.integration import analytics_seed
from tests.integration.analytics_seed import PERIOD, RIGHT_ENTRY, WRONG_ENTRY
from tests.integration.api_client import api, assert_error, start
from tests.integration.test_console_reports import Console
from tests.integration.test_escalation_api import PASSWORD, services

ADA = Agent(analytics_seed.AGENT_ID, "ada@shop.example", "Ada", Role.ADMIN, (), 0.0)
SAM = Agent("agt_sam", "sam@shop.example", "Sam", Role.AGENT, ("support",), 0.0)


@pytest.fixture
def client(demo_assistant: Assistant, db_url: str) -> Iterator[TestClient]:
    with api(demo_assistant, db_url, console_secure_cookies=False) as running:
        found = services(running)
        for agent in (ADA, SAM):
            found.agents.add(agent, hash_password(PASSWORD))
        analytics_seed.seed(found.store, found.cases)
        yield running


def figures(client: TestClient, **params: Any) -> dict[str, Any]:
    response = Console(client, ADA).client.get("/api/analytics", params={**PERIOD, **params})
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_the_seeded_week_gives_the_figures_worked_out_by_hand(client: TestClient) -> None:
    f = figures(client)
    assert f["period"] == {
        "since": "2026-01-05",
        "until": "2026-01-11",
        "days": 7,
        "timezone": "Europe/London",
        "channel": None,
        "bucket": "day",
    }
    assert f["opened"] == 7  # c1–c7; c8 is the week after
    assert f["conversations"] == 6  # c6 was never used
    assert f["containment"] == {"count": 3, "of": 6, "rate": 0.5}  # c1, c4, c5
    assert f["escalation"] == {
        "count": 3,
        "of": 6,
        "rate": 0.5,
        "reasons": {
            "asked_for_human": 1,
            "frustrated": 0,
            "assistant_failing": 1,
            "sensitive": 1,
        },
    }
    assert f["first_bot_reply"] == {"count": 6, "p50_s": 0.25, "p90_s": 0.45, "mean_s": 0.28}
    # The bot's wait notice in c2 is not a human response; nobody answered c7 yet.
    assert f["first_human_response"] == {
        "count": 2,
        "p50_s": 154.55,
        "p90_s": 214.51,
        "mean_s": 154.55,
        "unanswered": 1,
    }
    assert f["wait_for_agent"] == {
        "count": 2,
        "p50_s": 129.55,
        "p90_s": 185.51,
        "mean_s": 129.55,
        "unclaimed": 1,  # c7 still waits
    }
    assert f["handling"] == {"count": 2, "p50_s": 310.0, "p90_s": 318.0, "mean_s": 310.0}
    # c8's rating of 1 is outside the period.
    assert f["csat"] == {
        "count": 2,
        "mean": 3.0,
        "satisfied_share": 0.5,
        "by_score": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 0},
    }
    assert f["booking_completion"] == {"count": 1, "of": 2, "rate": 0.5}
    assert f["length"] == {
        "conversations": 6,
        "messages_mean": 1.67,
        "messages_p50": 2.0,
        "messages_p90": 2.0,
        "minutes_p50": 0.33,
    }
    # Counted as the figures count: c6, never used, is not in web's 5.
    assert f["channels"] == {"web": 5, "email": 1}


def test_unanswered_questions_and_entries_rated_wrong(client: TestClient) -> None:
    f = figures(client)
    # c2 asked the same thing twice; c8's asking is the week after.
    assert f["unanswered"] == {"messages": 2, "grouped": 2}
    [mars] = f["top_unanswered"]
    assert (mars["label"], mars["count"], mars["examples"]) == ("Do you ship to Mars?", 2, [])
    [wrong] = f["wrong_entries"]
    assert wrong["entry_id"] == WRONG_ENTRY
    assert wrong["question"] == "How do I track my order?"
    assert (wrong["count"], wrong["right_entries"], wrong["new_answers"]) == (1, [RIGHT_ENTRY], 0)


def test_the_series_has_every_day_of_the_period(client: TestClient) -> None:
    series = figures(client)["series"]
    assert [b["bucket"] for b in series] == [f"2026-01-{d:02d}" for d in range(5, 12)]
    tuesday = series[1]
    assert tuesday == {
        "bucket": "2026-01-06",
        "conversations": 6,
        "escalated": 3,
        "containment": 0.5,
        "csat_mean": 3.0,
        "bookings": 1,
    }
    assert all(b["conversations"] == 0 and b["containment"] is None for b in series[2:])


def test_a_channel_filter_counts_only_its_conversations(client: TestClient) -> None:
    f = figures(client, channel="email")
    assert (f["opened"], f["conversations"]) == (1, 1)
    assert f["containment"]["rate"] == 1.0
    assert f["booking_completion"] == {"count": 1, "of": 1, "rate": 1.0}
    assert f["csat"]["count"] == 0 and f["top_unanswered"] == []
    # The dropdown still lists every channel of the period.
    assert f["channels"] == {"web": 5, "email": 1}


def test_a_later_period_counts_the_later_conversation_only(client: TestClient) -> None:
    f = figures(client, since="2026-01-19", until="2026-01-25")
    assert f["conversations"] == 1
    assert f["escalation"]["reasons"]["assistant_failing"] == 1
    assert f["csat"]["mean"] == 1.0


def test_a_period_beyond_92_days_is_drawn_in_iso_weeks(client: TestClient) -> None:
    f = figures(client, since="2025-10-01", until="2026-01-11")
    assert f["period"]["bucket"] == "week"
    assert f["series"][-1]["bucket"] == "2026-W02"
    assert next(b for b in f["series"] if b["bucket"] == "2026-W02")["conversations"] == 6


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"since": "2026-01-11", "until": "2026-01-05"}, "after until"),
        ({"since": "2024-01-01", "until": "2026-01-05"}, "at most 366 days"),
        ({"since": "06/01/2026"}, "YYYY-MM-DD"),
        ({"channel": "Web Chat"}, "channel must be"),
    ],
)
def test_a_bad_period_or_channel_is_a_clear_422(
    client: TestClient, params: dict[str, str], words: str
) -> None:
    response = Console(client, ADA).client.get("/api/analytics", params=params)
    assert words in assert_error(response, 422, "input_error")["error"]["message"]


def test_only_admins_see_analytics(client: TestClient) -> None:
    # Signed out, and a shopper's conversation token: 401. An agent: 403.
    assert_error(client.get("/api/analytics"), 401, "agent_auth_required")
    shopper = start(client)
    response = client.get("/api/analytics", headers={"Authorization": f"Bearer {shopper.token}"})
    assert_error(response, 401, "agent_auth_required")
    response = Console(client, SAM).client.get("/api/analytics", params=PERIOD)
    assert "admin" in assert_error(response, 403, "forbidden")["error"]["message"]


def test_the_analytics_page_is_for_signed_in_agents(client: TestClient) -> None:
    page = client.get("/console/analytics", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/console/login?next=/console/analytics")
    admin = Console(client, ADA).client.get("/console/analytics")
    assert admin.status_code == 200
    assert admin.headers["cache-control"] == "no-store"
    assert 'src="/static/console_analytics.js"' in admin.text
    assert 'data-testid="analytics-link"' in admin.text
    # The queue page links to it for admins only.
    assert 'data-testid="analytics-link"' in Console(client, ADA).client.get("/console").text
    assert 'data-testid="analytics-link"' not in Console(client, SAM).client.get("/console").text


def test_a_new_conversation_records_its_channel(client: TestClient) -> None:
    web = client.post("/api/conversations", json={})
    assert web.status_code == 201 and web.json()["conversation"]["channel"] == "web"
    email = client.post("/api/conversations", json={"channel": "email"})
    assert email.json()["conversation"]["channel"] == "email"
    bad = client.post("/api/conversations", json={"channel": "E-Mail!"})
    assert "channel" in assert_error(bad, 422, "invalid_request")["error"]["message"]
