"""The poll's scheduler: Scrapy's, with the two limits a poll puts on when a request may go."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler

LEFT_STAT = "korus/left_for_next_poll"
# Re-checks of archived statements not made because the site refused too often (crawler.pace.Politeness.max_refusals).
RECHECKS_LEFT_STAT = "korus/rechecks_left_refused"
# The meta key that marks a request as a re-check of a statement already archived (the poll's second phase); its
# retries and redirects carry it too.
RECHECK = "korus_recheck"


def is_recheck(request: Request) -> bool:
    return bool(request.meta.get(RECHECK))


class PollScheduler(Scheduler):
    """Hands out no request while the site has asked for a wait (crawler.politeness), and none once the poll's time
    budget is spent: then it lets the queue go, so that the spider goes idle and the poll ends as a poll, its
    results recorded. What it let go is still due: statements not re-checked keep their place at the head of the
    rotation, and pages not read are read by the next poll.

    It also hands out a request only when none is on its way to the downloader's slot or waiting there for its turn
    (the slot's spacing): a request handed out is then sent at once or next, so a wait begun by a refusal holds back
    all but that one, and nothing waits in the downloader when the poll stops.

    Once the site has refused too often (crawler.politeness), it hands out no more re-checks: it lets those queued go
    and refuses new ones, which keep their place at the head of the rotation, while the rest of the poll goes on."""

    budget: float
    _deadline: float
    _resume_at: float
    _wake_up: asyncio.TimerHandle | None
    rechecks_stopped: bool
    # Requests handed out that have not reached the slot yet (the downloader's middlewares run in a task of their
    # own, so a request handed out is not in the slot's queue at once).
    _on_their_way: set[Request]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PollScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.budget = crawler.settings.getfloat("KORUS_WATCH_TIME_BUDGET")
        crawler.signals.connect(scheduler._reached_slot, signal=signals.request_reached_downloader)
        return scheduler

    def open(self, spider: Spider) -> Any:
        self._deadline = time.monotonic() + self.budget
        self._resume_at = 0.0
        self._wake_up = None
        self._on_their_way = set()
        self.rechecks_stopped = False
        return super().open(spider)

    def close(self, reason: str) -> Any:
        if self._wake_up is not None:
            self._wake_up.cancel()
        return super().close(reason)

    def hold_until(self, when: float) -> bool:
        """Holds every request back until `when` (time.monotonic()); False, holding nothing, if the budget would be
        spent by then."""
        if when >= self._deadline:
            return False
        if when > self._resume_at:
            self._resume_at = when
            if self._wake_up is not None:
                self._wake_up.cancel()
            self._wake_up = asyncio.get_running_loop().call_later(when - time.monotonic(), self._resume)
        return True

    def stop_rechecks(self) -> None:
        """Starts no more re-checks in this poll: those queued are let go now, not when a wait is over."""
        if self.rechecks_stopped:
            return
        self.rechecks_stopped = True
        kept = []
        while (request := super().next_request()) is not None:
            if is_recheck(request):
                self._leave(1, RECHECKS_LEFT_STAT)
            else:
                kept.append(request)
        for request in kept:
            request.dont_filter = True  # the duplicate filter has seen it
            super().enqueue_request(request)

    def _resume(self) -> None:
        # The engine asks for requests as answers arrive, or every five seconds; during a wait none arrive. A request
        # handed back to it when the wait ends (past the duplicate filter, which has seen it) wakes it at once.
        self._wake_up = None
        request = super().next_request()
        if request is not None:
            request.dont_filter = True
            assert self.crawler is not None and self.crawler.engine is not None
            self.crawler.engine.crawl(request)

    def enqueue_request(self, request: Request) -> bool:
        if time.monotonic() >= self._deadline:
            self._leave(1)
            return False
        if self.rechecks_stopped and is_recheck(request):
            self._leave(1, RECHECKS_LEFT_STAT)
            return False
        return super().enqueue_request(request)

    def next_request(self) -> Request | None:
        now = time.monotonic()
        if now >= self._deadline:
            left = 0
            while super().next_request() is not None:
                left += 1
            self._leave(left)
            return None
        if now < self._resume_at or self._waiting_in_downloader():
            return None
        request = super().next_request()
        if request is not None:
            self._on_their_way.add(request)
        return request

    def _reached_slot(self, request: Request) -> None:
        self._on_their_way.discard(request)

    def _waiting_in_downloader(self) -> bool:
        assert self.crawler is not None and self.crawler.engine is not None
        downloader = self.crawler.engine.downloader
        # One that left the downloader before the slot (a middleware refused it) is on its way no more.
        self._on_their_way &= downloader.active
        return bool(self._on_their_way) or any(slot.queue for slot in downloader.slots.values())

    def _leave(self, count: int, stat: str = LEFT_STAT) -> None:
        if count:
            assert self.stats is not None
            self.stats.inc_value(stat, count)
