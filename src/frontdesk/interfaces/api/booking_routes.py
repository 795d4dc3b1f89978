"""The booking pages: book an appointment, see it, move or cancel it, and download it
as a calendar file.

Plain server-rendered HTML forms, so they work without JavaScript. The signed token
in the link (and copied into each form) is the authority, never a cookie: whoever
holds a manage link may change that booking, as with an emailed confirmation. Every
failure is a page that says what went wrong and what to do, and nothing is booked or
changed unless the page says it was.
"""

from __future__ import annotations

import functools
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated, Any, ParamSpec
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from frontdesk.adapters.booking_links import BookPageClaims, SignedBookingLinks
from frontdesk.core.booking.ics import calendar_file
from frontdesk.core.booking.model import AppointmentType, Booking
from frontdesk.core.booking.service import Appointments, Owner, SlotRefusedError, checked_email
from frontdesk.core.conversation import Customer
from frontdesk.errors import (
    BookingLinkError,
    BookingNotFoundError,
    CrmDataError,
    CrmUnavailableError,
    InputError,
    SlotTakenError,
    StorageError,
)
from frontdesk.interfaces.api.booking_forms import form_fields, order_number, same_origin
from frontdesk.interfaces.api.booking_views import booking_view, time_picker, type_choices
from frontdesk.interfaces.api.deps import ServicesDep
from frontdesk.interfaces.api.pages import templates

log = logging.getLogger("frontdesk.booking")
router = APIRouter(include_in_schema=False)
P = ParamSpec("P")

NOT_SET_UP = (
    "Online booking isn't available on this site. Please ask in the chat or contact "
    "the shop, and we'll find a time with you."
)
NO_LINKS = (
    "Booking links aren't set up on this server, so this page can't open. Please ask "
    "in the chat about your appointment."
)
FOREIGN_FORM = (
    "For your safety, this form is only accepted from our own booking pages, and this "
    "one was sent from another site. Nothing was booked or changed. Open the link from "
    "your confirmation (or our website) and try again."
)
STORE_DOWN = (
    "We can't reach the booking calendar just now, so nothing was booked or changed. "
    "Please try again in a minute."
)
CHOOSE_TIME = "Please choose one of the free times below."
NOT_OFFERED = "That time isn't one we offered. " + CHOOSE_TIME
TAKEN = (
    "Sorry, someone else has just booked that time, so nothing was booked. Here are "
    "the times that are free now."
)
TAKEN_MOVE = (
    "Sorry, someone else has just booked that time, so your appointment was not moved. "
    "Here are the times that are free now."
)
DEMO_ORGANISER = "Northwind Home & Living"
WRONG_CALENDAR_REF = (
    "This calendar link is for another booking. Open the link from your confirmation "
    "again, or ask in the chat."
)


TOO_MANY = (
    "Too many bookings from your address in a short time; please wait {wait:.0f} seconds "
    "and try again. Nothing was booked."
)


def _check_rate(request: Request, services: ServicesDep) -> None:
    """Bookings per client address share the new-conversation limit: a script must
    not be able to fill every place for weeks with made-up emails."""
    limiter = services.start_limiter
    if limiter is None:
        return
    address = request.client.host if request.client else "unknown"
    wait = limiter.take(f"book:{address}")
    if wait > 0:
        raise PageProblem(429, "Please slow down", TOO_MANY.format(wait=wait))


