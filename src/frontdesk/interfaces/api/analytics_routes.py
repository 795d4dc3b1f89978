"""Live analytics for admins: the console's Analytics page (/console/analytics) and
the same figures as JSON (GET /api/analytics), over a chosen period and channel.

Admins only: the figures cover every queue and show shoppers' own words (the top
unanswered questions). A signed-in agent gets 403, anyone else 401.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from frontdesk.bootstrap import Services
from frontdesk.core.analytics.figures import Analytics, build_analytics
from frontdesk.core.analytics.period import analytics_period
from frontdesk.core.escalation.model import CaseQuery, Role
from frontdesk.errors import ForbiddenError
from frontdesk.interfaces.api.console_auth import AgentDep, SignedIn
from frontdesk.interfaces.api.console_report_routes import shop_timezone
from frontdesk.interfaces.api.console_routes import console_page
from frontdesk.interfaces.api.deps import ServicesDep
from frontdesk.interfaces.api.schemas import ErrorOut

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["analytics"])
PAGE = "/console/analytics"
DAY_S = 86400.0

Day = Annotated[
    str | None, Query(max_length=10, description="A day, YYYY-MM-DD, in the shop's timezone.")
]
Channel = Annotated[
    str | None,
    Query(
        max_length=32, description="Only conversations of this channel (`web` …); all if left out."
    ),
]


@pages.get(PAGE, response_class=HTMLResponse)
async def analytics_page(request: Request) -> Response:
    # Any agent may open it; the figures themselves come only to admins (403 says so).
    return await console_page(request, PAGE, "console_analytics.html")


@api.get(
    "/api/analytics",
    responses={
        401: {"model": ErrorOut, "description": "Not signed in to the console."},
        403: {"model": ErrorOut, "description": "Signed in, but not an admin."},
        422: {"model": ErrorOut, "description": "A malformed period or channel."},
    },
)
async def analytics_json(
    signed: AgentDep,
    services: ServicesDep,
    since: Day = None,
    until: Day = None,
    channel: Channel = None,
) -> dict[str, object]:
    """Containment, escalations and their reasons, CSAT, first bot reply and first
    human response, wait and handling times, booking completion, conversation length,
    top unanswered questions and the entries agents rated wrong, for conversations
    started from `since` to `until` (both days included; the last 30 days by
    default). Needs an admin's console session."""
    admin_only(signed)
    figures = await run_in_threadpool(read, services, since, until, channel)
    return figures.as_dict()


def admin_only(signed: SignedIn) -> None:
    if signed.agent.role is not Role.ADMIN:
        raise ForbiddenError(
            "Analytics are for admins: they cover every queue. Sign in with an admin "
            "account (made with `frontdesk agents add --role admin`)."
        )


def read(
    services: Services, since: str | None, until: str | None, channel: str | None
) -> Analytics:
    now = time.time()
    period = analytics_period(since, until, shop_timezone(services), now, channel)
    conversations = services.analytics.conversations(period)
    # Hand-overs, ratings and verdicts come after their conversation started, maybe
    # after the period; only those of the period's conversations count.
    later = max(period.until, now) + DAY_S
    cases = services.cases.cases(CaseQuery(period.since, later))
    return build_analytics(
        period,
        conversations,
        cases,
        services.cases.ratings(period.since, later),
        services.cases.feedback(period.since, later),
        channels=services.analytics.channels(period),
        entry_question=services.assistant.entry_question,
        embedder=services.assistant.embedder,
    )
