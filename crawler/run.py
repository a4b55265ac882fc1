"""One crawl of the press office into the archive, from plan to summary."""

from __future__ import annotations

import logging
import time

# Scrapy would import its HTTP download handler only when the engine starts, deep inside the reactor, where the
# deprecation shims of its TLS modules (inspect.stack() at import) cost 0.2 s of CPU; at module level, 0.05 s.
import scrapy.core.downloader.handlers.http11  # noqa: F401
from scrapy.crawler import AsyncCrawlerProcess

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


def finish_recorder(
    recorder: RunRecorder, stats: dict[str, object], cpu_seconds: float, failure: str | None = None
) -> CrawlRun:
    def count(key: str) -> int:
        value = stats.get(key, 0)
        return value if isinstance(value, int) else 0

    if failure is None and stats.get("finish_reason") == "closespider_timeout":
        failure = "the crawl ran past crawl.timeout_minutes and was stopped"
    run = recorder.finish(
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
            started = time.process_time()
            recorder = prepare_recorder(db, settings, full=full)
            process = AsyncCrawlerProcess(scrapy_settings(settings.crawl))
            # Scrapy's logging set-up pins its logger at DEBUG, which makes a record of every response and item
            # for korus-watch's handler to drop; it follows the configured level instead.
            logging.getLogger("scrapy").setLevel(logging.NOTSET)
            crawler = process.create_crawler(PressOfficeSpider)
            process.crawl(
                crawler, recorder=recorder, base_url=settings.crawl.base_url, sections=settings.crawl.sections
            )
            process.start()
            return finish_recorder(recorder, crawler.stats.get_stats(), time.process_time() - started)
    finally:
        db.dispose()
