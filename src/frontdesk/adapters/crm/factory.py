"""The CustomerDirectory the settings ask for: the embedded SQL CRM or the shop's REST CRM."""

from __future__ import annotations

from sqlalchemy import Engine

from frontdesk.adapters.crm.http_config import http_config_from_settings
from frontdesk.adapters.crm.http_directory import HttpCustomerDirectory
from frontdesk.adapters.crm.sql_directory import SqlCustomerDirectory
from frontdesk.config import Settings
from frontdesk.core.ports import CustomerDirectory


def build_directory(settings: Settings, engine: Engine) -> CustomerDirectory:
    """``engine`` is the conversation store's: the embedded CRM lives beside it."""
    if settings.crm == "http":
        return HttpCustomerDirectory(http_config_from_settings(settings))
    return SqlCustomerDirectory(engine)
