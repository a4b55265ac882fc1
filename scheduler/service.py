"""`korus-watch serve`: polls, deliveries, digests and housekeeping on a schedule, in one long-running process.

Twisted's reactor cannot be restarted, so it runs once, for the life of the process: the asyncio reactor,
installed before anything imports Twisted, drives APScheduler's AsyncIOScheduler and Scrapy's
AsyncCrawlerRunner on one event loop. A poll is an `async` job that awaits its crawl; everything that talks to the
database or sends (planning and finishing a crawl, the crawl's writes, deliveries, pruning, the leader check, the
health figures) runs on threads, so that a slow database stalls neither the crawl nor the health endpoint. The
schedule is built from the configuration at each start; when each job last ran is kept in the database
(scheduler.job_runs)."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar, cast

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobSubmissionEvent
from scrapy.utils.reactor import install_reactor
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from archive.db import Database, DatabaseFault
    from archive.listener import ChangeListener
    from archive.relevance import Topic
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
Result = TypeVar("Result")


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
        web_app: ASGIApp | None = None,
    ) -> None:
        # Imported here, after the reactor is installed: these import Twisted.
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from scrapy.crawler import AsyncCrawlerRunner

        from crawler.hosts import HostPaces
        from crawler.settings import scrapy_settings
        from scheduler.health import HealthSource, ServiceMetrics
        from scheduler.leader import Leadership

        self.db = db
        self.dispatcher = dispatcher
        self.listener = listener
        self.crawl = crawl
        self.sources = {source.name: source for source in sources}
        self.topics = topics
        self.settings = service
        self.http = http
        self.web_app = web_app
        # One runner, and one pace per host, for the polls of every source: two sources on one site keep its pace.
        self.runner = AsyncCrawlerRunner(scrapy_settings(crawl, HostPaces()))
        self.health = HealthSource(db, stale_after={
            source.name: timedelta(minutes=2 * source.interval_minutes + crawl.timeout_minutes) for source in sources
        })
        self.metrics = ServiceMetrics(self.health)
        self.leadership = Leadership(db.engine)
        # A job missed while the service was down runs once when it is back, however late (coalesce), and never
        # twice at once.
        self.scheduler = AsyncIOScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None}, timezone=UTC
        )
        self.leading = False
        self._stop = asyncio.Event()
        self._signals = 0
        # The running crawl of each source, to stop at a clean point on shutdown.
        self._crawlers: dict[str, Any] = {}
        # A refusal of writes not yet recorded in the archive (it refused that too).
        self._unrecorded_fault: DatabaseFault | None = None
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
        while not self._stop.is_set():
            try:
                if not self.leading and await asyncio.to_thread(self.leadership.try_lead):
                    await self._start_leading()
                elif self.leading and not await asyncio.to_thread(self.leadership.still_leading):
                    log.error("scheduler lock lost: standing by")
                    self._stand_by()
                failures = 0
            except SQLAlchemyError as error:
                # The database is down: this instance waits, and leads again when it answers.
                self._database_failed(error)
                if self.leading:
                    self._stand_by()
                failures += 1
            if not self.leading and time.monotonic() - last_sweep >= sweep:
                # A standby still sends: deliveries are claimed row by row, so instances share them safely.
                last_sweep = time.monotonic()
                self._track(self.deliver())
            wait = min(check * 2 ** max(failures - 1, 0), max(check, MAX_DATABASE_BACKOFF_SECONDS))
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=wait)
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
        grace = self.settings.shutdown_grace_seconds
        if self.scheduler.running:
            self.scheduler.pause()  # no new jobs; shutting the scheduler down now would cancel the running ones
        self.health.scheduler_running = False
        self.dispatcher.stop()
        for name, crawler in self._crawlers.items():
            log.info("stopping the running crawl of %s at a clean point", name)
            self._track(crawler.stop_async())
        pending = {task for task in self._active if not task.done()}
        if pending:
            _, still = await asyncio.wait(pending, timeout=grace)
            if still:
                log.warning("%d jobs still running after %.0f s: left for the next start (deliveries are retried)",
                            len(still), grace)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def _track(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._active.add(task)
        task.add_done_callback(self._active.discard)
        task.add_done_callback(_log_failure)

    # -- the schedule -------------------------------------------------------------------------------

    async def _start_leading(self) -> None:
        from notify.channels import digest_trigger
        from scheduler.job_runs import job_runs
        from scheduler.schedule import DELIVER, DIGEST_PREFIX, HOUSEKEEPING, first_runs, poll_job, wanted_jobs

        def read_records() -> dict[str, Any]:
            with self.db.sessions() as session:
                return job_runs(session)

        # Built afresh on every start and takeover: what another leader ran meanwhile is in the records.
        records = await asyncio.to_thread(read_records)
        digests = {name: digest_trigger(channel_format.channel)
                   for name, channel_format in self.dispatcher.channels.working.items()
                   if channel_format.channel.mode == "digest"}
        jobs = wanted_jobs(list(self.sources.values()), self.settings, digests)
        first = first_runs(jobs, records, datetime.now(UTC))
        if not self.scheduler.running:
            self.scheduler.add_listener(self._job_skipped, EVENT_JOB_MAX_INSTANCES)
            self.scheduler.start(paused=True)
        self.scheduler.remove_all_jobs()
        work: dict[str, Callable[[], Awaitable[None]]] = {
            DELIVER: self.deliver, HOUSEKEEPING: self.housekeeping,
            **{poll_job(name): partial(self.poll, name) for name in self.sources},
        }
        for job_id, trigger in jobs.items():
            run = work.get(job_id) or partial(self.digest, job_id.removeprefix(DIGEST_PREFIX))
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
            if self._stop.is_set():
                return
            job = self.scheduler.get_job(job_id)
            await self._off_loop(record, datetime.now(UTC), job.next_run_time if job else None)
            await work()

        return run_job

    # -- the jobs -----------------------------------------------------------------------------------

    async def poll(self, name: str) -> None:
        """Polls one source; the sources' polls run on their own schedules, and at once."""
        with self._shutdown_waits_for_this_job():
            await self._poll(self.sources[name])
        # Detection never waits for delivery: the pass runs on its own.
        self._track(self.deliver())

    async def _poll(self, source: ConfiguredSource) -> None:
        from archive.lock import CrawlInProgress, crawl_lock
        from archive.models import RunStatus
        from crawler.planning import prepare_recorder
        from crawler.run import ArchiveCrawl

        try:
            async with self._held_off_loop(crawl_lock(self.db.engine, source.name)):
                if self._unrecorded_fault is not None:
                    fault, self._unrecorded_fault = self._unrecorded_fault, None
                    if await self._off_loop(self._record_fault, fault) is None:
                        return  # still refused: the poll waits for the archive
                    self.health.database.wrote()
                full = await self._off_loop(self._full_crawl_due, source.name)
                recorder = None if full is None else await self._off_loop(
                    partial(prepare_recorder, self.db, self.crawl, source.ref, source.interval_minutes, self.topics,
                            self.listener, full=full)
                )
                if recorder is None:
                    return
                # The first phase's alerts (new statements) go out while the re-checks go on.
                crawl = ArchiveCrawl(recorder, source, self.runner,
                                     on_phase_committed=lambda: self._track(self.deliver()))
                self._crawlers[source.name] = crawl.crawler
                try:
                    failure = await self._await_crawl(crawl.crawler, crawl.start())
                finally:
                    del self._crawlers[source.name]
                run = await self._off_loop(crawl.finish, failure)
        except CrawlInProgress as exc:
            log.warning("poll skipped: %s", exc)
            return
        except SQLAlchemyError as error:  # the crawl lock could not be taken or given back
            self._database_failed(error)
            return
        if run is None:
            return
        self.metrics.record_run(run)
        if run.status is RunStatus.SUCCEEDED and run.finished_at is not None:
            self.health.poll_succeeded(run.source, run.finished_at)
        # A crawl's plan (the archive's identities and page validators, megabytes for a large archive) sits in
        # reference cycles with Scrapy's crawler objects: collected now, before the next poll builds another, the
        # process stays at one plan's worth instead of drifting up to two.
        gc.collect()

    async def _await_crawl(self, crawler: Any, task: asyncio.Task[None]) -> str | None:
        """Scrapy closes the spider at crawl.timeout_minutes itself (CLOSESPIDER_TIMEOUT); this is the backstop
        for a crawl that does not close, a minute later."""
        limit = self.crawl.timeout_minutes * 60 + 60
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
            return f"the crawl hung past crawl.timeout_minutes ({self.crawl.timeout_minutes:g}) and was stopped"

    def _full_crawl_due(self, source: str) -> bool:
        """Once a day a poll reads every listing page too: statements filed into old month folders turn up."""
        from archive.read.runs import last_full_crawl

        with self.db.sessions() as session:
            last_full = last_full_crawl(session, source)
        return last_full is None or datetime.now(UTC) - last_full >= timedelta(hours=self.crawl.full_revisit_hours)

    async def deliver(self) -> None:
        if self._stop.is_set():
            return
        with self._shutdown_waits_for_this_job():
            await self._off_loop(self._deliver_now)

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

        with self._shutdown_waits_for_this_job():
            await self._off_loop(send_digest)

    async def housekeeping(self) -> None:
        from scheduler.housekeeping import prune

        with self._shutdown_waits_for_this_job():
            await self._off_loop(prune, self.db, self.settings.retention_days)

    # -- off the event loop -------------------------------------------------------------------------

    async def _off_loop(self, function: Callable[..., Result], *args: Any) -> Result | None:
        """Runs database work on a thread. A database that does not answer, or refuses writes, is logged (once) and
        the work is left for the next time it is due (None); a refusal is also recorded as a health problem as soon
        as the archive takes writes again."""
        from archive.db import ArchiveUnwritable, DatabaseFault, lasting_failure

        try:
            result = await asyncio.to_thread(function, *args)
        except SQLAlchemyError as error:
            fault = lasting_failure(error)
            if fault is None:
                raise  # a fault of this one piece of work, not of the database: the job's error is logged
        except ArchiveUnwritable as error:
            fault = DatabaseFault(False, str(error))
        else:
            self.health.database.answered()
            return result
        self.health.database.failed(fault)
        if not fault.unreachable:
            self._unrecorded_fault = fault
        return None

    def _database_failed(self, error: SQLAlchemyError) -> None:
        from archive.db import DatabaseFault, lasting_failure

        self.health.database.failed(lasting_failure(error) or DatabaseFault(True, " ".join(str(error).split())[:300]))

    def _record_fault(self, fault: DatabaseFault) -> bool:
        """The archive took no writes for a while: now that it may, the health problem and its alert."""
        from archive.guard import Finding
        from archive.health import record_findings
        from archive.models import HealthKind

        finding = Finding(HealthKind.ARCHIVE_UNWRITABLE,
                          f"the archive could not be written ({fault.reason}): polls and deliveries waited")
        with self.db.sessions.begin() as session:
            record_findings(session, [finding], None, None, self.listener, resolve_others=False)
        return True

    @asynccontextmanager
    async def _held_off_loop(self, lock: AbstractContextManager[None]) -> AsyncIterator[None]:
        """A lock whose taking and releasing talk to the database, taken and released on a thread."""
        await asyncio.to_thread(lock.__enter__)
        try:
            yield
        finally:
            await asyncio.to_thread(lock.__exit__, None, None, None)

    @contextmanager
    def _shutdown_waits_for_this_job(self) -> Iterator[None]:
        task = asyncio.current_task()
        assert task is not None, "jobs run as tasks"
        self._active.add(task)
        try:
            yield
        finally:
            self._active.discard(task)


def _log_failure(task: asyncio.Future[Any]) -> None:
    """Work started beside the jobs (a delivery pass after a poll, a crawl's stop) is awaited by no one: its error
    is logged here, or it would be lost."""
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("background work failed: %s", error, exc_info=error)
