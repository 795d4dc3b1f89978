"""appointments.toml: the demo shop's file loads, and every bad input names file and field."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

import frontdesk
from frontdesk.core.booking.config import load_booking_rules
from frontdesk.core.booking.model import OpeningHours
from frontdesk.errors import ConfigError

DEMO = Path(frontdesk.__file__).parent / "demo" / "data" / "appointments.toml"

GOOD = """\
timezone = "Europe/London"

[[types]]
id = "consultation"
name = "Video call"
duration_min = 30

[types.hours]
mon = ["09:00-17:00"]
"""

TWO_TYPES = """\
timezone = "Europe/London"

[[types]]
id = "consultation"
name = "Video call"
duration_min = 30
[types.hours]
mon = ["09:00-17:00"]

[[types]]
id = "installation"
name = "Installation visit"
duration_min = 120
[types.hours]
{hours}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "appointments.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_booking_rules(path)
    message = info.value.message
    assert message.startswith(f"appointments file {path}"), message
    return message


# ------------------------------------------------------------------------ good files


def test_demo_file_loads() -> None:
    rules = load_booking_rules(DEMO)
    assert rules.timezone.key == "Europe/London"
    assert [t.id for t in rules.types] == ["consultation", "installation", "return_pickup"]
    assert rules.working_days == frozenset(range(6))
    assert rules.free_change_hours == 24
    assert {date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)} <= rules.holidays
    assert date(2026, 12, 26) not in rules.holidays  # a Saturday; the 28th is the substitute


def test_demo_consultation() -> None:
    kind = load_booking_rules(DEMO).type("consultation")
    assert kind is not None
    assert (kind.duration_min, kind.step, kind.capacity) == (30, 30, 3)
    assert kind.min_notice_min == 120 and kind.horizon_days == 28
    assert kind.price == "free" and not kind.needs_order
    assert sorted(kind.hours) == [0, 1, 2, 3, 4, 5]  # Mon–Sat, closed Sunday
    assert kind.hours[0] == (OpeningHours(time(9), time(17)),)
    assert {"consultation", "video call", "advisor"} <= set(kind.keywords)


def test_demo_installation() -> None:
    kind = load_booking_rules(DEMO).type("installation")
    assert kind is not None
    assert (kind.duration_min, kind.step, kind.capacity) == (
        120,
        120,
        2,
    )  # a van does one visit at a time
    assert kind.needs_order and kind.min_notice_working_days == 2
    assert kind.price == "£49"
    assert kind.hours[5] == (OpeningHours(time(8), time(18)),)  # last start 16:00
    assert 6 not in kind.hours
    assert {"installation", "assemble", "put together"} <= set(kind.keywords)


def test_demo_return_pickup() -> None:
    kind = load_booking_rules(DEMO).type("return_pickup")
    assert kind is not None
    assert (kind.duration_min, kind.step, kind.capacity) == (240, 240, 4)
    assert kind.needs_order and kind.min_notice_working_days == 1
    assert kind.hours[2] == (OpeningHours(time(8), time(20)),)  # 08–12, 12–16, 16–20
    assert "£3.95" in kind.price and "£25" in kind.price
    assert {"pickup", "collect", "courier"} <= set(kind.keywords)


def test_defaults_and_sorting(tmp_path: Path) -> None:
    text = GOOD.replace('mon = ["09:00-17:00"]', 'mon = ["14:00-17:00", "09:00-12:00"]\nsun = []')
    rules = load_booking_rules(write(tmp_path, text))
    kind = rules.types[0]
    assert kind.hours == {
        0: (OpeningHours(time(9), time(12)), OpeningHours(time(14), time(17)))
    }  # sorted; an empty day is closed
    assert (kind.capacity, kind.step_min, kind.step, kind.horizon_days) == (1, 0, 30, 28)
    assert kind.keywords == () and kind.holidays == frozenset()
    assert rules.working_days == frozenset(range(6)) and rules.holidays == frozenset()


def test_adjacent_ranges_and_toml_dates(tmp_path: Path) -> None:
    text = GOOD.replace('mon = ["09:00-17:00"]', 'mon = ["08:00-12:00", "12:00-16:00"]').replace(
        'timezone = "Europe/London"', 'timezone = "Europe/London"\nholidays = [2026-12-25]'
    )
    rules = load_booking_rules(write(tmp_path, text))
    assert len(rules.types[0].hours[0]) == 2
    assert rules.holidays == frozenset({date(2026, 12, 25)})


def test_working_days_and_type_holidays(tmp_path: Path) -> None:
    text = 'working_days = ["mon", "tue"]\nfree_change_hours = 48\n' + GOOD.replace(
        "duration_min = 30", 'duration_min = 30\nholidays = ["2026-12-24"]'
    )
    rules = load_booking_rules(write(tmp_path, text))
    assert rules.working_days == frozenset({0, 1}) and rules.free_change_hours == 48
    assert rules.types[0].holidays == frozenset({date(2026, 12, 24)})


