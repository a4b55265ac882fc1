"""Politeness toward the site, in Scrapy: the pace of requests, and what a refusal (429, 503) does. The policy itself,
with its reasons, is crawler.pace.

Why not Scrapy's AutoThrottle, configured or subclassed: it starts every crawl at AUTOTHROTTLE_START_DELAY and never
lowers the delay on an answer whose status is not 200, so a poll of 304s stays at its start delay (measured: 0.32
requests a second where the site could take 10); it knows no Retry-After; and a subclass would override three of
its private methods. Its one idea, the spacing that follows the site's latency, is crawler.pace's, applied here to
the downloader's slot for the site as AutoThrottle applies it."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from archive.retry_after import retry_after_seconds
from crawler.hosts import HostPaces, host_of
from crawler.pace import REFUSALS, Politeness
from crawler.scheduling import RECHECKS_LEFT_STAT, PollScheduler, is_recheck

REFUSED_STAT = "korus/refused"
# request.meta: the least time between two starts of requests to the request's host that its finder asks for, where
# the site states a slower pace than the crawl's (the Federal Register's API): the crawl's spacing, or this if longer.
MIN_INTERVAL_META = "korus_watch_min_interval"


def _interval(interval: float, request: Request) -> float:
    return max(interval, request.meta.get(MIN_INTERVAL_META, 0.0))


class RateLimited(IgnoreRequest):
    """The site refused a request, and this poll does not ask again (`why`): its work is left for the next one."""

    def __init__(self, response: Response, why: str) -> None:
        super().__init__(f"answered {response.status}; {why}: left for the next poll")
        self.response = response


def is_refusal(response: Response) -> bool:
    return response.status in REFUSALS


class PolitenessMiddleware:
    """Keeps the site's downloader slot at the policy's spacing, and turns a refusal into a wait for the whole site
    (PollScheduler.hold_until) after which RetryMiddleware's retry goes out, or into RateLimited for the spider to
    record: when the wait would not end within the poll's time budget, or when the refusal is a re-check's and the
    poll has met its refusals (PollScheduler.stop_rechecks)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.policy: Politeness = crawler.settings["KORUS_WATCH_POLITENESS"]
        self.hosts: HostPaces = crawler.settings["KORUS_WATCH_HOST_PACES"]
        self.interval = self.policy.fastest_interval

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PolitenessMiddleware:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.request_reached_downloader, signal=signals.request_reached_downloader)
        crawler.signals.connect(middleware.response_downloaded, signal=signals.response_downloaded)
        return middleware

    # -- the pace ------------------------------------------------------------------------------

    async def process_request(self, request: Request) -> None:
        """Waits for the host's turn among every crawl of this process (one crawl alone is spaced by its slot, and
        waits at most a moment here)."""
        wait = self.hosts.reserve(host_of(request.url), _interval(self.interval, request), self.crawler)
        if wait > 0:
            await asyncio.sleep(wait)

    def request_reached_downloader(self, request: Request) -> None:
        # Also after Scrapy dropped an idle slot and made a new one with the default delay.
        self._apply(request)

    def response_downloaded(self, response: Response, request: Request) -> None:
        if is_refusal(response):
            self.interval = self.policy.after_refusal(self.interval)
        else:
            latency = request.meta.get("download_latency")
            if latency is not None:
                self.interval = self.policy.after_answer(self.interval, latency, response.status)
        self._apply(request)

    def _apply(self, request: Request) -> None:
        assert self.crawler.engine is not None
        slot = self.crawler.engine.downloader.slots.get(request.meta.get("download_slot", ""))
        if slot is not None:
            slot.delay = _interval(self.interval, request)

    # -- refusals ------------------------------------------------------------------------------

    def process_response(self, request: Request, response: Response) -> Response:
        if not is_refusal(response):
            return response
        self.stats.inc_value(REFUSED_STAT)
        header = response.headers.get(b"Retry-After")
        retry_after = retry_after_seconds(header.decode("latin-1") if header else None, datetime.now(UTC))
        wait = self.policy.wait_after_refusal(retry_after)
        assert self.crawler.engine is not None
        scheduler = self.crawler.engine.scheduler
        assert isinstance(scheduler, PollScheduler)
        until = time.monotonic() + wait
        held = scheduler.hold_until(until)
        if held:
            # The other crawls of this process wait for the host too (a wait too long for this poll stops none).
            self.hosts.hold(host_of(request.url), until, self.crawler)
        refusals = self.stats.get_value(REFUSED_STAT, 0)
        if self.policy.stops_rechecks(refusals):
            scheduler.stop_rechecks()
            if is_recheck(request):
                self.stats.inc_value(RECHECKS_LEFT_STAT)
                raise RateLimited(response, f"the site refused {refusals} requests in this poll "
                                            f"(crawl.max_refusals: {self.policy.max_refusals})")
        if not held:
            raise RateLimited(response, f"the site asked for a {wait:.0f} s wait, past this poll's time budget")
        return response  # RetryMiddleware queues its retry, which the scheduler holds until the wait is over
