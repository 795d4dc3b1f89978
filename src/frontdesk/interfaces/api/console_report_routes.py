"""The console's reports: escalations per week by trigger and topic, rising topics,
repeat customers, outcomes, CSAT and the agents' feedback per trigger.

An admin's report covers every queue; an agent's covers the cases of their own queues
only (feedback and ratings included), so a report tells nobody about cases they could
not open. A shopper's conversation token opens nothing here.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from frontdesk.bootstrap import Services
from frontdesk.core.escalation.model import Agent, CaseQuery, Role
from frontdesk.core.escalation.report import (
    DEFAULT_WEEKS,
    MAX_WEEKS,
    MIN_WEEKS,
    EscalationReport,
    build_report,
    case_rows,
    parse_day,
    period_of,
    rows_csv,
    today_in,
)
from frontdesk.interfaces.api.console_auth import AgentDep
from frontdesk.interfaces.api.console_routes import console_page, no_store
from frontdesk.interfaces.api.deps import ServicesDep

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/console", tags=["agent console"])
PAGE = "/console/reports"
DAY_S = 86400.0
UTC = "UTC"

Weeks = Annotated[int, Query(ge=MIN_WEEKS, le=MAX_WEEKS, description="ISO weeks, 1–104.")]
Until = Annotated[
    str | None, Query(max_length=10, description="A day (YYYY-MM-DD) in the last week.")
]


@pages.get(PAGE, response_class=HTMLResponse)
async def reports_page(request: Request) -> Response:
    return await console_page(
        request, PAGE, "console_reports.html", weeks=DEFAULT_WEEKS, max_weeks=MAX_WEEKS
    )


@api.get("/reports")
async def report_json(
    signed: AgentDep, services: ServicesDep, weeks: Weeks = DEFAULT_WEEKS, until: Until = None
) -> dict[str, object]:
    built, _ = await run_in_threadpool(read, services, signed.agent, weeks, until)
    return {"report": built.as_dict(), "scope": scope_of(signed.agent)}


@api.get("/reports.csv")
async def report_csv(
    signed: AgentDep, services: ServicesDep, weeks: Weeks = DEFAULT_WEEKS, until: Until = None
) -> Response:
    built, rows = await run_in_threadpool(read, services, signed.agent, weeks, until)
    weeks_shown = built.period.weeks
    name = f"escalations-{weeks_shown[0]}-to-{weeks_shown[-1]}.csv"
    response = Response(rows_csv(rows), media_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    no_store(response)
    return response


def read(
    services: Services, agent: Agent, weeks: int, until: str | None
) -> tuple[EscalationReport, list[dict[str, object]]]:
    """The report and its case rows, for the cases the agent may see."""
    timezone = shop_timezone(services)
    now = time.time()
    last_day = today_in(timezone, now) if until is None else parse_day(until, "until")
    period = period_of(weeks, last_day, timezone)
    queues = None if agent.role is Role.ADMIN else agent.queues
    cases = services.cases.cases(CaseQuery(period.since, period.until, queues))
    # Ratings and feedback come after their case, maybe after the period.
    later = max(period.until, now) + DAY_S
    ids = {case.id for case in cases}
    feedback = [f for f in services.cases.feedback(period.since, later) if f.case_id in ids]
    ratings = [r for r in services.cases.ratings(period.since, later) if r.case_id in ids]
    return build_report(cases, feedback, ratings, period), case_rows(cases, feedback, ratings)


def shop_timezone(services: Services) -> str:
    """The support hours' timezone, which weeks are counted in; UTC without escalation."""
    desk = services.chat.escalation
    return UTC if desk is None else desk.triggers.rules.hours.timezone.key


def scope_of(agent: Agent) -> dict[str, object]:
    """Whose cases the report counts, for the page to say."""
    if agent.role is Role.ADMIN:
        return {"all_queues": True, "queues": []}
    return {"all_queues": False, "queues": list(agent.queues)}
