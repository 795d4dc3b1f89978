"""The demo shop: a store front that embeds the widget, and its widget files.

The demo plays the shop's own backend too: "Sign in" keeps a signed session cookie
and hands the widget a short-lived customer token, as a real shop's backend would.
"""

from __future__ import annotations

import time
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from frontdesk.core.conversation import Customer
from frontdesk.errors import IdentityError
from frontdesk.interfaces.api.deps import ServicesDep

WEB = Path(__file__).resolve().parents[1] / "web"
STATIC = WEB / "static"
templates = Jinja2Templates(directory=str(WEB / "templates"))
router = APIRouter(include_in_schema=False)

# The signed-in shopper of the demo (issue 5's CRM seed holds the same customer).
DEMO_CUSTOMER = Customer("cus_1001", "Alex Morgan", "alex.morgan@example.com")
SESSION_COOKIE = "northwind_session"
SESSION_S = 8 * 3600
WIDGET_TOKEN_S = 3600


@router.get("/", response_class=HTMLResponse)
async def shop(request: Request, services: ServicesDep) -> Response:
    customer = None
    session = request.cookies.get(SESSION_COOKIE)
    if session and services.tokens.enabled:
        try:
            customer = services.tokens.verify(session)
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
        },
    )


@router.get("/login")
async def login(request: Request, services: ServicesDep) -> Response:
    response = RedirectResponse("/", status_code=303)
    if services.tokens.enabled:
        session = services.tokens.issue(DEMO_CUSTOMER, lifetime_s=SESSION_S, now=time.time())
        response.set_cookie(
            SESSION_COOKIE, session, max_age=SESSION_S, httponly=True, samesite="lax"
        )
    return response


@router.get("/logout")
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
