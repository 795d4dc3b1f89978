"""The console's reports page and its API, on SQLite and PostgreSQL: the figures of
the seeded cases (tests/unit/test_escalation_report.py), the CSV download, who sees
which queues' cases, and that sign-in is needed."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from frontdesk.adapters.passwords import hash_password
from frontdesk.core.engine import Assistant
from frontdesk.core.escalation.model import (
    Agent,
    Case,
    CaseStatus,
    Feedback,
    Rating,
    Role,
    Trigger,
    TriggerKind,
    Verdict,
)
from frontdesk.core.escalation.report import CSV_COLUMNS
from tests.integration.api_client import api, assert_error, start
from tests.integration.test_escalation_api import PASSWORD, services
from tests.integration.test_escalation_api import Console as AgentConsole
from tests.integration.test_escalation_report_cli import store_case
from tests.unit.test_escalation_report import CASES, FEEDBACK, RATINGS

SAM = Agent("agt_sam", "sam@shop.example", "Sam", Role.AGENT, ("support",), 0.0)
BILL = Agent("agt_bill", "bill@shop.example", "Bill", Role.AGENT, ("billing",), 0.0)
ADA = Agent("agt_ada", "ada@shop.example", "Ada", Role.ADMIN, (), 0.0)
PERIOD = {"weeks": 4, "until": "2026-01-14"}
JAN_6 = datetime(2026, 1, 6, 10, tzinfo=UTC).timestamp()
# Two billing cases: only Bill (and the admin) may count them.
BILLING = [
    Case(
        "b1",
        "conv_b1",
        "billing",
        Trigger(TriggerKind.SENSITIVE, "chargeback", detail="chargeback"),
        "faq:fraud",
        "Chargebacks",
        CaseStatus.CLOSED,
        JAN_6,
        "cus_a",  # also a support customer: Sam must not see this case of theirs
        "agt_bill",
        JAN_6 + 30,
        JAN_6 + 600,
    ),
    Case(
        "b2",
        "conv_b2",
        "billing",
        Trigger(TriggerKind.SENSITIVE, "fraud", detail="fraud"),
        "faq:fraud",
        "Chargebacks",
        CaseStatus.QUEUED,
        JAN_6 + 3600,
    ),
]
BILLING_RATING = Rating("conv_b1", "b1", 1, JAN_6 + 700)
BILLING_FEEDBACK = Feedback("b1", "conv_b1", "agt_bill", Verdict.NEEDLESS, JAN_6 + 800)


@pytest.fixture
def client(demo_assistant: Assistant, db_url: str) -> Iterator[TestClient]:
    # The test client speaks plain http, which a Secure cookie is never sent over.
    with api(demo_assistant, db_url, console_secure_cookies=False) as running:
        found = services(running)
        for agent in (SAM, BILL, ADA):
            found.agents.add(agent, hash_password(PASSWORD))
        for case in [*CASES, *BILLING]:
            store_case(found.cases, case)
        for item in [*FEEDBACK, BILLING_FEEDBACK]:
            found.cases.add_feedback(item)
        for rating in [*RATINGS, BILLING_RATING]:
            found.cases.rate(rating)
        yield running


class Console(AgentConsole):
    """One agent's browser, signed in, reading the reports."""

    def report(self, **params: Any) -> dict[str, Any]:
        response = self.client.get("/api/console/reports", params={**PERIOD, **params})
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()["report"]
        return found

    def csv(self, **params: Any) -> Any:
        return self.client.get("/api/console/reports.csv", params={**PERIOD, **params})


