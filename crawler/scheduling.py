"""The poll's scheduler: Scrapy's, with the two limits a poll puts on when a request may go."""

from __future__ import annotations

import time
from typing import Any

from scrapy import Request, Spider
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler

LEFT_STAT = "korus/left_for_next_poll"


class PollScheduler(Scheduler):
    """Hands out no request while the site has asked for a wait (crawler.politeness), and none once the poll's time
    budget is spent: then it lets the queue go, so that the spider goes idle and the poll ends as a poll, its
    results recorded. What it let go is still due: statements not re-checked keep their place at the head of the
    rotation, and pages not read are read by the next poll.

    The engine asks for requests as answers arrive and at least every five seconds, so work resumes within a few
    seconds of a wait's end."""

    budget: float
    _deadline: float
    _resume_at: float

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PollScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.budget = crawler.settings.getfloat("KORUS_WATCH_TIME_BUDGET")
        return scheduler

    def open(self, spider: Spider) -> Any:
        self._deadline = time.monotonic() + self.budget
        self._resume_at = 0.0
        return super().open(spider)

    def hold_until(self, when: float) -> bool:
        """Holds every request back until `when` (time.monotonic()); False, holding nothing, if the budget would be
        spent by then."""
        if when >= self._deadline:
            return False
        self._resume_at = max(self._resume_at, when)
        return True

    def enqueue_request(self, request: Request) -> bool:
        if time.monotonic() >= self._deadline:
            self._leave(1)
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
        if now < self._resume_at:
            return None
        return super().next_request()

    def _leave(self, count: int) -> None:
        if count:
            assert self.stats is not None
            self.stats.inc_value(LEFT_STAT, count)
