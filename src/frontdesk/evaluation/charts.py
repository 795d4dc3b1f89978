"""The report's PNG charts (matplotlib, drawn off-screen with the Agg canvas): the
latency histogram with p50/p95/p99 marked, and what each kind of line came to.

Each is 600 × 350 px and a few tens of KB. Figures are made directly rather than
through pyplot, so drawing touches no global state and needs no display.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from frontdesk.evaluation.latency import Histogram
from frontdesk.evaluation.outcomes import Outcome

SIZE_IN = (6.0, 3.5)
DPI = 100
# PNG metadata would otherwise name the matplotlib version: the same data, the same file.
_METADATA: dict[str, str | None] = {"Software": None}

_OUTCOME_STYLE: dict[Outcome, tuple[str, str]] = {
    Outcome.RIGHT: ("answered right", "#2e7d32"),
    Outcome.WRONG: ("answered wrong", "#c62828"),
    Outcome.CLARIFIED: ("clarified", "#f9a825"),
    Outcome.ABSTAINED: ("abstained", "#546e7a"),
    Outcome.SMALLTALK: ("small talk", "#8e7cc3"),
    Outcome.OTHER: ("other", "#bdbdbd"),
}
_KIND_LABELS = {
    "faq": "faq",
    "oos": "out of scope",
    "smalltalk": "small talk",
    "dialogue": "dialogue turns",
}
_MARKS = (("p50", "#1565c0", "-"), ("p95", "#ef6c00", "--"), ("p99", "#c62828", ":"))


def latency_chart(
    histogram: Histogram, percentiles: Mapping[str, float | None], path: Path
) -> None:
    """Turns per latency bin, with vertical lines at the given percentiles (p50, p95, p99)."""
    figure = _figure()
    axes = figure.add_subplot()
    if histogram.counts:
        axes.stairs(histogram.counts, histogram.edges_ms, fill=True, color="#90a4ae")
        for name, colour, style in _MARKS:
            value = percentiles.get(name)
            if value is not None:
                axes.axvline(
                    value,
                    color=colour,
                    linestyle=style,
                    linewidth=1.5,
                    label=f"{name} {value:.1f} ms",
                )
        axes.legend(loc="upper right", fontsize=8, frameon=False)
        axes.set_xlim(0, histogram.edges_ms[-1])
    turns = sum(histogram.counts) + histogram.above
    axes.set_title(f"Latency per turn ({turns} turns)", fontsize=10)
    axes.set_xlabel("milliseconds", fontsize=9)
    axes.set_ylabel("turns", fontsize=9)
    if histogram.above:
        axes.text(
            0.99,
            0.02,
            f"{histogram.above} slower than {histogram.edges_ms[-1]:g} ms not shown",
            transform=axes.transAxes,
            ha="right",
            va="bottom",
            fontsize=7,
            color="#555555",
        )
    _tidy(axes)
    _save(figure, path)


def outcomes_chart(outcomes: Mapping[str, Mapping[str, int]], path: Path) -> None:
    """One horizontal bar per kind of line, split into the shares of its outcomes."""
    figure = _figure()
    axes = figure.add_subplot()
    kinds = list(outcomes)
    rows = range(len(kinds))
    left = [0.0] * len(kinds)
    for outcome, (label, colour) in _OUTCOME_STYLE.items():
        shares = []
        for kind in kinds:
            total = sum(outcomes[kind].values())
            shares.append(100.0 * outcomes[kind].get(outcome.value, 0) / total if total else 0.0)
        if any(shares):
            axes.barh(rows, shares, left=left, color=colour, label=label, height=0.6)
            left = [a + b for a, b in zip(left, shares, strict=True)]
    axes.set_yticks(
        list(rows),
        [f"{_KIND_LABELS.get(k, k)}\n({sum(outcomes[k].values())})" for k in kinds],
        fontsize=8,
    )
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of turns", fontsize=9)
    axes.set_title("What each kind of line came to", fontsize=10)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=8, frameon=False)
    _tidy(axes)
    _save(figure, path)


def _figure() -> Figure:
    figure = Figure(figsize=SIZE_IN, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _tidy(axes: Axes) -> None:
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=8)


def _save(figure: Figure, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=DPI, metadata=_METADATA)