def test_signing_in_from_the_reports_page_comes_back_to_it(client: TestClient) -> None:
    browser = TestClient(client.app)
    response = browser.post(
        "/console/login",
        data={"email": SAM.email, "password": PASSWORD, "next": "/console/reports"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/console/reports"


def test_an_agent_sees_the_figures_of_their_queues(client: TestClient) -> None:
    report = Console(client, SAM).report()
    assert report["total"] == 15
    assert report["period"]["weeks"] == ["2025-W52", "2026-W01", "2026-W02", "2026-W03"]
    assert report["period"]["timezone"] == "Europe/London"
    assert [w["total"] for w in report["weekly"]] == [2, 2, 4, 7]
    assert report["by_trigger"]["sensitive"] == 2  # not the two billing cases
    assert [t["topic"] for t in report["rising"]] == ["faq:refund", "faq:gift"]
    repeats = {r["customer_id"]: r["cases"] for r in report["repeat_customers"]}
    assert repeats == {"cus_a": 3, "cus_c": 2, "cus_b": 2}  # b1 of cus_a not counted
    assert report["csat"]["count"] == 4 and report["csat"]["mean"] == 4.0
    frustrated = next(f for f in report["feedback"] if f["trigger"] == "frustrated")
    assert frustrated["verdicts"]["escalated_needlessly"] == 3
    assert "raise [triggers.frustration] threshold" in frustrated["hint"]
    sensitive = next(f for f in report["feedback"] if f["trigger"] == "sensitive")
    assert sensitive["verdicts"]["escalated_needlessly"] == 1  # c4's; b1's is Bill's
    assert report["outcomes"]["median_wait_s"] == 120.0


def test_another_queues_agent_sees_none_of_those_cases(client: TestClient) -> None:
    report = Console(client, BILL).report()
    assert report["total"] == 2
    assert report["by_trigger"] == {
        "asked_for_human": 0,
        "frustrated": 0,
        "assistant_failing": 0,
        "sensitive": 2,
    }
    assert [t["label"] for t in report["topics"]] == ["Chargebacks"]
    assert report["repeat_customers"] == []
    assert report["csat"]["count"] == 1 and report["csat"]["mean"] == 1.0
    assert sum(f["total"] for f in report["feedback"]) == 1
    rows = list(csv.DictReader(io.StringIO(Console(client, BILL).csv().text)))
    assert [r["id"] for r in rows] == ["b1", "b2"]


def test_an_admin_sees_every_queue(client: TestClient) -> None:
    report = Console(client, ADA).report()
    assert report["total"] == 17
    assert report["by_trigger"]["sensitive"] == 4
    assert report["csat"]["count"] == 5
    repeats = {r["customer_id"]: r["cases"] for r in report["repeat_customers"]}
    assert repeats["cus_a"] == 4


def test_the_csv_download(client: TestClient) -> None:
    response = Console(client, SAM).csv()
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        'attachment; filename="escalations-2025-W52-to-2026-W03.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 15 and "b1" not in {r["id"] for r in rows}
    c1 = next(r for r in rows if r["id"] == "c1")
    assert (c1["wait_s"], c1["handling_s"], c1["rating"], c1["verdicts"]) == (
        "60.0",
        "540.0",
        "5",
        "right_answer",
    )


def test_a_shorter_period_and_an_empty_one(client: TestClient) -> None:
    sam = Console(client, SAM)
    one = sam.report(weeks=1)
    assert one["total"] == 7 and one["period"]["weeks"] == ["2026-W03"]
    empty = sam.report(until="2024-06-01")
    assert empty["total"] == 0 and empty["rising"] == [] and empty["csat"]["mean"] is None


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"weeks": 0}, "invalid_request"),
        ({"weeks": 105}, "invalid_request"),
        ({"weeks": "many"}, "invalid_request"),
        ({"until": "2026-02-30"}, "input_error"),
    ],
)
def test_bad_parameters_are_clear_errors(
    client: TestClient, params: dict[str, Any], code: str
) -> None:
    sam = Console(client, SAM)
    body = assert_error(sam.client.get("/api/console/reports", params=params), 422, code)
    assert "weeks" in body["error"]["message"] or "YYYY-MM-DD" in body["error"]["message"]
    assert_error(sam.client.get("/api/console/reports.csv", params=params), 422, code)


def test_a_shoppers_token_opens_nothing(client: TestClient) -> None:
    chat = start(client)
    for path in ("/api/console/reports", "/api/console/reports.csv"):
        response = client.get(path, params=PERIOD, headers=chat.auth)
        assert_error(response, 401, "agent_auth_required")
    page = client.get("/console/reports", headers=chat.auth, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/console/login?next=/console/reports"


def test_the_page_and_the_link_to_it(client: TestClient) -> None:
    sam = Console(client, SAM)
    page = sam.client.get("/console/reports")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert 'src="/static/console_reports.js"' in page.text
    assert "Your queues: support" in page.text and "<strong>Sam</strong>" in page.text
    assert re.search(r'name="csrf" value="[0-9a-f]{64}"', page.text)  # for signing out
    assert 'href="/console/reports"' in sam.client.get("/console").text
    script = sam.client.get("/static/console_reports.js")
    assert script.status_code == 200 and "/api/console/reports" in script.text
    assert sam.client.get("/static/console_reports.css").status_code == 200
