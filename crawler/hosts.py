"""The pace of each host, shared by every crawl this process runs at once: two sources on one site (the press office
and watched pages of ustr.gov) together keep to the site's pace, as one source alone does. Free of Scrapy."""

from __future__ import annotations

import time
from urllib.parse import urlsplit


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class HostPaces:
    """When the next request to each host may start. One crawl spaces its own requests (its downloader slot);
    this spaces the requests of all of them, and keeps every crawl off a host that asked for a wait."""

    def __init__(self) -> None:
        self._next_start: dict[str, float] = {}

    def __deepcopy__(self, memo: dict[int, object]) -> HostPaces:
        # Scrapy gives each crawler a deep copy of the runner's settings: this one object stays shared.
        return self

    def reserve(self, host: str, interval: float) -> float:
        """Reserves the next start for a request to `host`, at least `interval` after the one before; returns how
        many seconds from now it is."""
        now = time.monotonic()
        start = max(now, self._next_start.get(host, 0.0))
        self._next_start[host] = start + interval
        return start - now

    def hold(self, host: str, until: float) -> None:
        """No request to `host` starts before `until` (time.monotonic()): it refused one, and asked for a wait."""
        self._next_start[host] = max(self._next_start.get(host, 0.0), until)
