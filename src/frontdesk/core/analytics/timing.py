"""Durations summarised the one way every analytics figure uses: how many, the
median, the 90th percentile and the mean, in seconds."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Durations:
    count: int
    p50_s: float | None
    p90_s: float | None
    mean_s: float | None

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Durations:
        values = sorted(max(0.0, s) for s in seconds)
        if not values:
            return cls(0, None, None, None)
        return cls(
            len(values),
            round(quantile(values, 0.5), 2),
            round(quantile(values, 0.9), 2),
            round(statistics.fmean(values), 2),
        )


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    rank = (len(sorted_values) - 1) * q
    low, high = math.floor(rank), math.ceil(rank)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)
