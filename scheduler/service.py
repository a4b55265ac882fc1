"""`korus-watch serve`: polls, deliveries, digests and housekeeping on a schedule, in one long-running process.

Twisted's reactor cannot be restarted, so it runs once, for the life of the process: the asyncio reactor,
installed before anything imports Twisted, drives APScheduler's AsyncIOScheduler and Scrapy's
AsyncCrawlerRunner on one event loop. A poll is an `async` job that awaits its crawl; blocking work (sending,
pruning) runs in threads. Schedules live in the archive's database (the `scheduler_jobs` table), so a restart
keeps them."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import random
import signal
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from scrapy.utils.reactor import install_reactor

from korus_watch.settings import Settings
from notify.channels import Channels, digest_trigger

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# Overdue jobs found at start are spread this far apart instead of all firing at once.
_START_SPREAD_SECONDS = 5.0
_HOUSEKEEPING_CRON = {"hour": 3, "minute": 17}

log = logging.getLogger(__name__)


Wanted = dict[str, tuple[str, Any, tuple[Any, ...]]]


def scheduler_options(db: Any) -> dict[str, Any]:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    return {
        "jobstores": {"default": SQLAlchemyJobStore(engine=db.engine, tablename="scheduler_jobs")},
        # A job missed while the service was down runs once when it is back, however late (coalesce), and never
        # twice at once.
        "job_defaults": {"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        "timezone": UTC,
    }


def wanted_jobs(settings: Settings, channels: Channels) -> Wanted:
    """The jobs the configuration asks for: id -> (function reference, trigger, arguments)."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    service, crawl = settings.service, settings.crawl
    wanted: Wanted = {
        "poll": ("scheduler.jobs:poll",
                 IntervalTrigger(minutes=crawl.interval_minutes, jitter=service.poll_jitter_seconds or None), ()),
        "deliver": ("scheduler.jobs:deliver", IntervalTrigger(seconds=service.delivery_sweep_seconds), ()),
        "housekeeping": ("scheduler.jobs:housekeeping", CronTrigger(**_HOUSEKEEPING_CRON, timezone=UTC), ()),
    }
    for name, channel_format in channels.working.items():
        if channel_format.channel.mode == "digest":
            wanted[f"digest:{name}"] = ("scheduler.jobs:digest", digest_trigger(channel_format.channel), (name,))
    return wanted


def sync_jobs(scheduler: Any, wanted: Wanted) -> None:
    """Adds and updates the configured jobs (id -> function reference, trigger, arguments). A stored job whose
    trigger is unchanged keeps its next run time, so a run missed while the service was down still happens."""
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            log.info("job %s removed: no longer configured", job.id)
            job.remove()
    stored = {job.id: job for job in scheduler.get_jobs()}
    for job_id, (function, trigger, args) in wanted.items():
        job = stored.get(job_id)
        if job is not None and str(job.trigger) == str(trigger) and job.func_ref == function:
            continue
        # A poll new to the store runs soon, not a whole interval after the first start.
        first_run = {"next_run_time": datetime.now(UTC) + timedelta(seconds=_START_SPREAD_SECONDS)} \
            if job_id == "poll" and job is None else {}
        scheduler.add_job(function, trigger, args=args, id=job_id, name=job_id, replace_existing=True, **first_run)


def spread_overdue(scheduler: Any) -> None:
    """Jobs that fell due while the service was down run once each, a few seconds apart, not all at once."""
    now = datetime.now(UTC)
    overdue = sorted((job for job in scheduler.get_jobs() if job.next_run_time and job.next_run_time <= now),
                     key=lambda job: job.next_run_time)
    for index, job in enumerate(overdue):
        start = now + timedelta(seconds=_START_SPREAD_SECONDS * index + random.uniform(0, 1))
        log.info("job %s was due at %s: runs once at %s", job.id, job.next_run_time.isoformat(),
                 start.isoformat(timespec="seconds"))
        job.modify(next_run_time=start)


def _not_a_skipped_poll(record: logging.LogRecord) -> bool:
    # A crawl longer than the interval (a baseline, a slow site) makes APScheduler warn at every tick that the
    # next poll waits: that is max_instances=1 doing its job, not a problem worth a warning.
    return "maximum number of running instances reached" not in record.getMessage()


def serve(settings: Settings) -> int:
    """Runs the service until SIGTERM or SIGINT; returns the exit status."""
    logging.getLogger("apscheduler.scheduler").addFilter(_not_a_skipped_poll)
    install_reactor(ASYNCIO_REACTOR)
    from twisted.internet import reactor as installed

    reactor = cast(Any, installed)

    service = Service(settings)
    outcome: list[int] = []

    async def main() -> None:
        try:
            outcome.append(await service.run())
        except Exception:
            log.exception("the service failed")
            outcome.append(1)
        finally:
            reactor.stop()

    reactor.callWhenRunning(lambda: asyncio.ensure_future(main()))
    reactor.run(installSignalHandlers=False)
    return outcome[0] if outcome else 1


