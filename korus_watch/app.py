"""The composition root: the one place that builds korus-watch's parts from the settings and wires them together
(the archive, the crawl with the notifier's outbox as its listener, the dispatcher, the service)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from archive.db import Database
from archive.models import CrawlRun
from archive.queries import archive_status
from korus_watch.settings import Settings
from notify.deliveries import queue_counts
from notify.outbox import Outbox
from scheduler.job_runs import job_schedule

if TYPE_CHECKING:
    from notify.dispatcher import Dispatcher
    from scheduler.service import Service


def open_database(settings: Settings) -> Database:
    return Database(settings.database.url)


def crawl_once(db: Database, settings: Settings, *, full: bool) -> CrawlRun:
    """One crawl in this process, its events queued for the channels."""
    from crawler.run import run_crawl

    return run_crawl(db, settings.crawl, settings.enabled_topics(), Outbox(settings.notifier()), full=full)


def dispatcher(db: Database, settings: Settings) -> Dispatcher:
    from notify.dispatcher import Dispatcher

    return Dispatcher(db, settings.notifier())


def serve(settings: Settings) -> int:
    """Runs the service until SIGTERM or SIGINT; returns the exit status."""
    from scheduler.service import run_service

    return run_service(lambda: _service(settings))


def _service(settings: Settings) -> Service:
    # Imported here: the service's modules import Twisted, whose reactor run_service installs first.
    from scheduler.service import Service

    db = open_database(settings)
    return Service(
        db,
        dispatcher(db, settings),
        Outbox(settings.notifier()),
        crawl=settings.crawl,
        topics=settings.enabled_topics(),
        service=settings.service,
        http=settings.http,
    )


def status(session: Session) -> dict[str, Any]:
    """What `korus-watch status` shows: the archive's state, the delivery queue and the service's schedule."""
    return {**archive_status(session), "deliveries": queue_counts(session), "jobs": job_schedule(session)}