def test_a_key_after_the_hours_table_belongs_to_it(tmp_path: Path) -> None:
    # TOML puts a key written after [types.hours] into that table: an unknown weekday.
    message = load_error(write(tmp_path, GOOD + 'holidays = ["2026-12-24"]\n'))
    assert ": types[0].hours.holidays: is not a known key" in message


# ------------------------------------------------------------------------- bad files


DUR = "duration_min = 30"
TZ = 'timezone = "Europe/London"'
MON = '"09:00-17:00"'


@pytest.mark.parametrize(
    ("replace", "by", "field", "words"),
    [
        (MON, '"9-17"', "types[0].hours.mon", "'9-17' is not a time range like 09:00-17:00"),
        (MON, '"17:00-09:00"', "types[0].hours.mon", "ends before it starts"),
        (MON, '"09:00-25:00"', "types[0].hours.mon", "does not exist"),
        (MON, '"09:00-09:20"', "types[0].hours.mon", "shorter than the appointment"),
        (MON, '"09:00-13:00", "12:00-17:00"', "types[0].hours.mon", "overlap"),
        ("mon = ", "monday = ", "types[0].hours.monday", "not a known key"),
        (DUR, f"{DUR}\ncapacty = 3", "types[0].capacty", "Did you mean 'capacity'"),
        (DUR, "duration_min = 0", "types[0].duration_min", "out of range"),
        (DUR, 'duration_min = "30"', "types[0].duration_min", "whole number"),
        (DUR + "\n", "", "types[0].duration_min", "is missing"),
        (DUR, f"{DUR}\ncapacity = 0", "types[0].capacity", "1 or more"),
        (DUR, f"{DUR}\nstep_min = 0", "types[0].step_min", "out of range"),
        (DUR, f"{DUR}\nhorizon_days = 400", "types[0].horizon_days", "1 to 366"),
        (DUR, f"{DUR}\nneeds_order = 1", "types[0].needs_order", "true or false"),
        (DUR, f"{DUR}\nkeywords = 'call'", "types[0].keywords", "list of words"),
        (DUR, f"{DUR}\nprice = 49", "types[0].price", "text in quotes"),
        (DUR, f"{DUR}\nholidays = ['soon']", "types[0].holidays[0]", "YYYY-MM-DD"),
        ('id = "consultation"', 'id = "Video Call"', "types[0].id", "a-z, 0-9"),
        ('name = "Video call"\n', "", "types[0].name", "is missing"),
        ('"Europe/London"', '"Europe/Lundon"', "timezone", "not a known IANA time zone"),
        (TZ + "\n", "", "timezone", "is missing"),
        (TZ, f'{TZ}\ntimezon = "UTC"', "timezon", "Did you mean 'timezone'"),
        (TZ, f'{TZ}\nholidays = ["25/12/2026"]', "holidays[0]", "YYYY-MM-DD"),
        (TZ, f'{TZ}\nholidays = ["2026-02-30"]', "holidays[0]", "not a date"),
        (TZ, f'{TZ}\nworking_days = ["monday"]', "working_days[0]", "not a weekday"),
        (TZ, f"{TZ}\nfree_change_hours = -1", "free_change_hours", "0 or more"),
        ('[types.hours]\nmon = ["09:00-17:00"]\n', "", "types[0].hours", "is missing"),
        ('mon = ["09:00-17:00"]', "mon = []", "types[0].hours", "no opening hours"),
    ],
)
def test_bad_values_name_the_field(
    tmp_path: Path, replace: str, by: str, field: str, words: str
) -> None:
    assert replace in GOOD
    message = load_error(write(tmp_path, GOOD.replace(replace, by)))
    assert f": {field}: " in message, message
    assert words in message, message


def test_error_format_matches_the_documented_shape(tmp_path: Path) -> None:
    path = write(tmp_path, TWO_TYPES.format(hours='mon = ["9-17"]'))
    with pytest.raises(ConfigError) as info:
        load_booking_rules(path)
    assert info.value.message == (
        f"appointments file {path}: types[1].hours.mon: "
        "'9-17' is not a time range like 09:00-17:00."
    )


def test_duration_longer_than_window(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, TWO_TYPES.format(hours='sat = ["09:00-10:00"]')))
    assert "types[1].hours.sat" in message and "120 min" in message


def test_duplicate_id(tmp_path: Path) -> None:
    text = TWO_TYPES.format(hours='mon = ["09:00-17:00"]').replace(
        'id = "installation"', 'id = "consultation"'
    )
    message = load_error(write(tmp_path, text))
    assert "types[1].id" in message and "already the id of types[0]" in message


def test_no_types(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, 'timezone = "Europe/London"\n'))
    assert ": types: is missing" in message
    message = load_error(write(tmp_path, 'timezone = "Europe/London"\ntypes = []\n'))
    assert ": types: " in message


def test_missing_file(tmp_path: Path) -> None:
    message = load_error(tmp_path / "nope.toml")
    assert "does not exist" in message


def test_bad_toml(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, 'timezone = "Europe/London\n[[types]]\n'))
    assert "is not valid TOML" in message and "line 1" in message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "appointments.toml"
    path.write_bytes('timezone = "Europe/London" # £'.encode("latin-1"))
    assert "UTF-8" in load_error(path)
