"""Compare two evaluation reports (report.json of `frontdesk eval --report`): what
changed, and whether a gated metric got worse by more than its tolerance.

A tolerance is absolute in the metric's own unit (a rate is a fraction, so 0.01 is one
percentage point; a latency is in milliseconds), or relative to the first report's
value when written with a percent sign ("10%").
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from frontdesk.errors import EvaluationError
from frontdesk.evaluation.report_data import DIRECTIONS, FORMAT, FORMAT_VERSION, HIGHER, LOWER

DEFAULT_GATES = ("answer_accuracy", "wrong_answer_rate", "abstention_oos")
DEFAULT_TOLERANCE = 0.01
# Report values are rounded to 3–6 places; differences below this are rounding noise.
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class LoadedReport:
    path: Path
    metrics: dict[str, float | None]
    directions: dict[str, str]


@dataclass(frozen=True, slots=True)
class Change:
    metric: str
    a: float | None
    b: float | None
    delta: float | None  # b - a; None when either was not measured
    verdict: str  # better, worse, same, or n/a


@dataclass(frozen=True, slots=True)
class Gate:
    metric: str
    tolerance: float
    relative: bool = False  # tolerance is a share of the first report's value
    # A default gate: skipped, with a note, when a report did not measure its metric
    # (a set with no out-of-scope lines has no abstention rate to gate).
    optional: bool = False


@dataclass(frozen=True, slots=True)
class GateResult:
    gate: Gate
    a: float
    b: float
    worse_by: float  # how much worse B is than A (negative: better)
    allowed: float  # the tolerance in the metric's unit

    @property
    def regressed(self) -> bool:
        return self.worse_by > self.allowed + _EPSILON


def load_report(path: Path) -> LoadedReport:
    """A report.json, checked: a missing, unreadable or foreign file is an EvaluationError
    saying which and why."""
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise EvaluationError(
            f"Report {path} {what}; pass a report.json from `frontdesk eval --report DIR`."
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"Cannot read report {path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise EvaluationError(
            f"Report {path} is not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})."
        ) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise EvaluationError(
            f'{path} is not a frontdesk evaluation report (it has no "format": "{FORMAT}"); '
            "pass a report.json from `frontdesk eval --report DIR`."
        )
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version > FORMAT_VERSION:
        raise EvaluationError(
            f"Report {path} has format version {version!r}; this frontdesk reads versions up "
            f"to {FORMAT_VERSION}. Compare it with the frontdesk that wrote it."
        )
    metrics = data.get("metrics")
    if not isinstance(metrics, dict):
        raise EvaluationError(f"Report {path} has no 'metrics' object.")
    checked: dict[str, float | None] = {}
    for name, value in metrics.items():
        # json reads NaN and Infinity; a gate comparing them would always say "ok".
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise EvaluationError(
                f"Report {path}: metric {name!r} is {value!r}, not a finite number or null."
            )
        checked[str(name)] = None if value is None else float(value)
    directions = data.get("directions")
    own = directions if isinstance(directions, dict) else {}
    # Which way is better is this code's to say for every metric it knows: a report
    # that claimed "higher" for the wrong-answer rate would switch its gate off.
    merged = {name: DIRECTIONS.get(name) or str(own.get(name, "")) for name in checked}
    return LoadedReport(path, checked, merged)


def compare(a: LoadedReport, b: LoadedReport) -> list[Change]:
    """Every metric both reports have, in the first report's order."""
    changes = []
    for name, before in a.metrics.items():
        if name not in b.metrics:
            continue
        after = b.metrics[name]
        if before is None or after is None:
            changes.append(Change(name, before, after, None, "n/a"))
            continue
        delta = after - before
        changes.append(Change(name, before, after, delta, _verdict(delta, _direction(a, b, name))))
    return changes


def only_in(a: LoadedReport, b: LoadedReport) -> list[str]:
    """Metrics one report has and the other lacks (e.g. reports of different versions)."""
    return sorted(set(a.metrics) ^ set(b.metrics))


