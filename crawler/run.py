"""One crawl of the press office into the archive, from plan to summary."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

# Scrapy would import its HTTP download handler only when the engine starts, deep inside the reactor, where the
# deprecation shims of its TLS modules (inspect.stack() at import) cost 0.2 s of CPU; at module level, 0.05 s.
import scrapy.core.downloader.handlers.http11  # noqa: F401
from scrapy.crawler import AsyncCrawlerProcess, AsyncCrawlerRunner
from sqlalchemy.exc import SQLAlchemyError

from archive.db import ArchiveUnwritable, Database
from archive.listener import ChangeListener
from archive.lock import crawl_lock
from archive.models import CrawlRun
from archive.recorder import RunRecorder
from archive.relevance import Topic
from crawler.planning import prepare_recorder
from crawler.recording import Recording
from crawler.settings import CrawlSettings, scrapy_settings
from crawler.spiders.press_office import SITE_UNREACHABLE, PressOfficeSpider

log = logging.getLogger(__name__)


class ArchiveCrawl:
    """One planned crawl of the press office into the archive, on a Scrapy runner: the CLI's process of its own, or
    the service's runner in its long-running reactor. `start` crawls; `finish` records the summary."""

    def __init__(self, recorder: RunRecorder, crawl: CrawlSettings, runner: AsyncCrawlerRunner) -> None:
        self.settings = crawl
        self.runner = runner
        # The process's CPU, not the event loop thread's: the archive's writes run on a thread of their own.
        self._started = time.process_time()
        self.recording = Recording(recorder)
        self.crawler = runner.create_crawler(PressOfficeSpider)
        self.recording.attach(self.crawler)

    def start(self) -> asyncio.Task[None]:
        return self.runner.crawl(
            self.crawler, plan=self.recording.plan, base_url=self.settings.base_url, sections=self.settings.sections
        )

    def finish(self, failure: str | None = None) -> CrawlRun:
        """Ends the run (database work: off the event loop in the service); `failure`: why the caller stopped the
        crawl, if it did."""
        self.recording.close()
        stats = self.crawler.stats.get_stats()
        cpu_seconds = time.process_time() - self._started
        if failure is None and stats.get("finish_reason") == "closespider_timeout":
            failure = "the crawl ran past crawl.timeout_minutes and was stopped"
        try:
            run = self._record(stats, cpu_seconds, failure)
        except SQLAlchemyError as error:
            if self.recording.unwritable is None:
                raise
            # Not even the run's end could be written: the caller says so, and the service records it later.
            raise ArchiveUnwritable(self.recording.unwritable) from error
        log.info(
            "crawl run %d %s: new=%d edited=%d removed=%d restored=%d unchanged=%d requests=%d not_modified=%d errors=%d "
            "cpu=%.2fs",
            run.id,
            run.status.value,
            run.new,
            run.edited,
            run.removed,
            run.restored,
            run.unchanged,
            run.requests,
            run.not_modified,
            run.errors,
            cpu_seconds,
        )
        return run

    def _record(self, stats: dict[str, Any], cpu_seconds: float, failure: str | None) -> CrawlRun:
        def count(key: str) -> int:
            value = stats.get(key, 0)
            return value if isinstance(value, int) else 0

        return self.recording.recorder.finish(
            requests=count("downloader/request_count"),
            not_modified=count("korus/not_modified"),
            fetch_failures=count("korus/fetch_failures"),
            landings=count("korus/landings"),
            landings_failed=count("korus/landings_failed"),
            cpu_seconds=cpu_seconds,
            interrupted=stats.get("finish_reason") not in ("finished", SITE_UNREACHABLE),
            failure=failure,
            unwritable=self.recording.unwritable,
        )


def run_crawl(
    db: Database, crawl: CrawlSettings, topics: list[Topic], listener: ChangeListener, *, full: bool = False
) -> CrawlRun:
    """Runs one crawl in this process (which must not have started a Twisted reactor)."""
    with crawl_lock(db.engine):
        process = AsyncCrawlerProcess(scrapy_settings(crawl))
        # Scrapy's logging set-up pins its logger at DEBUG, which makes a record of every response and item
        # for korus-watch's handler to drop; it follows the configured level instead.
        logging.getLogger("scrapy").setLevel(logging.NOTSET)
        crawl_run = ArchiveCrawl(prepare_recorder(db, crawl, topics, listener, full=full), crawl, process)
        crawl_run.start()
        process.start()
        return crawl_run.finish()
