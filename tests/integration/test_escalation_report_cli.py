"""`frontdesk escalations report` on a seeded SQLite database: the figures of
tests/unit/test_escalation_report.py read back through the real case store, the
tables with their bar charts, --json, --csv, and clear errors."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.escalation_store import SqlCaseStore
from frontdesk.adapters.storage.migrate import upgrade
from frontdesk.bootstrap import DEMO_ESCALATION
from frontdesk.core.escalation.model import Case, CaseStatus, Feedback, Rating
from frontdesk.core.escalation.report import CSV_COLUMNS
from frontdesk.interfaces.cli.app import app
from frontdesk.interfaces.cli.common import USER_ERROR_EXIT
from frontdesk.interfaces.cli.escalation_cmds import bar, sparkline
from tests.unit.test_escalation_report import CASES, FEEDBACK, RATINGS

FRONTDESK = Path(sys.executable).parent / "frontdesk"
runner = CliRunner()
# The demo's escalation.toml: weeks in Europe/London, which is UTC in winter.
PERIOD = ["--weeks", "4", "--until", "2026-01-14"]


def seed_cases(
    url: str,
    cases: Sequence[Case],
    feedback: Sequence[Feedback] = (),
    ratings: Sequence[Rating] = (),
) -> None:
    """Store ``cases`` as they are, through the store's own moves: open, claim, finish."""
    engine = make_engine(url)
    upgrade(engine)
    store = SqlCaseStore(engine)
    try:
        for case in cases:
            store_case(store, case)
        for item in feedback:
            store.add_feedback(item)
        for rating in ratings:
            store.rate(rating)
    finally:
        store.close()
        engine.dispose()


def store_case(store: SqlCaseStore, case: Case) -> None:
    queued = replace(case, status=CaseStatus.QUEUED, agent_id=None, claimed_at=None, ended_at=None)
    store.open(queued)
    if case.claimed_at is not None and case.agent_id is not None:
        store.claim(case.id, case.agent_id, case.claimed_at)
    if case.ended_at is not None:
        store.finish(case.id, case.status.value, case.ended_at)


def environment(tmp_path: Path, url: str) -> dict[str, str | None]:
    return {
        "FRONTDESK_DATABASE_URL": url,
        "FRONTDESK_VAR_DIR": str(tmp_path / "var"),
        "FRONTDESK_ESCALATION_PATH": str(DEMO_ESCALATION),
        "FRONTDESK_KB_PATH": None,
        "COLUMNS": "200",
    }


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'frontdesk.db'}"


@pytest.fixture
def seeded(db: str) -> str:
    seed_cases(db, CASES, FEEDBACK, RATINGS)
    return db


def report(tmp_path: Path, url: str, *args: str) -> Result:
    return runner.invoke(
        app,
        ["escalations", "report", *args],
        env=environment(tmp_path, url),
        catch_exceptions=False,
    )


def test_the_report_shows_the_known_figures(tmp_path: Path, seeded: str) -> None:
    result = report(tmp_path, seeded, *PERIOD)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "2025-W52 to 2026-W03" in out and "Europe/London" in out
    assert "15 case(s)" in out and "8 from visitors" in out
    lines = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 3}
    # 2026-W02: asked 2, frustrated 2, total 4, with its stacked bar.
    assert [c.strip() for c in lines["2026-W02"].split("│")[2:7]] == ["2", "2", "·", "·", "4"]
    assert "█" in lines["2026-W03"]
    assert "Refunds: how long do they take?" in out  # the top topic
    assert "Rising topics" in out and "×5" in out and "new" in out
    assert "cus_a" in out and "cus_c" in out and "cus_b" in out
    assert "raise [triggers.frustration] threshold" in out
    assert "lower [triggers.failing] abstentions_in_a_row" in out
    assert "4.00 / 5 (4 rating(s), 75% 4–5★)" in out
    assert "2 min" in out and "7 min" in out  # median wait 120 s, handling 420 s


def test_json_is_the_whole_report(tmp_path: Path, seeded: str) -> None:
    result = report(tmp_path, seeded, *PERIOD, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["total"] == 15
    assert data["period"]["weeks"] == ["2025-W52", "2026-W01", "2026-W02", "2026-W03"]
    assert [w["total"] for w in data["weekly"]] == [2, 2, 4, 7]
    assert [r["topic"] for r in data["rising"]] == ["faq:refund", "faq:gift"]
    assert data["outcomes"]["median_handling_s"] == 420.0
    assert data["csat"]["mean"] == 4.0


def test_csv_has_one_row_per_case(tmp_path: Path, seeded: str) -> None:
    path = tmp_path / "out" / "cases.csv"
    result = report(tmp_path, seeded, *PERIOD, "--csv", str(path))
    assert result.exit_code == 0, result.output
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 15
    assert {r["id"] for r in rows} == {c.id for c in CASES} - {"c0", "c17"}
    c1 = next(r for r in rows if r["id"] == "c1")
    assert c1["created_at"] == "2025-12-22T10:00:00+00:00"
    assert (c1["status"], c1["wait_s"], c1["handling_s"], c1["rating"]) == (
        "closed",
        "60.0",
        "540.0",
        "5",
    )
    assert c1["verdicts"] == "right_answer" and c1["agent_id"] == "agt_sam"
    assert "wrote 15 case row(s)" in result.stderr


def test_an_empty_database_says_so(tmp_path: Path, db: str) -> None:
    result = report(tmp_path, db, *PERIOD)
    assert result.exit_code == 0, result.output
    assert "No escalations in this period." in result.stdout
    as_json = report(tmp_path, db, *PERIOD, "--json")
    assert json.loads(as_json.stdout)["total"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--until", "2026-02-30"], "--until must be a date written YYYY-MM-DD"),
        (["--until", "last week"], "--until must be a date written YYYY-MM-DD"),
        (["--weeks", "0"], "weeks must be 1 to 104"),
        (["--weeks", "105"], "weeks must be 1 to 104"),
    ],
)
def test_bad_options_are_clear_errors(
    tmp_path: Path, db: str, args: list[str], message: str
) -> None:
    result = report(tmp_path, db, *args)
    assert result.exit_code == USER_ERROR_EXIT
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_an_unwritable_csv_is_a_clear_error(tmp_path: Path, seeded: str) -> None:
    (tmp_path / "taken").write_text("a file, not a folder", encoding="utf-8")
    result = report(tmp_path, seeded, *PERIOD, "--csv", str(tmp_path / "taken" / "x.csv"))
    assert result.exit_code == USER_ERROR_EXIT
    assert "Cannot write" in result.stderr


def test_the_installed_command(tmp_path: Path, seeded: str) -> None:
    env = {k: v for k, v in {**os.environ, **environment(tmp_path, seeded)}.items() if v}
    env.pop("FRONTDESK_KB_PATH", None)
    done = subprocess.run(
        [str(FRONTDESK), "escalations", "report", *PERIOD],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "15 case(s)" in done.stdout


def test_text_bars() -> None:
    assert bar(0, 10) == ""
    assert bar(10, 10, 4) == "████"
    assert bar(5, 10, 3) == "█▌"
    assert bar(1, 1000, 3) == "▏"  # never invisible
    assert sparkline([0, 1, 2, 4]) == "▁▃▅█"
    assert sparkline([0, 0]) == "▁▁"
