"""The politeness policy: how fast a poll asks the site for pages, and how it answers the site's refusals.

Free of Scrapy (crawler.settings builds it, and the notifier's tests import that without Scrapy): the Scrapy side is
crawler.politeness (the pace and the refusals) and crawler.scheduling (the waits and the time budget).

- At most `concurrent_requests` requests are in flight, and their starts are spaced so that the site never sees more
  than `max_requests_per_second` in any one second.
- With `adaptive` (crawl.autothrottle), the spacing follows the site's latency as Scrapy's AutoThrottle does: enough
  to keep half the permitted concurrency busy at the latency the site shows, moving halfway down on each answer and
  straight up when the site slows. Every answer counts: a 304, a redirect or a 404 is the site answering, and a
  poll of 304s runs at the cap, not at a start delay. Only server errors never make it faster.
- A 429 or 503 is a refusal: the spacing doubles, and no request starts until its Retry-After has passed.
- After `max_refusals` refusals in one poll the site is shedding load: the poll starts no more re-checks of statements
  already archived (they wait for the next poll, at the head of the rotation). Listings and new statements are news,
  and still go out, each after its wait."""

from __future__ import annotations

from dataclasses import dataclass

# Starts are spaced a fifth more than 1 / max_requests_per_second: the site counts arrivals in any sliding second, and
# a request delayed on its way (a busy event loop writes it late, a new connection) must not bring one more into it.
# Measured against the mirror on a loaded 2-CPU machine: a twentieth was not enough, 11 arrivals came within a second.
SPACING_SLACK = 0.2
# The slowest pace the back-off goes to: one request start every this many seconds.
SLOWEST_INTERVAL_SECONDS = 30.0
# A Retry-After is honoured up to this long within a poll: a longer one is cut to it (the poll's time budget still
# decides whether the retry fits at all).
MAX_WAIT_SECONDS = 60.0
# The wait after a refusal that names none.
DEFAULT_WAIT_SECONDS = 2.0
# Refusals: the site is overloaded (503) or counting our requests (429).
REFUSALS = frozenset({429, 503})


@dataclass(frozen=True)
class Politeness:
    concurrent_requests: int
    max_requests_per_second: float
    # Follow the site's latency (crawl.autothrottle); off, the pace stays at the cap unless the site refuses.
    adaptive: bool
    # Refusals in one poll after which it starts no more re-checks (crawl.max_refusals).
    max_refusals: int

    @property
    def fastest_interval(self) -> float:
        """The least time between two request starts."""
        return (1 + SPACING_SLACK) / self.max_requests_per_second

    def after_answer(self, interval: float, latency: float, status: int) -> float:
        """The spacing after an answer that took `latency` seconds (AutoThrottle's rule, 304s included)."""
        target = latency / max(1.0, self.concurrent_requests / 2) if self.adaptive else 0.0
        spacing = max(target, (interval + target) / 2)
        if status >= 500:  # an error page is quick to make: it must not speed the crawl up
            spacing = max(spacing, interval)
        return self._bounded(spacing)

    def after_refusal(self, interval: float) -> float:
        return self._bounded(interval * 2)

    def stops_rechecks(self, refusals: int) -> bool:
        """Whether a poll that met this many refusals starts no more re-checks."""
        return refusals >= self.max_refusals

    @staticmethod
    def wait_after_refusal(retry_after: float | None) -> float:
        """How long no request may start after a refusal with this Retry-After (seconds, None: not given)."""
        return min(MAX_WAIT_SECONDS, DEFAULT_WAIT_SECONDS if retry_after is None else retry_after)

    def _bounded(self, interval: float) -> float:
        return min(max(interval, self.fastest_interval), max(SLOWEST_INTERVAL_SECONDS, self.fastest_interval))