def parse_gate(spec: str, default_tolerance: float) -> Gate:
    """``METRIC`` or ``METRIC=TOL`` (absolute) or ``METRIC=TOL%`` (relative to A)."""
    name, equals, raw = spec.partition("=")
    name = name.strip()
    if not name:
        raise EvaluationError(f"--gate {spec!r}: name a metric, e.g. --gate answer_accuracy=0.02.")
    if not equals:
        return Gate(name, default_tolerance)
    raw = raw.strip()
    relative = raw.endswith("%")
    try:
        value = float(raw[:-1] if relative else raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise EvaluationError(
            f"--gate {spec!r}: the tolerance must be a number >= 0 such as 0.02, or a "
            "percentage of the first report's value such as 10%."
        )
    return Gate(name, value / 100 if relative else value, relative)


def check_gates(a: LoadedReport, b: LoadedReport, gates: Sequence[Gate]) -> list[GateResult]:
    known = sorted(set(a.metrics) | set(b.metrics))
    results = []
    for gate in gates:
        name = gate.metric
        if name not in known:
            raise EvaluationError(
                f"Unknown metric {name!r} in --gate; the reports have: {', '.join(known)}."
            )
        for label, report in (("A", a), ("B", b)):
            if name not in report.metrics:
                raise EvaluationError(
                    f"Cannot gate on {name}: report {label} ({report.path}) does not have it."
                )
            if report.metrics[name] is None:
                raise EvaluationError(
                    f"Cannot gate on {name}: it was not measured in report {label} "
                    f"({report.path}; the value is null)."
                )
        direction = _direction(a, b, name)
        if direction not in (HIGHER, LOWER):
            raise EvaluationError(
                f"Cannot gate on {name}: the reports do not say whether higher or lower is better."
            )
        before, after = a.metrics[name], b.metrics[name]
        assert before is not None and after is not None  # checked above
        worse_by = before - after if direction == HIGHER else after - before
        allowed = gate.tolerance * abs(before) if gate.relative else gate.tolerance
        results.append(GateResult(gate, before, after, worse_by, allowed))
    return results


def gates_for(
    specs: Sequence[str], default_tolerance: float, defaults: Sequence[str] = DEFAULT_GATES
) -> list[Gate]:
    """The gates asked for, or the default ones; a metric named twice keeps the last."""
    if default_tolerance < 0 or not math.isfinite(default_tolerance):
        raise EvaluationError("--tolerance must be a number >= 0.")
    chosen: dict[str, Gate] = {}
    for spec in specs or defaults:
        gate = parse_gate(spec, default_tolerance)
        chosen[gate.metric] = replace(gate, optional=not specs)
    return list(chosen.values())


def measured(
    a: LoadedReport, b: LoadedReport, gates: Sequence[Gate]
) -> tuple[list[Gate], list[str]]:
    """The gates to check, and the optional ones skipped because a report has no value
    for their metric."""
    kept, skipped = [], []
    for gate in gates:
        missing = any(r.metrics.get(gate.metric) is None for r in (a, b))
        if gate.optional and missing:
            skipped.append(gate.metric)
        else:
            kept.append(gate)
    return kept, skipped


def format_value(name: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    if name.endswith("_ms"):
        return f"{value:.2f} ms"
    if name.endswith("_usd"):
        return f"${value:.4f}"
    if name.endswith("_seconds_mean"):
        return f"{value:.3f} s"
    if name.endswith("_turns_mean"):
        return f"{value:.2f}"
    return f"{value * 100:.1f} %"


def format_change(name: str, delta: float | None) -> str:
    if delta is None:
        return "n/a"
    if name.endswith("_ms"):
        return f"{delta:+.2f} ms"
    if name.endswith("_usd"):
        return f"{'-' if delta < 0 else '+'}${abs(delta):.4f}"
    if name.endswith("_seconds_mean"):
        return f"{delta:+.3f} s"
    if name.endswith("_turns_mean"):
        return f"{delta:+.2f}"
    return f"{delta * 100:+.1f} pp"


def _direction(a: LoadedReport, b: LoadedReport, name: str) -> str:
    """A known metric's direction is DIRECTIONS'; another's is what the reports say,
    unless they disagree (then it has none, so it cannot be gated)."""
    first, second = a.directions.get(name, ""), b.directions.get(name, "")
    if name in DIRECTIONS or not first or not second:
        return DIRECTIONS.get(name) or first or second
    return first if first == second else ""


def _verdict(delta: float, direction: str) -> str:
    if abs(delta) <= _EPSILON:
        return "same"
    if direction not in (HIGHER, LOWER):
        return "n/a"
    return "better" if (delta > 0) == (direction == HIGHER) else "worse"
