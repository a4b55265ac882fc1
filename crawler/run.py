"""One crawl of the press office into the archive, from plan to summary."""

from __future__ import annotations

import asyncio
import logging
import time

# Scrapy would import its HTTP download handler only when the engine starts, deep inside the reactor, where the
# deprecation shims of its TLS modules (inspect.stack() at import) cost 0.2 s of CPU; at module level, 0.05 s.
import scrapy.core.downloader.handlers.http11  # noqa: F401
from scrapy.crawler import AsyncCrawlerProcess, AsyncCrawlerRunner

from archive.db import Database
from archive.lock import crawl_lock
from archive.models import CrawlRun
from archive.recorder import GuardPolicy, RunRecorder, start_run
from archive.relevance import TopicScorer
from crawler.settings import scrapy_settings
from crawler.spiders.press_office import SITE_UNREACHABLE, PressOfficeSpider
from korus_watch.settings import Settings
from notify.outbox import Outbox

log = logging.getLogger(__name__)


def prepare_recorder(db: Database, settings: Settings, *, full: bool) -> RunRecorder:
    crawl = settings.crawl
    plan = start_run(
        db, full=full, interval_minutes=crawl.interval_minutes, full_revisit_hours=crawl.full_revisit_hours
    )
    log.info(
        "crawl run %d started full=%s baseline=%s revisit=%d", plan.run_id, plan.full, plan.baseline, len(plan.revisit)
    )
    return RunRecorder(
        db=db,
        plan=plan,
        scorers=[TopicScorer(topic) for topic in settings.enabled_topics()],
        guard=GuardPolicy(crawl.removal_confirmations, crawl.guard_share, crawl.guard_min_pages),
        listener=Outbox(settings),
    )


class ArchiveCrawl:
    """One crawl of the press office into the archive, on a Scrapy runner: the CLI's process of its own, or the
    service's runner in its long-running reactor. Planned when made; `start` crawls; `finish` records the summary."""

    def __init__(self, db: Database, settings: Settings, runner: AsyncCrawlerRunner, *, full: bool) -> None:
        self.settings = settings
        self.runner = runner
        self._started = time.thread_time()
        self.recorder = prepare_recorder(db, settings, full=full)
        self.crawler = runner.create_crawler(PressOfficeSpider)

    def start(self) -> asyncio.Task[None]:
        crawl = self.settings.crawl
        return self.runner.crawl(self.crawler, recorder=self.recorder, base_url=crawl.base_url, sections=crawl.sections)

    def finish(self, failure: str | None = None) -> CrawlRun:
        """Ends the run; `failure`: why the caller stopped the crawl, if it did."""
        stats = self.crawler.stats.get_stats()
        cpu_seconds = time.thread_time() - self._started

        def count(key: str) -> int:
            value = stats.get(key, 0)
            return value if isinstance(value, int) else 0

        if failure is None and stats.get("finish_reason") == "closespider_timeout":
            failure = "the crawl ran past crawl.timeout_minutes and was stopped"
        run = self.recorder.finish(
            requests=count("downloader/request_count"),
            not_modified=count("korus/not_modified"),
            fetch_failures=count("korus/fetch_failures"),
            landings=count("korus/landings"),
            landings_failed=count("korus/landings_failed"),
            cpu_seconds=cpu_seconds,
            interrupted=stats.get("finish_reason") not in ("finished", SITE_UNREACHABLE),
            failure=failure,
        )
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


def run_crawl(settings: Settings, *, full: bool = False) -> CrawlRun:
    """Runs one crawl in this process (which must not have started a Twisted reactor)."""
    db = Database(settings.database.url)
    try:
        with crawl_lock(db.engine):
            process = AsyncCrawlerProcess(scrapy_settings(settings.crawl))
            # Scrapy's logging set-up pins its logger at DEBUG, which makes a record of every response and item
            # for korus-watch's handler to drop; it follows the configured level instead.
            logging.getLogger("scrapy").setLevel(logging.NOTSET)
            crawl = ArchiveCrawl(db, settings, process, full=full)
            crawl.start()
            process.start()
            return crawl.finish()
    finally:
        db.dispose()