class PageProblem(Exception):
    """Something the visitor must hear about on a page of its own."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


def guarded(handler: Callable[P, Awaitable[Response]]) -> Callable[P, Awaitable[Response]]:
    """Turns the failures every booking page shares into a page that says what to do
    (instead of the API's JSON errors, which a browser would show raw)."""

    @functools.wraps(handler)
    async def run(*args: P.args, **kwargs: P.kwargs) -> Response:
        request = kwargs["request"]
        assert isinstance(request, Request)
        try:
            return await handler(*args, **kwargs)
        except PageProblem as problem:
            return problem_page(request, problem)
        except BookingLinkError as exc:  # expired or altered: its message says which
            return problem_page(request, PageProblem(400, "This link doesn't work", exc.message))
        except StorageError as exc:
            log.error("booking page: %s (%s)", exc.message, exc.detail)
            return problem_page(request, PageProblem(503, "Please try again soon", STORE_DOWN))

    return run


# -- booking -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BookForm:
    """What the booking form holds, to show it again after a problem."""

    token: str = ""
    type_id: str = ""
    day: date | None = None
    email: str = ""
    order: str = ""
    error: str = ""
    error_field: str = ""  # the field the error is about: type, slot, email, order
    status: int = 200


@router.get("/book", response_class=HTMLResponse)
@guarded
async def book_form(
    request: Request,
    services: ServicesDep,
    token: str = "",
    type_id: Annotated[str, Query(alias="type")] = "",
    day: str = "",
) -> Response:
    """The booking page: a type, then a free time, then the email (prefilled for a
    customer the shop vouched for) and, for some types, the order number."""
    appointments = _appointments(services)
    claims = await _book_claims(services, token)
    customer = claims.customer
    wanted, day_error = _day(day)
    form = BookForm(
        token=token,
        type_id=type_id,
        day=wanted,
        email=(customer.email or "") if customer is not None else "",
        error=day_error,
        error_field="day" if day_error else "",
        status=400 if day_error else 200,
    )
    if type_id and appointments.rules.type(type_id) is None:
        form = _with_error(
            form, f"We don't offer {type_id[:40]!r}; please choose one below.", "type", 404
        )
    return await _book_page(request, services, appointments, claims, form)


@router.post("/book", response_class=HTMLResponse)
@guarded
async def book(request: Request, services: ServicesDep) -> Response:
    _check_origin(request)
    _check_rate(request, services)
    appointments = _appointments(services)
    fields = await form_fields(request)
    token = fields.get("token", "")
    claims = await _book_claims(services, token)
    form = BookForm(
        token=token,
        type_id=fields.get("type", ""),
        day=_day(fields.get("day", ""))[0],
        email=fields.get("email", ""),
        order=fields.get("order", ""),
    )

    async def again(message: str, status: int, field: str, **changes: Any) -> Response:
        changed = _with_error(replace(form, **changes), message, field, status)
        return await _book_page(request, services, appointments, claims, changed)

    kind = appointments.rules.type(form.type_id)
    if kind is None:
        return await again("Please choose the kind of appointment first.", 400, "type")
    key = fields.get("slot", "")
    start = appointments.parse_slot_key(key)
    if start is None:
        return await again(NOT_OFFERED if key else CHOOSE_TIME, 400, "slot")
    try:
        email = checked_email(form.email)
    except InputError as exc:
        return await again(exc.message, 400, "email")
    order_id = None
    if kind.needs_order:
        order_id = order_number(form.order)
        if order_id is None:
            return await again(_order_hint(kind, form.order), 400, "order")
        missing = await _order_not_found(services, claims, order_id)
        if missing:
            return await again(missing, 400, "order")
    owner = Owner(
        email=email,
        customer_id=None if claims.customer is None else claims.customer.id,
        conversation_id=claims.conversation_id,
        order_id=order_id,
    )
    try:
        booking = await run_in_threadpool(appointments.book, kind.id, start, owner)
    except SlotTakenError:
        return await again(TAKEN, 409, "slot", day=start.astimezone(appointments.zone).date())
    except SlotRefusedError as exc:
        return await again(f"{exc.message} {CHOOSE_TIME}", 400, "slot", day=None)
    except InputError as exc:
        return await again(exc.message, 400, "email")
    links = services.booking_links
    if links is None:  # no secret to sign a manage link: show the booking here
        return await _manage_page(request, appointments, None, booking, token="", done="booked")
    return RedirectResponse(links.manage(booking) + "&booked=1", status_code=303)


async def _book_page(
    request: Request,
    services: ServicesDep,
    appointments: Appointments,
    claims: BookPageClaims,
    form: BookForm,
) -> Response:
    types = type_choices(appointments)
    kind = appointments.rules.type(form.type_id)
    if kind is None and len(appointments.rules.types) == 1:
        kind = appointments.rules.types[0]
    picker = None
    if kind is not None:
        picker = await run_in_threadpool(time_picker, appointments, kind, form.day)
    context = {
        "form": form,
        "types": types,
        "kind": None if kind is None else next(t for t in types if t.id == kind.id),
        "type_urls": {t.id: _book_url(form.token, t.id) for t in types},
        "picker": picker,
        "customer": claims.customer,
        "demo": services.settings.demo,
    }
    return _render(request, "book.html", context, form.status)


# -- one booking: see, move, cancel, calendar file -----------------------------------


@router.get("/appointments/manage", response_class=HTMLResponse)
@guarded
async def manage(
    request: Request,
    services: ServicesDep,
    token: str = "",
    booked: str = "",
    moved: str = "",
    cancelled: str = "",
    day: str = "",
) -> Response:
    """A booking with what can be done about it: calendar file, move, cancel."""
    appointments, links = _appointments(services), _links(services)
    booking = await _booking(appointments, links.manage_ref(token))
    done = "booked" if booked else "moved" if moved else "cancelled" if cancelled else ""
    wanted, day_error = _day(day)
    return await _manage_page(
        request,
        appointments,
        links,
        booking,
        token=token,
        done=done,
        day=wanted,
        error=day_error,
        status=400 if day_error else 200,
    )


@router.post("/appointments/manage/reschedule", response_class=HTMLResponse)
@guarded
async def reschedule(request: Request, services: ServicesDep) -> Response:
    _check_origin(request)
    appointments, links = _appointments(services), _links(services)
    fields = await form_fields(request)
    token = fields.get("token", "")
    booking = await _booking(appointments, links.manage_ref(token))
    viewed = _day(fields.get("day", ""))[0]

    async def again(message: str, status: int, day: date | None = viewed) -> Response:
        current = await _booking(appointments, booking.ref)
        return await _manage_page(
            request,
            appointments,
            links,
            current,
            token=token,
            day=day,
            error=message,
            status=status,
        )

    if not booking.active:
        return await again("This appointment was cancelled, so it can't be moved.", 409)
    key = fields.get("slot", "")
    start = appointments.parse_slot_key(key)
    if start is None:
        return await again(NOT_OFFERED if key else CHOOSE_TIME, 400)
    try:
        moved = await run_in_threadpool(appointments.reschedule, booking.ref, start)
    except SlotTakenError:
        return await again(TAKEN_MOVE, 409, start.astimezone(appointments.zone).date())
    except SlotRefusedError as exc:
        return await again(f"{exc.message} {CHOOSE_TIME}", 400, None)
    except BookingNotFoundError:  # cancelled in another window meanwhile
        return await again("This appointment was cancelled, so it can't be moved.", 409)
    except InputError as exc:  # it has started: the core's rule, in its words
        return await again(exc.message, 400)
    return RedirectResponse(links.manage(moved) + "&moved=1", status_code=303)


@router.post("/appointments/manage/cancel", response_class=HTMLResponse)
@guarded
async def cancel(request: Request, services: ServicesDep) -> Response:
    _check_origin(request)
    appointments, links = _appointments(services), _links(services)
    fields = await form_fields(request)
    token = fields.get("token", "")
    booking = await _booking(appointments, links.manage_ref(token))
    if booking.active:
        try:
            booking = await run_in_threadpool(appointments.cancel, booking.ref)
        except BookingNotFoundError:
            pass  # cancelled in another window meanwhile: the outcome wanted all the same
        except InputError as exc:  # it has started: the core's rule, in its words
            return await _manage_page(
                request, appointments, links, booking, token=token, error=exc.message, status=400
            )
    # Cancelling twice (a double click, a resent form) shows the same cancelled page.
    return RedirectResponse(links.manage(booking) + "&cancelled=1", status_code=303)


@router.get("/appointments/{ref}.ics")
@guarded
async def calendar(request: Request, services: ServicesDep, ref: str, token: str = "") -> Response:
    """The booking as an iCalendar file, for the visitor's own calendar app."""
    appointments, links = _appointments(services), _links(services)
    signed = links.calendar_ref(token)
    if not hmac.compare_digest(signed.encode(), ref.encode()):
        raise PageProblem(400, "This link doesn't work", WRONG_CALENDAR_REF)
    booking = await _booking(appointments, signed)
    kind = appointments.rules.type(booking.type_id)
    host = request.url.hostname or "frontdesk.local"
    manage_url = str(request.base_url).rstrip("/") + links.manage(booking)
    body = calendar_file(
        booking,
        title=booking.type_id if kind is None else kind.name,
        description=_calendar_description(kind, booking, manage_url),
        organiser=DEMO_ORGANISER if _demo(request) else host,
        domain=host,
        now=appointments.now(),
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            # The ref is the signed one: letters, digits and a dash, safe in a header.
            "Content-Disposition": f'attachment; filename="{signed}.ics"',
            "Cache-Control": "no-store",
        },
    )


