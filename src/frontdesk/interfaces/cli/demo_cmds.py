"""`frontdesk demo seed`: the demo shop's CRM (customers, orders, plans, invoices);
`frontdesk demo ship ORDER`: play the shop's CRM and announce a shipment by webhook."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Annotated

import httpx
import typer

from frontdesk.adapters.crm.sql_directory import SqlCustomerDirectory
from frontdesk.adapters.crm.sql_seed import SeedResult, seed_crm
from frontdesk.adapters.crm.webhooks import signed_headers
from frontdesk.adapters.crm.wire import update_to_json
from frontdesk.adapters.passwords import hash_password
from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.escalation_store import SqlAgentStore
from frontdesk.adapters.storage.migrate import upgrade
from frontdesk.config import Settings, load_settings
from frontdesk.core.account.model import CrmUpdate, Order, OrderStatus, Shipment, UpdateKind
from frontdesk.demo.agents import DEMO_AGENT, DEMO_AGENT_PASSWORD
from frontdesk.demo.crm_seed import CUSTOMERS, demo_crm
from frontdesk.errors import ConfigError, FrontdeskError, InputError
from frontdesk.interfaces.cli.common import console, fail, redacted

app = typer.Typer(no_args_is_help=True)


@app.command("seed")
def seed(
    reset: Annotated[
        bool,
        typer.Option(
            "--reset", help="Delete the CRM's customers, orders and invoices and seed afresh."
        ),
    ] = False,
) -> None:
    """Fill the embedded CRM with the demo shop's data; leaves a seeded CRM alone."""
    try:
        settings = load_settings()
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.database)
        try:
            upgrade(engine)
            result = seed_crm(engine, demo_crm(), reset=reset)
            agents = SqlAgentStore(engine)
            try:
                seed_demo_agent(agents)
            finally:
                agents.close()
        finally:
            engine.dispose()
    except FrontdeskError as exc:
        fail(exc)
    console.print(_summary(result, redacted(settings.database)), soft_wrap=True)
    console.print(
        f"Agent console: {settings.public_url}/console, signed in as {DEMO_AGENT.email} "
        f"with the password "
        f"{DEMO_AGENT_PASSWORD} (the demo's own account; add real ones with "
        "`frontdesk agents add`).",
        soft_wrap=True,
    )


def seed_demo_agent(store: SqlAgentStore) -> None:
    """The demo's agent, once; a password changed since is left alone."""
    if store.by_email(DEMO_AGENT.email) is None:
        store.add(DEMO_AGENT, hash_password(DEMO_AGENT_PASSWORD))


def _summary(result: SeedResult, where: str) -> str:
    if result.skipped:
        return (
            f"The demo CRM is already seeded ({result.customers} customers, "
            f"{result.orders} orders in {where}); `frontdesk demo seed --reset` starts "
            "it afresh."
        )
    return (
        f"Seeded the demo CRM: {result.customers} customers, {result.orders} orders, "
        f"{result.invoices} invoices in {where}"
    )


@app.command("ship")
def ship(
    order: Annotated[str, typer.Argument(help="The order number, e.g. 1059.")],
    server: Annotated[
        str, typer.Option(help="The running frontdesk (make run) to send the webhook to.")
    ] = "http://127.0.0.1:8000",
) -> None:
    """Act as the shop's CRM: mark a processing order shipped and send the signed
    order.updated webhook, so an open chat of its customer hears about it at once."""
    try:
        settings = load_settings()
        shipped = _shipped(_find_order(settings, order.lstrip("#")))
        answer = _send(
            settings,
            server,
            CrmUpdate(
                UpdateKind.ORDER, shipped.customer_id, f"demo-{uuid.uuid4().hex}", order=shipped
            ),
        )
    except FrontdeskError as exc:
        fail(exc)
    console.print(
        f"Order #{shipped.id} shipped: the server told "
        f"{answer.get('notified_conversations', 0)} open conversation(s).",
        soft_wrap=True,
    )


def _find_order(settings: Settings, number: str) -> Order:
    engine = make_engine(settings.database)
    try:
        directory = SqlCustomerDirectory(engine)
        for customer in CUSTOMERS:
            found = directory.order(customer.profile.id, number)
            if found is not None:
                break
        else:
            raise InputError(f"No order #{number} in the demo CRM (run `frontdesk demo seed`).")
    finally:
        engine.dispose()
    if found.status is not OrderStatus.PROCESSING:
        raise InputError(f"Order #{number} is {found.status.value}; only a processing one ships.")
    return found


def _shipped(order: Order) -> Order:
    now = datetime.now(UTC).replace(microsecond=0)
    tracking = f"NW{order.id}DP{int(time.time()) % 100000:05d}"
    shipment = Shipment(
        "DPD",
        tracking,
        now,
        tracking_url=f"https://track.dpd.example/{tracking}",
        expected_on=(now + timedelta(days=2)).date(),
    )
    return replace(order, status=OrderStatus.SHIPPED, shipment=shipment)


def _send(settings: Settings, server: str, update: CrmUpdate) -> dict[str, object]:
    secret_file = settings.var_dir / "crm-webhook-secret"
    secret = settings.crm_webhook_secret
    if secret is None and not secret_file.is_file():
        raise ConfigError(
            f"No webhook secret: set FRONTDESK_CRM_WEBHOOK_SECRET or start `frontdesk serve`, "
            f"which makes {secret_file}."
        )
    key = secret.get_secret_value() if secret else secret_file.read_text().strip()
    body = json.dumps(update_to_json(update)).encode()
    headers = signed_headers(key, int(time.time()), update.delivery_id, body)
    try:
        response = httpx.post(
            f"{server.rstrip('/')}/webhooks/crm", content=body, headers=headers, timeout=10
        )
    except httpx.HTTPError as exc:
        raise ConfigError(
            f"Could not reach frontdesk at {server} ({type(exc).__name__}); is `make run` running?"
        ) from exc
    try:
        answer: dict[str, object] = response.json()
    except ValueError:
        answer = {}
    if response.status_code != 200:
        error = answer.get("error")
        message = error.get("message") if isinstance(error, dict) else response.text[:200]
        raise ConfigError(f"The server refused the webhook ({response.status_code}): {message}")
    return answer
