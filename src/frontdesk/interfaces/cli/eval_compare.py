"""`frontdesk eval compare A.json B.json`: what changed between two evaluation reports,
and a non-zero exit when a gated metric got worse by more than its tolerance, so a
knowledge-base or model change can be gated in CI.

Exit status: 0 no gated metric regressed, 1 one did (named on stderr), 2 the input
was wrong (a missing or foreign file, an unknown metric, a metric not measured).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from frontdesk.errors import FrontdeskError
from frontdesk.evaluation.compare import (
    DEFAULT_GATES,
    DEFAULT_TOLERANCE,
    Change,
    GateResult,
    check_gates,
    compare,
    format_change,
    format_value,
    gates_for,
    load_report,
    measured,
    only_in,
)
from frontdesk.interfaces.cli.common import console, err_console, fail

REGRESSION_EXIT = 1
_VERDICT_STYLE = {"better": "green", "worse": "red", "same": "dim", "n/a": "dim"}


def register(group: typer.Typer) -> None:
    group.command("compare")(compare_command)


def compare_command(
    report_a: Annotated[Path, typer.Argument(help="The baseline report.json (A).")],
    report_b: Annotated[Path, typer.Argument(help="The report.json to check against it (B).")],
    gate: Annotated[
        list[str] | None,
        typer.Option(
            "--gate",
            help="METRIC or METRIC=TOL (absolute, in the metric's unit; a rate's 0.01 is one "
            "point) or METRIC=TOL% (relative to A); repeatable. Default: "
            + ", ".join(DEFAULT_GATES)
            + ".",
        ),
    ] = None,
    tolerance: Annotated[
        float,
        typer.Option(
            "--tolerance", help="Tolerance of gates named without one (absolute).", min=0.0
        ),
    ] = DEFAULT_TOLERANCE,
) -> None:
    """Compare two evaluation reports; exit 1 if a gated metric got worse beyond tolerance."""
    try:
        a, b = load_report(report_a), load_report(report_b)
        gates, skipped = measured(a, b, gates_for(gate or [], tolerance))
        results = check_gates(a, b, gates)
    except FrontdeskError as exc:
        fail(exc)
    console.print(_changes_table(compare(a, b), report_a, report_b))
    missing = only_in(a, b)
    if missing:
        console.print(escape(f"in one report only (not compared): {', '.join(missing)}"))
    for name in skipped:
        console.print(f"gate {name}: skipped, not measured in both reports (a default gate)")
    for result in results:
        console.print(_gate_line(result), soft_wrap=True)
    regressed = [r for r in results if r.regressed]
    if regressed:
        names = ", ".join(r.gate.metric for r in regressed)
        err_console.print(Text(f"regressed beyond tolerance: {names}", style="red"), soft_wrap=True)
        raise typer.Exit(REGRESSION_EXIT)


def _changes_table(changes: list[Change], a: Path, b: Path) -> Table:
    table = Table(title=escape(f"A: {a}  →  B: {b}"))
    table.add_column("metric")
    table.add_column("A", justify="right")
    table.add_column("B", justify="right")
    table.add_column("change", justify="right")
    table.add_column("")
    for c in changes:
        table.add_row(
            c.metric,
            format_value(c.metric, c.a),
            format_value(c.metric, c.b),
            format_change(c.metric, c.delta),
            Text(c.verdict, style=_VERDICT_STYLE.get(c.verdict, "")),
        )
    return table


def _gate_line(result: GateResult) -> Text:
    name = result.gate.metric
    allowed = format_change(name, result.allowed).lstrip("+")
    by = format_change(name, abs(result.worse_by)).lstrip("+")
    if result.worse_by > 0:
        how = f"worse by {by}"
    elif result.worse_by < 0:
        how = f"better by {by}"
    else:
        how = "unchanged"
    moved = f"{format_value(name, result.a)} → {format_value(name, result.b)}, {how}"
    if result.regressed:
        return Text(f"gate {name}: REGRESSED: {moved} (tolerance {allowed})", style="red")
    return Text(f"gate {name}: ok: {moved} (tolerance {allowed})", style="green")
