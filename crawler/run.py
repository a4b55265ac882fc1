"""Crawls of the sources into the archive, from plan to summary: one Scrapy crawler and one crawl run per source,
all on one event loop."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import ExitStack
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
from crawler.hosts import HostPaces
from crawler.log_filters import quiet_scrapy_tracebacks
from crawler.phases import crawl_counts
from crawler.planning import prepare_recorder
from crawler.politeness import REFUSED_STAT
from crawler.recording import Recording
from crawler.reextract import reextract_if_upgraded
from crawler.scheduling import LEFT_STAT, RECHECKS_LEFT_STAT
from crawler.settings import CrawlSettings, scrapy_settings
from crawler.sources.base import SITE_UNREACHABLE, ConfiguredSource

log = logging.getLogger(__name__)


class ArchiveCrawl:
    """One planned crawl of a source into the archive, on a Scrapy runner: the CLI's process of its own, or the
    service's runner in its long-running reactor. `start` crawls; `finish` records the summary.
    `on_phase_committed`: called on the event loop when the first phase's changes are committed (crawler.phases)."""

    def __init__(
        self, recorder: RunRecorder, source: ConfiguredSource, runner: AsyncCrawlerRunner,
        on_phase_committed: Callable[[], object] | None = None,
    ) -> None:
        self.source = source
        self.runner = runner
        # The process's CPU, not the event loop thread's: the archive's writes run on a thread of their own.
        self._started = time.process_time()
        self.recording = Recording(recorder, on_phase_committed)
        quiet_scrapy_tracebacks()
        self.crawler = runner.create_crawler(source.kind.finder())
        self.recording.attach(self.crawler)

    def start(self) -> asyncio.Task[None]:
        return self.runner.crawl(self.crawler, plan=self.recording.plan, source=self.source)

    def finish(self, failure: str | None = None) -> CrawlRun:
        """Ends the run (database work: off the event loop in the service); `failure`: why the caller stopped the
        crawl, if it did."""
        self.recording.close()
        assert self.crawler.stats is not None
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
            "crawl run %d %s (%s): new=%d edited=%d removed=%d restored=%d unchanged=%d requests=%d not_modified=%d "
            "errors=%d cpu=%.2fs",
            run.id,
            run.status.value,
            run.source,
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
        interrupted = stats.get("finish_reason") not in ("finished", SITE_UNREACHABLE)
        note = None
        if left := stats.get(LEFT_STAT, 0):
            note = f"{left} requests left for the next poll: the time budget (crawl.timeout_minutes) was spent"
            if self.recording.plan.baseline:
                # Not a finished baseline: the statements it did not reach must not be announced as new.
                interrupted, note = True, f"{note}; the baseline goes on in the next poll"
        rate_limited = None
        if rechecks_left := stats.get(RECHECKS_LEFT_STAT, 0):
            max_refusals = self.crawler.settings["KORUS_WATCH_POLITENESS"].max_refusals
            rate_limited = (
                f"the site is rate limiting: it refused {stats.get(REFUSED_STAT, 0)} requests (429 or 503), and after "
                f"crawl.max_refusals ({max_refusals}) no re-check started: {rechecks_left} re-checks "
                "left for the next poll"
            )
        return self.recording.recorder.finish(
            **crawl_counts(self.crawler.stats), cpu_seconds=cpu_seconds, interrupted=interrupted, failure=failure,
            note=note, unwritable=self.recording.unwritable, rate_limited=rate_limited,
        )

def run_crawl(
    db: Database, crawl: CrawlSettings, sources: list[ConfiguredSource], topics: list[Topic],
    listener: ChangeListener, *, full: bool = False,
) -> list[CrawlRun]:
    """Crawls the sources at once in this process (which must not have started a Twisted reactor); their runs, in
    the sources' order."""
    with ExitStack() as locks:
        for source in sources:
            locks.enter_context(crawl_lock(db.engine, source.name))
            reextract_if_upgraded(db, source, topics)
        process = AsyncCrawlerProcess(scrapy_settings(crawl, HostPaces()))
        # Scrapy's logging set-up pins its logger at DEBUG, which makes a record of every response and item
        # for korus-watch's handler to drop; it follows the configured level instead.
        logging.getLogger("scrapy").setLevel(logging.NOTSET)
        crawls = [
            ArchiveCrawl(prepare_recorder(db, crawl, source.ref, source.interval_minutes, topics, listener, full=full),
                         source, process)
            for source in sources
        ]
        for crawl_run in crawls:
            crawl_run.start()
        process.start()
        return finish_all(crawls)


def finish_all(crawls: list[ArchiveCrawl]) -> list[CrawlRun]:
    """Every crawl's run recorded, even when one's end cannot be (then raised once the others are)."""
    runs, unwritable = [], None
    for crawl_run in crawls:
        try:
            runs.append(crawl_run.finish())
        except ArchiveUnwritable as error:
            unwritable = unwritable or error
    if unwritable is not None:
        raise unwritable
    return runs
