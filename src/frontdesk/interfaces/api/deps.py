"""Request dependencies: the services of this worker, and the conversation token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from frontdesk.bootstrap import Services


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def bearer(authorization: Annotated[str | None, Header()] = None) -> str | None:
    """The conversation token from `Authorization: Bearer <token>`, if any. A missing
    token is not an error of its own: it reads as "no such conversation" (404)."""
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


ServicesDep = Annotated[Services, Depends(services)]
TokenDep = Annotated[str | None, Depends(bearer)]
