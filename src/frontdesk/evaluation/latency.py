"""The latency distribution of a run as histogram bins, for report.json and the chart.

The bins span 0 to the slowest turn, unless one or a few outliers are far beyond the
rest: then they stop at twice the p99 and the turns beyond are counted in ``above``,
so a single cold start does not squeeze every other turn into the first bin.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from frontdesk.evaluation.metrics import percentile

BINS = 24


@dataclass(frozen=True, slots=True)
class Histogram:
    edges_ms: tuple[float, ...]  # len(counts) + 1 edges
    counts: tuple[int, ...]
    above: int  # turns slower than the last edge

    def as_dict(self) -> dict[str, object]:
        return {
            "edges_ms": [round(e, 3) for e in self.edges_ms],
            "counts": list(self.counts),
            "above": self.above,
        }


def latency_histogram(latencies_ms: Sequence[float], bins: int = BINS) -> Histogram:
    if not latencies_ms:
        return Histogram((), (), 0)
    ordered = sorted(latencies_ms)
    p99 = percentile(ordered, 99) or 0.0
    top = ordered[-1]
    upper = top if top <= 2 * p99 or p99 <= 0 else 2 * p99
    upper = _nice_ceiling(upper) if upper > 0 else 1.0
    counts, edges = np.histogram(ordered, bins=bins, range=(0.0, upper))
    above = sum(1 for value in ordered if value > upper)
    return Histogram(tuple(float(e) for e in edges), tuple(int(c) for c in counts), above)


def _nice_ceiling(value: float) -> float:
    """The next 1, 2, 2.5 or 5 × 10^k at or above ``value``: round axis ends."""
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * power:
            return step * power
    return 10 * power