class Service:
    def __init__(self, settings: Settings) -> None:
        # Imported here, after the reactor is installed: these import Twisted.
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from scrapy.crawler import AsyncCrawlerRunner

        from archive.db import Database
        from crawler.settings import scrapy_settings
        from notify.dispatcher import Dispatcher
        from scheduler.health import ServiceMetrics
        from scheduler.leader import Leadership

        self.settings = settings
        self.db = Database(settings.database.url)
        self.dispatcher = Dispatcher(self.db, settings)
        self.runner = AsyncCrawlerRunner(scrapy_settings(settings.crawl))
        self.metrics = ServiceMetrics(self.db)
        self.leadership = Leadership(self.db.engine)
        self.scheduler = AsyncIOScheduler(**scheduler_options(self.db))
        self.started_at = datetime.now(UTC)
        self.leading = False
        self._stop = asyncio.Event()
        self._signals = 0
        self._crawler: Any = None
        self._active: set[asyncio.Task[Any]] = set()

    # -- life cycle ---------------------------------------------------------------------------------

    async def run(self) -> int:
        from archive.lock import JobInProgress, job_lock

        with ExitStack() as sole_instance:
            if not self.leadership.shared:
                busy = JobInProgress(f"another korus-watch serve is running on {self.db.url}; SQLite takes one "
                                     "instance (use PostgreSQL to run several)")
                try:
                    sole_instance.enter_context(job_lock(self.db.engine, "serve", busy))
                except JobInProgress as exc:
                    log.error("%s", exc)
                    return 1
            return await self._run()

    async def _run(self) -> int:
        from scheduler import jobs
        from scheduler.http import start_http

        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, self._on_signal, number)
        jobs.attach(self)
        http = start_http(self)
        log.info("service started pid=%d database=%s channels=%d broken_channels=%d", os.getpid(), self.db.url,
                 len(self.dispatcher.channels.working), len(self.dispatcher.channels.broken))
        try:
            await self._lead_or_stand_by()
        finally:
            await self._shut_down()
            http.stopListening()
            jobs.attach(None)
            self.leadership.release()
            self.dispatcher.close()
            self.db.dispose()
        log.info("service stopped")
        return 0

    async def _lead_or_stand_by(self) -> None:
        check = self.settings.service.leader_check_seconds
        sweep = self.settings.service.delivery_sweep_seconds
        last_sweep = 0.0
        while not self._stop.is_set():
            if not self.leading and self.leadership.try_lead():
                self._start_leading()
            elif self.leading and not self.leadership.still_leading():
                log.error("scheduler lock lost: standing by")
                self.leading = False
                self.scheduler.pause()
                self.metrics.leader.set(0)
            if not self.leading and time.monotonic() - last_sweep >= sweep:
                # A standby still sends: deliveries are claimed row by row, so instances share them safely.
                last_sweep = time.monotonic()
                self._track(self.deliver())
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=check)
            except TimeoutError:
                pass

    def _on_signal(self, number: int) -> None:
        self._signals += 1
        if self._signals > 1:
            # Every write is a transaction: stopping now loses nothing that was committed.
            log.warning("second %s: exiting at once", signal.Signals(number).name)
            logging.shutdown()
            os._exit(128 + number)
        log.info("%s: stopping (a second signal exits at once)", signal.Signals(number).name)
        self._stop.set()

    async def _shut_down(self) -> None:
        grace = self.settings.service.shutdown_grace_seconds
        if self.scheduler.running:
            self.scheduler.pause()  # no new jobs; shutting the scheduler down now would cancel the running ones
        self.dispatcher.stop()
        if self._crawler is not None:
            log.info("stopping the running crawl at a clean point")
            self._track(self._crawler.stop_async())
        pending = {task for task in self._active if not task.done()}
        if pending:
            _, still = await asyncio.wait(pending, timeout=grace)
            if still:
                log.warning("%d jobs still running after %.0f s: left for the next start (deliveries are retried)",
                            len(still), grace)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def _track(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._active.add(task)
        task.add_done_callback(self._active.discard)

    # -- the schedule -------------------------------------------------------------------------------

    def _start_leading(self) -> None:
        self.leading = True
        self.metrics.leader.set(1)
        if self.scheduler.running:
            self.scheduler.resume()
            log.info("leading the scheduler again")
            return
        self.scheduler.start(paused=True)
        sync_jobs(self.scheduler, wanted_jobs(self.settings, self.dispatcher.channels))
        spread_overdue(self.scheduler)
        self.scheduler.resume()
        for job in self.scheduler.get_jobs():
            log.info("job %s next run %s", job.id, job.next_run_time.isoformat() if job.next_run_time else "-")

    # -- the jobs -----------------------------------------------------------------------------------

    async def poll(self) -> None:
        if self._stop.is_set():
            return
        with self._shutdown_waits_for_this_job():
            await self._poll()
        await self.deliver()

    async def _poll(self) -> None:
        from archive.lock import CrawlInProgress, crawl_lock
        from crawler.run import ArchiveCrawl

        try:
            with crawl_lock(self.db.engine):
                crawl = ArchiveCrawl(self.db, self.settings, self.runner, full=self._full_crawl_due())
                self._crawler = crawl.crawler
                try:
                    failure = await self._await_crawl(crawl.crawler, crawl.start())
                finally:
                    self._crawler = None
                run = crawl.finish(failure)
        except CrawlInProgress as exc:
            log.warning("poll skipped: %s", exc)
            return
        self.metrics.record_run(run)
        # A crawl's plan (the archive's identities and page validators, megabytes for a large archive) sits in
        # reference cycles with Scrapy's crawler objects: collected now, before the next poll builds another, the
        # process stays at one plan's worth instead of drifting up to two.
        gc.collect()

    async def _await_crawl(self, crawler: Any, task: asyncio.Task[None]) -> str | None:
        """Scrapy closes the spider at crawl.timeout_minutes itself (CLOSESPIDER_TIMEOUT); this is the backstop
        for a crawl that does not close, a minute later."""
        limit = self.settings.crawl.timeout_minutes * 60 + 60
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=limit)
            return None
        except TimeoutError:
            log.error("crawl still running %.0f s after its start: stopping it", limit)
            self._track(crawler.stop_async())
            try:
                await asyncio.wait_for(task, timeout=30)
            except TimeoutError:
                task.cancel()
            return f"the crawl hung past crawl.timeout_minutes ({self.settings.crawl.timeout_minutes:g}) and was stopped"

    def _full_crawl_due(self) -> bool:
        """Once a day a poll reads every listing page too: statements filed into old month folders turn up."""
        from sqlalchemy import func, select

        from archive.models import CrawlRun, RunStatus

        with self.db.sessions() as session:
            last_full = session.scalar(
                select(func.max(CrawlRun.started_at)).where(CrawlRun.full.is_(True),
                                                            CrawlRun.status == RunStatus.SUCCEEDED)
            )
        return last_full is None or datetime.now(UTC) - last_full >= timedelta(
            hours=self.settings.crawl.full_revisit_hours
        )

    async def deliver(self) -> None:
        if self._stop.is_set():
            return
        await self._in_thread(self._deliver_now)

    def _deliver_now(self) -> None:
        from archive.lock import JobInProgress

        try:
            report = self.dispatcher.deliver()
        except JobInProgress:
            log.debug("another delivery pass is running; this one is skipped")
            return
        self.metrics.record_deliveries(report.sent, report.retrying, report.failed)
        if report.sent or report.retrying or report.failed or report.folded:
            log.info("deliveries sent=%d retrying=%d failed=%d folded=%d", report.sent, report.retrying,
                     report.failed, report.folded)

    async def digest(self, channel: str) -> None:
        def send_digest() -> None:
            digest_id, report = self.dispatcher.digest(channel)
            self.metrics.record_deliveries(report.sent, report.retrying, report.failed)
            if digest_id is None:
                log.info("digest for channel %s: no events since the last one, nothing sent", channel)
            else:
                log.info("digest %d for channel %s: sent=%d", digest_id, channel, report.sent)

        if channel not in self.dispatcher.channels.working:
            log.error("digest for channel %s not sent: %s", channel,
                      self.dispatcher.channels.broken.get(channel, "not configured"))
            return
        await self._in_thread(send_digest)

    async def housekeeping(self) -> None:
        from scheduler.housekeeping import prune

        await self._in_thread(prune, self.db, self.settings.service.retention_days)

    async def _in_thread(self, function: Any, *args: Any) -> None:
        with self._shutdown_waits_for_this_job():
            await asyncio.to_thread(function, *args)

    @contextmanager
    def _shutdown_waits_for_this_job(self) -> Iterator[None]:
        task = asyncio.current_task()
        assert task is not None, "jobs run as tasks"
        self._active.add(task)
        try:
            yield
        finally:
            self._active.discard(task)