async def _manage_page(
    request: Request,
    appointments: Appointments,
    links: SignedBookingLinks | None,
    booking: Booking,
    *,
    token: str,
    done: str = "",
    day: date | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    view = booking_view(appointments, booking)
    kind = appointments.rules.type(booking.type_id)
    changeable = links is not None and view.active and not view.past
    picker = None
    if changeable and kind is not None:
        picker = await run_in_threadpool(time_picker, appointments, kind, day, booking.start)
    context = {
        "booking": view,
        "done": done,
        "error": error,
        "token": token,
        "changeable": changeable,
        "picker": picker,
        "ics_url": None if links is None or not view.active else links.calendar(booking),
        "manage_url": None if links is None else links.manage(booking),
        "rebook_url": _book_url("", booking.type_id if kind is not None else ""),
        "demo": _demo(request),
    }
    return _render(request, "booking_manage.html", context, status)


# -- shared ------------------------------------------------------------------------


def _appointments(services: ServicesDep) -> Appointments:
    if services.appointments is None:
        raise PageProblem(404, "Booking isn't available", NOT_SET_UP)
    return services.appointments


def _links(services: ServicesDep) -> SignedBookingLinks:
    if services.booking_links is None:
        raise PageProblem(404, "This link doesn't work", NO_LINKS)
    return services.booking_links


async def _book_claims(services: ServicesDep, token: str) -> BookPageClaims:
    """Who the booking page is for: a visitor without a token; with one, the customer
    the shop vouched for (BookingLinkError when it is expired or altered), with their
    name and email from the CRM: the link itself carries only ids, since URLs end up
    in browser histories."""
    if not token:
        return BookPageClaims(None, None)
    claims = _links(services).book_page_claims(token)
    if claims.customer is None:
        return claims
    try:
        profile = await run_in_threadpool(services.directory.customer, claims.customer.id)
    except (CrmUnavailableError, CrmDataError) as exc:
        log.warning("booking page without CRM details: %s", exc.message)
        return claims  # the shopper types their email
    if profile is None:
        return claims
    who = Customer(claims.customer.id, profile.name, profile.email)
    return BookPageClaims(who, claims.conversation_id)


async def _booking(appointments: Appointments, ref: str) -> Booking:
    try:
        return await run_in_threadpool(appointments.get, ref)
    except BookingNotFoundError:
        raise PageProblem(
            404,
            "Booking not found",
            f"We can't find booking {ref[:20]}. Please check the link in your "
            "confirmation, or ask in the chat.",
        ) from None


async def _order_not_found(
    services: ServicesDep, claims: BookPageClaims, order_id: str
) -> str | None:
    """Why a verified customer's order number cannot be right (it is not on their
    account), or None. A visitor's is checked by the shop before the visit, as is
    one the CRM cannot look up just now."""
    if claims.customer is None:
        return None
    try:
        found = await run_in_threadpool(services.directory.order, claims.customer.id, order_id)
    except (CrmUnavailableError, CrmDataError) as exc:
        log.warning("order not checked for a booking page: %s", exc.message)
        return None
    if found is not None:
        return None
    return (
        f"We can't find order #{order_id} on your account. Please check the number in "
        "your order confirmation email."
    )


def _order_hint(kind: AppointmentType, typed: str) -> str:
    what = f"{typed[:30]!r} isn't an order number. " if typed else ""
    return (
        f"{what}Please type the number of the order the {kind.name.lower()} is for: "
        "it's in your order confirmation email, e.g. 1043."
    )


def _calendar_description(kind: AppointmentType | None, booking: Booking, manage_url: str) -> str:
    lines = [kind.description] if kind is not None and kind.description else []
    if booking.order_id:
        lines.append(f"Order: #{booking.order_id}")
    lines.append(f"Reference: {booking.ref}")
    lines.append(f"Change or cancel: {manage_url}")
    return "\n".join(lines)


def _day(text: str) -> tuple[date | None, str]:
    """The day a date input sent, or None and what is wrong with it."""
    if not text:
        return None, ""
    try:
        return date.fromisoformat(text), ""
    except ValueError:
        return None, f"{text[:20]!r} isn't a date. Pick one with the date picker."


def _book_url(token: str, type_id: str) -> str:
    query = {k: v for k, v in (("token", token), ("type", type_id)) if v}
    return "/book" + (f"?{urlencode(query)}" if query else "")


def _with_error(form: BookForm, message: str, field: str, status: int) -> BookForm:
    return replace(form, error=message, error_field=field, status=status)


def _check_origin(request: Request) -> None:
    if not same_origin(request):
        raise PageProblem(403, "This form came from another site", FOREIGN_FORM)


def _demo(request: Request) -> bool:
    return bool(request.app.state.services.settings.demo)


def _render(request: Request, name: str, context: dict[str, Any], status: int) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    # Personal details and a token in the address: no caches, and no Referer to
    # carry the token to another site. Not "no-referrer": under it the browser sends
    # `Origin: null` with our own forms, and the cross-site guard would refuse them.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def problem_page(request: Request, problem: PageProblem) -> HTMLResponse:
    context = {"title": problem.title, "message": problem.message, "demo": _demo(request)}
    return _render(request, "booking_message.html", context, problem.status)
