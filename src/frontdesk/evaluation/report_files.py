"""Write an evaluation report to a directory: report.json, report.md and the charts."""

from __future__ import annotations

import json
from pathlib import Path

from frontdesk.errors import EvaluationError
from frontdesk.evaluation.charts import latency_chart, outcomes_chart
from frontdesk.evaluation.report_data import LATENCY_CHART, OUTCOMES_CHART, EvalReport
from frontdesk.evaluation.report_markdown import render_markdown

REPORT_JSON = "report.json"
REPORT_MD = "report.md"


def write_report(report: EvalReport, directory: Path) -> list[Path]:
    """The files written, in order. Files of an earlier report there are replaced;
    nothing else in the directory is touched."""
    if directory.exists() and not directory.is_dir():
        raise EvaluationError(f"Cannot write the report to {directory}: it is a file.")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        m = report.metrics
        percentiles = {"p50": m.latency_p50_ms, "p95": m.latency_p95_ms, "p99": m.latency_p99_ms}
        latency_chart(report.histogram, percentiles, directory / LATENCY_CHART)
        outcomes_chart(report.outcomes, directory / OUTCOMES_CHART)
        data = json.dumps(report.as_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        (directory / REPORT_JSON).write_text(data, encoding="utf-8")
        (directory / REPORT_MD).write_text(render_markdown(report), encoding="utf-8")
    except OSError as exc:
        where = exc.filename or directory
        raise EvaluationError(f"Cannot write the report to {where}: {exc.strerror}.") from exc
    return [directory / name for name in (REPORT_MD, REPORT_JSON, *report.charts)]
