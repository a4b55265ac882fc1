"""Peaks of a request log's timings: how hard a crawler really pushed the site, whatever it was configured to do.

Times are time.monotonic() seconds of the mirror's process; only their differences mean anything."""

from __future__ import annotations

from collections.abc import Iterable


def peak_per_window(arrivals: Iterable[float], window: float = 1.0) -> int:
    """The most arrivals in any half-open interval [t, t + window): a sliding window, not calendar seconds, so a
    burst straddling a second boundary is counted whole."""
    if window <= 0:
        raise ValueError(f"window must be positive, not {window}")
    times = sorted(arrivals)
    best, first = 0, 0
    for last, arrived in enumerate(times):
        while arrived - times[first] >= window:
            first += 1
        best = max(best, last - first + 1)
    return best


def peak_in_flight(spans: Iterable[tuple[float, float | None]]) -> int:
    """The most requests between arrival and completion at one instant. A request without a completion yet counts
    as still in flight; one ending exactly when another arrives does not overlap it."""
    events: list[tuple[float, int]] = []
    for arrived, finished in spans:
        events.append((arrived, 1))
        if finished is not None:
            events.append((finished, -1))
    events.sort()  # at equal times the -1 sorts first
    best = current = 0
    for _, change in events:
        current += change
        best = max(best, current)
    return best
