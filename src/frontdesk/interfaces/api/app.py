"""The FastAPI application: REST + WebSocket API, the demo shop and the widget."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from frontdesk.bootstrap import Services, build_services
from frontdesk.config import Settings, load_settings
from frontdesk.interfaces.api import (
    account_routes,
    analytics_routes,
    booking_routes,
    console_report_routes,
    console_routes,
    console_socket,
    errors,
    log_redaction,
    pages,
    routes,
    socket,
)
from frontdesk.interfaces.api.middleware import TraceAndLimit

log = logging.getLogger("frontdesk.api")
WAIT_TICK_S = 30.0


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """The app for one worker. ``services`` lets tests share one Assistant; otherwise
    they are built at start-up from the settings (FRONTDESK_* environment)."""
    settings = settings or (services.settings if services else load_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        built = services or build_services(settings)
        app.state.services = built
        app.state.turn_limiter = anyio.CapacityLimiter(routes.TURN_SLOTS)
        app.state.conversation_locks = weakref.WeakValueDictionary()
        try:
            await built.start()
        except BaseException:
            built.store.close()
            raise
        for note in built.assistant.startup_notes:
            log.warning(note)
        ticker = asyncio.create_task(_tick_waits(built))
        try:
            yield
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            await built.stop()

    app = FastAPI(
        title="frontdesk",
        summary="Customer-service assistant for online shops: chat API and widget.",
        version="0.1.0",
        lifespan=lifespan,
    )
    errors.install(app)
    app.add_middleware(TraceAndLimit, max_body_bytes=settings.max_body_bytes)
    # Added last, so outermost: even an early 413 carries CORS headers. The widget
    # runs on the shop's own pages, so the API answers any origin; the conversation
    # token, not a cookie, is what authorises a request.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
        expose_headers=["Retry-After", "X-Trace-Id"],
    )
    app.include_router(routes.router)
    app.include_router(socket.router)
    app.include_router(account_routes.router)
    app.include_router(booking_routes.router)
    app.include_router(console_routes.pages)
    app.include_router(console_routes.api)
    app.include_router(console_report_routes.pages)
    app.include_router(console_report_routes.api)
    app.include_router(console_socket.router)
    app.include_router(analytics_routes.pages)
    app.include_router(analytics_routes.api)
    if settings.demo:
        app.include_router(pages.demo_router)  # before the plain "/" it replaces
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


async def _tick_waits(services: Services) -> None:
    """Waiting shoppers' estimates, refreshed as agents come and go and time passes."""
    while True:
        await asyncio.sleep(WAIT_TICK_S)
        try:
            cases = await run_in_threadpool(services.cases.waiting, None)
            for queue in sorted({case.queue for case in cases}):
                await console_routes.publish_waits(services, queue)
        except Exception:  # the next tick tries again
            log.exception("could not refresh the queue's wait estimates")


def create_app_from_env() -> FastAPI:
    """uvicorn's factory for `frontdesk serve --workers N`: each worker reads FRONTDESK_*."""
    log_redaction.install()
    return create_app()
