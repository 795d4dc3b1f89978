"""`frontdesk demo seed`: the demo shop's CRM (customers, orders, plans, invoices)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from frontdesk.adapters.crm.sql_seed import SeedResult, seed_crm
from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.migrate import upgrade
from frontdesk.config import load_settings
from frontdesk.demo.crm_seed import demo_crm
from frontdesk.errors import FrontdeskError
from frontdesk.interfaces.cli.common import console, fail

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
        finally:
            engine.dispose()
    except FrontdeskError as exc:
        fail(exc)
    console.print(_summary(result, _redacted(settings.database)), soft_wrap=True)


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


def _redacted(url: str) -> str:
    try:
        return make_url(url).set(password=None).render_as_string(hide_password=False)
    except ArgumentError:
        return url
