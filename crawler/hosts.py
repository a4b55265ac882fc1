"""The pace of each host, shared by every crawl this process runs at once: two sources on one site (the press office
and watched pages of ustr.gov) together keep to the site's pace, as one source alone does. Free of Scrapy."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class HostPaces:
    """When the next request to each host may start. One crawl spaces its own requests (its downloader slot);
    this spaces the requests of all of them, and keeps every crawl off a host that asked for a wait."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._next_start: dict[str, float] = {}
        # A host that asked for a wait: until when, and the crawl it asked (which keeps its own rules for it: its
        # scheduler holds what it has not started, and lets what is on its way go).
        self._held: dict[str, tuple[float, object]] = {}

    def __deepcopy__(self, memo: dict[int, object]) -> HostPaces:
        # Scrapy gives each crawler a deep copy of the runner's settings: this one object stays shared.
        return self

    def reserve(self, host: str, interval: float, crawl: object) -> float:
        """Reserves the next start for `crawl`'s request to `host`, at least `interval` after the one before and
        after any wait the host asked of another crawl; returns how many seconds from now it is."""
        now = self.clock()
        start = max(now, self._next_start.get(host, 0.0))
        held_until, asked = self._held.get(host, (0.0, None))
        if asked is not crawl:
            start = max(start, held_until)
        self._next_start[host] = start + interval
        return start - now

    def hold(self, host: str, until: float, crawl: object) -> None:
        """No other crawl's request to `host` starts before `until` (on `clock`: time.monotonic()): it refused
        `crawl` one, and asked for a wait."""
        if until > self._held.get(host, (0.0, None))[0]:
            self._held[host] = (until, crawl)
