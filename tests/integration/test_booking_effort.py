"""The booking-effort scripts that `make bench` measures, played once each: every one
books, within the customer turns its goal allows (3 verified, 5 anonymous)."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk.adapters.crm.sql_seed import seed_crm
from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.migrate import upgrade
from frontdesk.bootstrap import build_services
from frontdesk.config import Settings
from frontdesk.core.conversation import Customer, Reply, ReplyKind
from frontdesk.core.engine import Assistant
from frontdesk.demo.crm_seed import demo_crm
from frontdesk.errors import EvaluationError
from frontdesk.evaluation.booking_effort import (
    DEMO_SCRIPTS,
    BookingScript,
    _text_of,
    run_booking_script,
)

ALEX = Customer("cus_1001", "Alex Morgan", "alex.morgan@example.com")


def test_each_demo_script_books_within_its_goal(demo_assistant: Assistant, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'frontdesk.db'}"
    engine = make_engine(url)
    upgrade(engine)
    seed_crm(engine, demo_crm())
    engine.dispose()
    settings = Settings(database_url=url, rate_limit_per_minute=0, identity_secret="e" * 40)
    services = build_services(settings, assistant=demo_assistant)
    try:
        for script in DEMO_SCRIPTS:
            effort = run_booking_script(services.chat, script, ALEX)
            assert effort.turns <= script.goal_turns, script.name
            assert effort.reference.startswith("BK-")
            assert services.appointments is not None
            booking = services.appointments.get(effort.reference)
            assert (booking.customer_id == ALEX.id) is script.verified
        assert max(s.goal_turns for s in DEMO_SCRIPTS if s.verified and "named" in s.name) == 3
    finally:
        services.directory.close()
        services.store.close()


def test_a_script_whose_option_is_missing_fails_loudly() -> None:
    script = BookingScript("x", ("pick:Book it",), verified=False, goal_turns=1)
    shown = Reply(ReplyKind.BOOKING, "Which day?", options=())
    with pytest.raises(EvaluationError, match="no option 'Book it'"):
        _text_of("pick:Book it", shown, script)
