"""A progress line every few seconds on long crawls."""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet import task

from crawler.reachability import FAILED_ATTEMPTS_STAT

log = logging.getLogger("crawler.progress")

INTERVAL_SECONDS = 10.0


class ProgressLog:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.report)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressLog:
        extension = cls(crawler)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_started(self) -> None:
        self.started = time.monotonic()
        self.loop.start(INTERVAL_SECONDS, now=False)

    def engine_stopped(self) -> None:
        if self.loop.running:
            self.loop.stop()

    def report(self) -> None:
        value = self.stats.get_value
        # Failures as they happen, retried or not yet (crawler.reachability), not only the requests given up.
        log.info(
            "crawl progress: %d requests, %d not modified, %d records, %d fetch failures (%d given up), %.0f s",
            value("downloader/request_count", 0), value("korus/not_modified", 0), value("item_scraped_count", 0),
            value(FAILED_ATTEMPTS_STAT, 0), value("korus/fetch_failures", 0), time.monotonic() - self.started,
        )
