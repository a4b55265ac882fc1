"""`korus-watch serve`: polls, deliveries, digests and housekeeping on a schedule, in one long-running process.

Twisted's reactor cannot be restarted, so it runs once, for the life of the process: the asyncio reactor,
installed before anything imports Twisted, drives APScheduler's AsyncIOScheduler and Scrapy's
AsyncCrawlerRunner on one event loop. A poll is an `async` job that awaits its crawl; everything that talks to the
database or sends (planning and finishing a crawl, the crawl's writes, deliveries, pruning, the leader check, the
health figures) runs on threads (scheduler.database_work), so that a slow database stalls neither the crawl nor the
health endpoint. The jobs themselves are in scheduler.jobs. The schedule is built from the configuration at each
start; when each job last ran is kept in the database (scheduler.job_runs)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobSubmissionEvent
from scrapy.utils.reactor import install_reactor
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from archive.db import Database
    from archive.listener import ChangeListener
    from archive.relevance import Topic
    from archive.snapshots.retention import KeepSnapshots
    from crawler.settings import CrawlSettings
    from crawler.sources.base import ConfiguredSource
    from notify.dispatcher import Dispatcher
    from scheduler.settings import ServiceSettings
    from web.settings import HttpSettings

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# How often the health endpoint's figures are read from the database.
HEALTH_REFRESH_SECONDS = 5.0
# The longest wait between attempts to reach a database that is down.
MAX_DATABASE_BACKOFF_SECONDS = 60.0

log = logging.getLogger(__name__)


def run_service(build: Callable[[], Service]) -> int:
    """Installs the asyncio reactor, builds the service (whose imports need the reactor installed), and runs it
    until SIGTERM or SIGINT; returns the exit status."""
    install_reactor(ASYNCIO_REACTOR)
    from twisted.internet import reactor as installed

    # A job still running when its next run falls due is logged in the service's words (Service._job_skipped).
    logging.getLogger("apscheduler.scheduler").addFilter(
        lambda record: "maximum number of running instances reached" not in record.getMessage()
    )

    reactor = cast(Any, installed)
    service = build()
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
    def __init__(
        self,
        db: Database,
        dispatcher: Dispatcher,
        listener: ChangeListener,
        *,
        crawl: CrawlSettings,
        sources: list[ConfiguredSource],
        topics: list[Topic],
        service: ServiceSettings,
        http: HttpSettings,
        keep_snapshots: KeepSnapshots,
        web_app: ASGIApp | None = None,
    ) -> None:
        # Imported here, after the reactor is installed: these import Twisted.
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from scrapy.crawler import AsyncCrawlerRunner

        from crawler.hosts import HostPaces
        from crawler.settings import scrapy_settings
        from scheduler.database_work import DatabaseWork
        from scheduler.health import HealthSource, ServiceMetrics
        from scheduler.jobs import Jobs, Tasks
        from scheduler.leader import Leadership
        from scheduler.schedule import poll_job

        self.db = db
        self.dispatcher = dispatcher
        self.crawl = crawl
        self.sources = sources
        self.settings = service
        self.http = http
        self.web_app = web_app
        self.health = HealthSource(db, stale_after={
            source.name: timedelta(minutes=2 * source.interval_minutes + crawl.timeout_minutes) for source in sources
        })
        self.metrics = ServiceMetrics(self.health)
        self.database_work = DatabaseWork(db, self.health, listener)
        self.tasks = Tasks()
        self.leadership = Leadership(db.engine)
        # A job missed while the service was down runs once when it is back, however late (coalesce), and never
        # twice at once.
        self.scheduler = AsyncIOScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None}, timezone=UTC
        )
        # One runner, and one pace per host, for the polls of every source: two sources on one site keep its pace.
        runner = AsyncCrawlerRunner(scrapy_settings(crawl, HostPaces()))
        self.jobs = Jobs(db, dispatcher, listener, runner, self.database_work, self.tasks, self.health, self.metrics,
                         crawl=crawl, sources=sources, topics=topics, service=service, keep_snapshots=keep_snapshots,
                         next_poll=lambda name: self._next_run(poll_job(name)))
        self.leading = False
        self._signals = 0

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
        from scheduler.http import service_app
        from web.server import WebServer

        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, self._on_signal, number)
        await asyncio.to_thread(self.health.refresh)
        refresher = asyncio.ensure_future(self._refresh_health())
        http = WebServer(service_app(self.health, self.metrics, self.web_app), self.http)
        serving = asyncio.ensure_future(http.serve())
        listening = asyncio.ensure_future(http.wait_started())
        await asyncio.wait({serving, listening}, return_when=asyncio.FIRST_COMPLETED)
        if serving.done():  # it could not listen
            refresher.cancel()
            log.error("%s", serving.exception())
            await asyncio.to_thread(self._release)
            return 1
        log.info("service started pid=%d database=%s channels=%d broken_channels=%d http=http://%s:%d/", os.getpid(),
                 self.db.url, len(self.dispatcher.channels.working), len(self.dispatcher.channels.broken),
                 self.http.host, http.port)
        try:
            await self._lead_or_stand_by()
        finally:
            await self._shut_down()
            refresher.cancel()
            http.shutdown()
            await serving
            await asyncio.to_thread(self._release)
        log.info("service stopped")
        return 0

    def _release(self) -> None:
        self.leadership.release()
        self.dispatcher.close()
        self.db.dispose()

    async def _refresh_health(self) -> None:
        while True:
            await asyncio.sleep(HEALTH_REFRESH_SECONDS)
            try:
                await asyncio.to_thread(self.health.refresh)
            except Exception:
                # A fault of one read, not of the database (HealthSource.refresh judges that): the next refresh may
                # succeed, and /healthz must not be left with figures that never change again.
                log.exception("the health figures could not be refreshed")

    async def _lead_or_stand_by(self) -> None:
        check = self.settings.leader_check_seconds
        sweep = self.settings.delivery_sweep_seconds
        last_sweep = 0.0
        failures = 0
        while not self.tasks.stopping.is_set():
            try:
                if not self.leading and await asyncio.to_thread(self.leadership.try_lead):
                    await self._start_leading()
                elif self.leading and not await asyncio.to_thread(self.leadership.still_leading):
                    log.error("scheduler lock lost: standing by")
                    self._stand_by()
                failures = 0
            except SQLAlchemyError as error:
                # The database is down: this instance waits, and leads again when it answers.
                self.database_work.failed(error)
                if self.leading:
                    self._stand_by()
                failures += 1
            if not self.leading and time.monotonic() - last_sweep >= sweep:
                # A standby still sends: deliveries are claimed row by row, so instances share them safely.
                last_sweep = time.monotonic()
                self.tasks.track(self.jobs.deliver())
            wait = min(check * 2 ** max(failures - 1, 0), max(check, MAX_DATABASE_BACKOFF_SECONDS))
            try:
                await asyncio.wait_for(self.tasks.stopping.wait(), timeout=wait)
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
        self.tasks.stopping.set()

    async def _shut_down(self) -> None:
        grace = self.settings.shutdown_grace_seconds
        if self.scheduler.running:
            self.scheduler.pause()  # no new jobs; shutting the scheduler down now would cancel the running ones
        self.health.scheduler_running = False
        self.dispatcher.stop()
        self.jobs.stop_crawls()
        pending = {task for task in self.tasks.active if not task.done()}
        if pending:
            _, still = await asyncio.wait(pending, timeout=grace)
            if still:
                log.warning("%d jobs still running after %.0f s: left for the next start (deliveries are retried)",
                            len(still), grace)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    # -- the schedule -------------------------------------------------------------------------------

    async def _start_leading(self) -> None:
        from scheduler.job_runs import job_runs
        from scheduler.schedule import DELIVER, DIGEST_PREFIX, HOUSEKEEPING, first_runs, poll_job, wanted_jobs

        def read_records() -> dict[str, Any]:
            with self.db.sessions() as session:
                return job_runs(session)

        # Built afresh on every start and takeover: what another leader ran meanwhile is in the records.
        records = await asyncio.to_thread(read_records)
        digests = {name: channel_format.channel.digest_trigger()
                   for name, channel_format in self.dispatcher.channels.working.items()
                   if channel_format.channel.mode == "digest"}
        jobs = wanted_jobs(self.sources, self.settings, digests)
        first = first_runs(jobs, records, datetime.now(UTC))
        if not self.scheduler.running:
            self.scheduler.add_listener(self._job_skipped, EVENT_JOB_MAX_INSTANCES)
            self.scheduler.start(paused=True)
        self.scheduler.remove_all_jobs()
        work: dict[str, Callable[[], Awaitable[None]]] = {
            DELIVER: self.jobs.deliver, HOUSEKEEPING: self.jobs.housekeeping,
            **{poll_job(source.name): partial(self.jobs.poll, source.name) for source in self.sources},
        }
        for job_id, trigger in jobs.items():
            run = work.get(job_id) or partial(self.jobs.digest, job_id.removeprefix(DIGEST_PREFIX))
            self.scheduler.add_job(self._job(job_id, run), trigger, id=job_id, name=job_id,
                                   next_run_time=first[job_id])
            next_run = first[job_id]
            log.info("job %s next run %s", job_id, next_run.isoformat() if next_run else "-")
        self.scheduler.resume()
        await asyncio.to_thread(self._record_schedule, first)
        self.leading = self.health.leading = True
        self.health.scheduler_running = True
        self.metrics.leader.set(1)

    def _record_schedule(self, next_runs: dict[str, datetime | None]) -> None:
        from scheduler.job_runs import record_job_run

        with self.db.sessions.begin() as session:
            for job_id, next_run_at in next_runs.items():
                record_job_run(session, job_id, ran_at=None, next_run_at=next_run_at)

    def _job_skipped(self, event: JobSubmissionEvent) -> None:
        log.warning("%s skipped at %s: the previous %s is still running", event.job_id,
                    event.scheduled_run_times[0].isoformat(timespec="seconds"), event.job_id)

    def _stand_by(self) -> None:
        self.leading = self.health.leading = False
        self.scheduler.pause()
        self.metrics.leader.set(0)

    def _job(self, job_id: str, work: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """A scheduled job: its start recorded (for restarts and `status`), then its work."""
        from scheduler.job_runs import record_job_run

        def record(ran_at: datetime, next_run_at: datetime | None) -> None:
            with self.db.sessions.begin() as session:
                record_job_run(session, job_id, ran_at=ran_at, next_run_at=next_run_at)

        async def run_job() -> None:
            if self.tasks.stopping.is_set():
                return
            await self.database_work.run(record, datetime.now(UTC), self._next_run(job_id))
            await work()

        return run_job

    def _next_run(self, job_id: str) -> datetime | None:
        """When the schedule runs a job next: None for a job it does not hold, or while this instance stands by."""
        from apscheduler.schedulers.base import STATE_RUNNING

        job = self.scheduler.get_job(job_id)
        return job.next_run_time if job is not None and self.scheduler.state == STATE_RUNNING else None
