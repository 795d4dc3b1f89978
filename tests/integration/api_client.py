"""Helpers for API tests: an app on a given database, and a conversation client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from frontdesk.adapters.crm.sql_seed import seed_crm
from frontdesk.bootstrap import build_services
from frontdesk.config import Settings
from frontdesk.core.engine import Assistant
from frontdesk.demo.crm_seed import demo_crm
from frontdesk.interfaces.api.app import create_app

SECRET = "s" * 40


@contextmanager
def api(
    assistant: Assistant,
    db_url: str,
    *,
    raise_server_exceptions: bool = True,
    seed: bool = False,
    **settings: Any,
) -> Iterator[TestClient]:
    """A running app (lifespan and all) on ``db_url``; a second one on the same URL is
    a restarted server. ``seed`` fills the embedded CRM with the demo shop's data."""
    values: dict[str, Any] = {
        "database_url": db_url,
        "identity_secret": SECRET,
        "rate_limit_per_minute": 600,
        "rate_limit_burst": 100,
        "rate_limit_new_conversations_per_minute": 600,
        "demo": True,
        **settings,
    }
    services = build_services(Settings(**values), assistant=assistant)
    if seed:
        seed_crm(services.store.engine, demo_crm())
    app = create_app(services=services)
    with TestClient(app, raise_server_exceptions=raise_server_exceptions) as client:
        yield client


@dataclass
class Chat:
    client: TestClient
    id: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def say(self, text: str, client_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"text": text}
        if client_id is not None:
            body["client_message_id"] = client_id
        response = self.client.post(
            f"/api/conversations/{self.id}/messages", json=body, headers=self.auth
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def events(self, after: int = 0) -> list[dict[str, Any]]:
        response = self.client.get(
            f"/api/conversations/{self.id}/events", params={"after": after}, headers=self.auth
        )
        assert response.status_code == 200, response.text
        events: list[dict[str, Any]] = response.json()["events"]
        return events


def start(client: TestClient, **body: Any) -> Chat:
    response = client.post("/api/conversations", json=body)
    assert response.status_code == 201, response.text
    data = response.json()
    return Chat(client, data["conversation"]["id"], data["token"])


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """Every error has the one shape, and never a stack trace."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "trace_id"}
    assert body["error"]["code"] == code
    assert body["error"]["message"] and "Traceback" not in response.text
    return body
