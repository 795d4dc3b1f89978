"""The widget's files, and the demo shop: a store front that embeds the widget.

The demo plays the shop's own backend too: "Sign in" keeps a signed session cookie
and hands the widget a short-lived customer token, as a real shop's backend would.
Anyone may sign in there, so it is served only with `frontdesk serve --demo`
(`make run`); a real shop's server answers `/` with a note on embedding the widget.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from frontdesk.core.conversation import Customer
from frontdesk.demo.crm_seed import CUSTOMERS
from frontdesk.errors import IdentityError, NotFoundError
from frontdesk.interfaces.api.deps import ServicesDep

WEB = Path(__file__).resolve().parents[1] / "web"
STATIC = WEB / "static"
templates = Jinja2Templates(directory=str(WEB / "templates"))
router = APIRouter(include_in_schema=False)  # the widget: always served
demo_router = APIRouter(include_in_schema=False)

# Whom "Sign in (demo)" signs in, unless ?customer= names another demo customer.
DEMO_CUSTOMER_ID = "cus_1001"
DEMO_CUSTOMER_IDS = frozenset(c.profile.id for c in CUSTOMERS)
SESSION_COOKIE = "northwind_session"
SESSION_PURPOSE = "northwind-demo-session"
SESSION_S = 8 * 3600
WIDGET_TOKEN_S = 3600
# Quick replies the widget offers before the first message.
BOOK_STARTER = "Book an appointment"
STARTERS = ("Track my order", BOOK_STARTER, "Returns and refunds")


@router.get("/", response_class=HTMLResponse)
async def landing(request: Request) -> Response:
    widget = str(request.url_for("widget_js"))
    return HTMLResponse(
        "<!doctype html><title>frontdesk</title><h1>frontdesk is running</h1>"
        f'<p>Add the chat to your pages with <code>&lt;script src="{html.escape(widget)}" '
        "defer&gt;&lt;/script&gt;</code>. The API is described at "
        '<a href="/docs">/docs</a>.</p>'
    )


@demo_router.get("/", response_class=HTMLResponse)
async def shop(request: Request, services: ServicesDep) -> Response:
    customer = None
    session = request.cookies.get(SESSION_COOKIE)
    sessions = services.tokens.for_purpose(SESSION_PURPOSE)
    if session and sessions.enabled:
        try:
            customer = sessions.verify(session)
        except IdentityError:
            customer = None  # an expired or forged session is simply signed out
    widget_token = None
    if customer is not None:
        widget_token = services.tokens.issue(customer, lifetime_s=WIDGET_TOKEN_S, now=time.time())
    return templates.TemplateResponse(
        request,
        "shop.html",
        {
            "widget_src": str(request.url_for("widget_js")),
            "customer_token": widget_token,
            "customer_name": None if customer is None else customer.name,
            "sign_in_enabled": services.tokens.enabled,
            "book_url": _book_url(services, customer),
            "suggestions": "|".join(
                s for s in STARTERS if services.appointments is not None or s != BOOK_STARTER
            ),
        },
    )


def _book_url(services: ServicesDep, customer: Customer | None) -> str | None:
    """The booking page, with the signed-in customer's email filled in (a signed
    link, as the shop's backend would make it); None when the shop takes no bookings."""
    if services.appointments is None:
        return None
    if services.booking_links is None:
        return "/book"
    return services.booking_links.book_page(customer, None)


@demo_router.get("/login")
async def login(
    request: Request, services: ServicesDep, customer: str = DEMO_CUSTOMER_ID
) -> Response:
    """Signs in a customer of the demo CRM (`frontdesk demo seed`): Alex Morgan, or
    whom ``?customer=cus_1002`` names. A real shop's own sign-in does this part."""
    response = RedirectResponse("/", status_code=303)
    sessions = services.tokens.for_purpose(SESSION_PURPOSE)
    # Only the demo's own customers: with a real CRM behind it, the open sign-in
    # must not become a way into a real customer's account.
    known = customer in DEMO_CUSTOMER_IDS
    profile = await run_in_threadpool(services.directory.customer, customer) if known else None
    if profile is None:
        raise NotFoundError(
            f"No demo customer {customer[:64]!r} in the CRM; run `frontdesk demo seed` "
            "(make run does) and sign in as cus_1001 to cus_1008."
        )
    if sessions.enabled:
        who = Customer(profile.id, profile.name, profile.email)
        session = sessions.issue(who, lifetime_s=SESSION_S, now=time.time())
        response.set_cookie(
            SESSION_COOKIE, session, max_age=SESSION_S, httponly=True, samesite="lax"
        )
    return response


@demo_router.get("/logout")
async def logout() -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/widget.js", name="widget_js")
async def widget_js() -> Response:
    return _asset("widget.js", "text/javascript")


@router.get("/widget.css", name="widget_css")
async def widget_css() -> Response:
    return _asset("widget.css", "text/css")


def _asset(name: str, media_type: str) -> Response:
    # Short cache: a shop embeds the script once and should see fixes within minutes.
    return FileResponse(
        STATIC / name, media_type=media_type, headers={"Cache-Control": "public, max-age=300"}
    )
