"""One error shape for every failure: {"error": {"code", "message", "trace_id"}}.

Shoppers see a message that says what to do; stack traces and exception text stay in
the server log under the same trace id.
"""

from __future__ import annotations

import logging
import math
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from frontdesk.errors import (
    AgentAuthError,
    AlreadyClaimedError,
    BookingLinkError,
    CaseStateError,
    ConfigError,
    CrmConflictError,
    CrmDataError,
    CrmNotFoundError,
    CrmUnavailableError,
    CsrfError,
    DuplicateAgentError,
    ForbiddenError,
    FrontdeskError,
    IdentityError,
    InputError,
    MessageTooLongError,
    NotConfiguredError,
    NotFoundError,
    RateLimitedError,
    SlotTakenError,
    StorageError,
    WebhookError,
    WebhookReplayError,
)

log = logging.getLogger("frontdesk.api")

STATUS: dict[type[FrontdeskError], int] = {
    NotFoundError: 404,
    MessageTooLongError: 413,
    RateLimitedError: 429,
    IdentityError: 401,
    InputError: 422,
    StorageError: 503,
    ConfigError: 500,
    AgentAuthError: 401,
    WebhookError: 401,
    WebhookReplayError: 409,
    CrmDataError: 422,
    CrmNotFoundError: 422,
    CrmConflictError: 409,
    CrmUnavailableError: 503,
    NotConfiguredError: 503,
    SlotTakenError: 409,
    BookingLinkError: 400,
    AlreadyClaimedError: 409,
    CaseStateError: 409,
    DuplicateAgentError: 409,
    CsrfError: 403,
    ForbiddenError: 403,
}
HTTP_CODES = {
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not take that method."),
    413: ("request_too_large", "The request body is too large."),
}


def trace_id(request: Request) -> str:
    value = getattr(request.state, "trace_id", None)
    return value if isinstance(value, str) else uuid.uuid4().hex


def error_body(code: str, message: str, trace: str) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "trace_id": trace}}


UNAVAILABLE_TO_SHOPPERS = (
    "We can't take messages just now. Please try again in a moment; nothing you "
    "already sent is lost."
)


def public_message(exc: FrontdeskError) -> str:
    """What a shopper may read: the operator's "check FRONTDESK_DATABASE_URL" stays in
    the log."""
    if isinstance(exc, NotConfiguredError):
        return exc.message  # says which setting is missing; no internals in it
    return UNAVAILABLE_TO_SHOPPERS if status_of(exc) >= 500 else exc.message


def status_of(exc: FrontdeskError) -> int:
    for kind in type(exc).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 500


def error_response(request: Request, status: int, code: str, message: str) -> JSONResponse:
    trace = trace_id(request)
    headers = {"X-Trace-Id": trace}
    return JSONResponse(error_body(code, message, trace), status_code=status, headers=headers)


async def _frontdesk_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FrontdeskError)
    status = status_of(exc)
    if status >= 500:
        log.error("trace %s: %s (%s)", trace_id(request), exc.message, exc.detail)
    response = error_response(request, status, exc.code, public_message(exc))
    if isinstance(exc, RateLimitedError):
        # Rounded up: a client that waits less is refused again.
        response.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    return response


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for err in exc.errors()[:5]:
        if err.get("type") == "json_invalid":
            at = err.get("loc", ("body", "?"))[-1]
            return error_response(
                request,
                422,
                "invalid_json",
                f"The request body is not valid JSON (error at character {at}). "
                'Send a JSON object such as {"text": "Where is my order?"}.',
            )
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        problems.append(f"{where}: {err.get('msg', 'invalid')}")
    message = "The request was not understood: " + "; ".join(problems) + "."
    return error_response(request, 422, "invalid_request", message)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400:
        # FastAPI's "error parsing the body": bytes that are not UTF-8, JSON nested
        # too deep. Malformed JSON is a 422 whatever the reason.
        return error_response(
            request,
            422,
            "invalid_json",
            "The request body is not valid JSON. Send a UTF-8 JSON object such as "
            '{"text": "Where is my order?"}.',
        )
    code, message = HTTP_CODES.get(exc.status_code, ("http_error", str(exc.detail)))
    if exc.status_code == 413:
        message = str(exc.detail)  # says what the limit is
    return error_response(request, exc.status_code, code, message)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("trace %s: unexpected error", trace_id(request), exc_info=exc)
    return error_response(
        request,
        500,
        "internal_error",
        "Something went wrong on our side. Please try again; if it keeps happening, "
        "quote the trace id to the shop.",
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(FrontdeskError, _frontdesk_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
