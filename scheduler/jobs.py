"""The service's jobs: a source's poll (one crawl on the service's Scrapy runner), a delivery pass, a channel's
digest and housekeeping; and the work in flight, which a shutdown waits for."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from scrapy.crawler import AsyncCrawlerRunner

    from archive.db import Database
    from archive.listener import ChangeListener
    from archive.relevance import Topic
    from archive.snapshots.retention import KeepSnapshots
    from crawler.settings import CrawlSettings
    from crawler.sources.base import ConfiguredSource
    from notify.dispatcher import Dispatcher
    from scheduler.database_work import DatabaseWork
    from scheduler.health import HealthSource, ServiceMetrics
    from scheduler.settings import ServiceSettings

log = logging.getLogger(__name__)


class Tasks:
    """The jobs running and the work started beside them, which a shutdown waits for; and whether it has begun."""

    def __init__(self) -> None:
        self.stopping = asyncio.Event()
        self.active: set[asyncio.Task[Any]] = set()

    def track(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self.active.add(task)
        task.add_done_callback(self.active.discard)
        task.add_done_callback(_log_failure)

    @contextmanager
    def waited_for(self) -> Iterator[None]:
        """The running job, which a shutdown waits for."""
        task = asyncio.current_task()
        assert task is not None, "jobs run as tasks"
        self.active.add(task)
        try:
            yield
        finally:
            self.active.discard(task)


class Jobs:
    def __init__(
        self,
        db: Database,
        dispatcher: Dispatcher,
        listener: ChangeListener,
        runner: AsyncCrawlerRunner,
        database_work: DatabaseWork,
        tasks: Tasks,
        health: HealthSource,
        metrics: ServiceMetrics,
        *,
        crawl: CrawlSettings,
        sources: list[ConfiguredSource],
        topics: list[Topic],
        service: ServiceSettings,
        keep_snapshots: KeepSnapshots,
        next_poll: Callable[[str], datetime | None],
    ) -> None:
        self.db = db
        self.dispatcher = dispatcher
        self.listener = listener
        self.runner = runner
        self.database_work = database_work
        self.tasks = tasks
        self.health = health
        self.metrics = metrics
        self.crawl = crawl
        self.sources = {source.name: source for source in sources}
        self.topics = topics
        self.settings = service
        self.keep_snapshots = keep_snapshots
        # When the schedule runs a source's next poll (None while this instance stands by).
        self.next_poll = next_poll
        # The running polls' Scrapy crawlers, by source: the sources' polls run on their own schedules, and at once.
        self.crawlers: dict[str, Any] = {}

    async def poll(self, name: str) -> None:
        with self.tasks.waited_for():
            failure = await self._poll(self.sources[name])
        if failure is not None and not self.tasks.stopping.is_set():
            # What an operator asks first, reading of a failure: when the service tries again.
            due = self.next_poll(name)
            log.warning("poll of %s failed (%s): the next poll is due at %s", name, failure,
                        due.isoformat() if due else "- (this instance stands by)")
        # Detection never waits for delivery: the pass runs on its own.
        self.tasks.track(self.deliver())

    async def _poll(self, source: ConfiguredSource) -> str | None:
        """One poll of a source; returns why it failed, if it did."""
        from archive.lock import CrawlInProgress, crawl_lock
        from archive.models import RunStatus
        from crawler.planning import prepare_recorder
        from crawler.run import ArchiveCrawl

        off_loop = self.database_work.run
        try:
            async with self.database_work.held(crawl_lock(self.db.engine, source.name)):
                if not await self.database_work.record_refusal():
                    return self._database_problem()  # still refused: the poll waits for the archive
                if await off_loop(self._reread_if_upgraded, source) is None:
                    return self._database_problem()
                full = await off_loop(self._full_crawl_due, source.name)
                recorder = None if full is None else await off_loop(
                    partial(prepare_recorder, self.db, self.crawl, source.ref, source.interval_minutes, self.topics,
                            self.listener, full=full)
                )
                if recorder is None:
                    return self._database_problem()
                # The first phase's alerts (new statements) go out while the re-checks go on.
                crawl = ArchiveCrawl(recorder, source, self.runner,
                                     on_phase_committed=lambda: self.tasks.track(self.deliver()))
                self.crawlers[source.name] = crawl.crawler
                try:
                    failure = await self._await_crawl(crawl.crawler, crawl.start())
                finally:
                    del self.crawlers[source.name]
                run = await off_loop(crawl.finish, failure)
        except CrawlInProgress as exc:
            log.warning("poll skipped: %s", exc)
            return None
        except SQLAlchemyError as error:  # the crawl lock could not be taken or given back
            self.database_work.failed(error)
            return self._database_problem()
        if run is None:
            return self._database_problem()
        self.metrics.record_run(run)
        if run.status is RunStatus.SUCCEEDED and run.finished_at is not None:
            self.health.poll_succeeded(run.source, run.finished_at)
        # A crawl's plan (the archive's identities and page validators, megabytes for a large archive) sits in
        # reference cycles with Scrapy's crawler objects: collected now, before the next poll builds another, the
        # process stays at one plan's worth instead of drifting up to two.
        gc.collect()
        return None if run.status is RunStatus.SUCCEEDED else f"crawl run {run.id} {run.status.value}"

    def _database_problem(self) -> str:
        # Named, not restated: the database's own problem is logged once, when it begins.
        fault = self.health.database.fault
        refused = fault is not None and not fault.unreachable
        return "the archive refuses writes" if refused else "the database does not answer"

    async def _await_crawl(self, crawler: Any, task: asyncio.Task[None]) -> str | None:
        """Scrapy closes the spider at crawl.timeout_minutes itself (CLOSESPIDER_TIMEOUT); this is the backstop
        for a crawl that does not close, a minute later."""
        limit = self.crawl.timeout_minutes * 60 + 60
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=limit)
            return None
        except TimeoutError:
            log.error("crawl still running %.0f s after its start: stopping it", limit)
            self.tasks.track(crawler.stop_async())
            try:
                await asyncio.wait_for(task, timeout=30)
            except TimeoutError:
                task.cancel()
            return f"the crawl hung past crawl.timeout_minutes ({self.crawl.timeout_minutes:g}) and was stopped"

    def stop_crawls(self) -> None:
        """Stops the running polls' crawls at a clean point."""
        for name, crawler in self.crawlers.items():
            log.info("stopping the running crawl of %s at a clean point", name)
            self.tasks.track(crawler.stop_async())

    def _reread_if_upgraded(self, source: ConfiguredSource) -> bool:
        """An upgrade that changed the source's extractor makes its items be read again from their snapshots before
        the poll, so that the poll does not take korus-watch's new reading for the publisher's edits."""
        from crawler.reextract import reextract_if_upgraded

        reextract_if_upgraded(self.db, source, self.topics)
        return True

    def _full_crawl_due(self, source: str) -> bool:
        """Once a day a poll reads every listing page too: statements filed into old month folders turn up."""
        from archive.read.runs import last_full_crawl

        with self.db.sessions() as session:
            last_full = last_full_crawl(session, source)
        return last_full is None or datetime.now(UTC) - last_full >= timedelta(hours=self.crawl.full_revisit_hours)

    async def deliver(self) -> None:
        if self.tasks.stopping.is_set():
            return
        with self.tasks.waited_for():
            await self.database_work.run(self._deliver_now)

    def _deliver_now(self) -> None:
        from archive.lock import JobInProgress

        try:
            report = self.dispatcher.deliver(time_limit=self.settings.delivery_pass_seconds)
        except JobInProgress:
            log.debug("another delivery pass is running; this one is skipped")
            return
        self.metrics.record_deliveries(report.sent, report.retrying, report.failed)
        if report.sent or report.retrying or report.failed or report.folded:
            log.info("deliveries sent=%d retrying=%d failed=%d folded=%d", report.sent, report.retrying,
                     report.failed, report.folded)
            self.health.refresh()

    async def digest(self, channel: str) -> None:
        def send_digest() -> None:
            digest_id, report = self.dispatcher.digest(channel)
            self.metrics.record_deliveries(report.sent, report.retrying, report.failed)
            if digest_id is None:
                log.info("digest for channel %s: no events since the last one, nothing sent", channel)
            else:
                log.info("digest %d for channel %s: sent=%d", digest_id, channel, report.sent)

        with self.tasks.waited_for():
            await self.database_work.run(send_digest)

    async def housekeeping(self) -> None:
        from scheduler.housekeeping import prune

        with self.tasks.waited_for():
            await self.database_work.run(prune, self.db, self.settings.retention_days, self.keep_snapshots)


def _log_failure(task: asyncio.Future[Any]) -> None:
    """Work started beside the jobs (a delivery pass after a poll, a crawl's stop) is awaited by no one: its error
    is logged here, or it would be lost."""
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("background work failed: %s", error, exc_info=error)
