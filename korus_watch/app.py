"""The composition root: the one place that builds korus-watch's parts from the settings and wires them together
(the archive, the crawl with the notifier's outbox as its listener, the dispatcher, the web app, the service)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from archive.db import Database
from archive.models import CrawlRun
from archive.read.runs import archive_status, recent_runs
from korus_watch.settings import Settings
from notify.deliveries import list_deliveries, queue_counts
from notify.outbox import Outbox
from scheduler.job_runs import job_schedule

if TYPE_CHECKING:
    from fastapi import FastAPI

    from crawler.reextract import Counts
    from crawler.sources.base import ConfiguredSource
    from notify.dispatcher import Dispatcher
    from scheduler.service import Service

# What the web app's status page lists.
_RUNS_SHOWN = 20
_DEAD_LETTERS_SHOWN = 50


def open_database(settings: Settings) -> Database:
    return Database(settings.database.url)


def sources(settings: Settings) -> list[ConfiguredSource]:
    from crawler.sources.registry import configured_sources

    return configured_sources(settings.crawl, settings.sources)


def crawl_once(db: Database, settings: Settings, names: list[str] | None, *, full: bool) -> list[CrawlRun]:
    """One crawl of the named sources (all of them: None) at once in this process, their events queued for the
    channels."""
    from crawler.run import run_crawl

    chosen = [source for source in sources(settings) if names is None or source.name in names]
    return run_crawl(db, settings.crawl, chosen, settings.enabled_topics(), Outbox(settings.notifier()), full=full)


def reextract(
    db: Database, settings: Settings, names: list[str] | None, *, dry_run: bool, say: Callable[[str], None]
) -> Counts:
    """Re-reads the named sources' items (all of them: None) from their stored responses, each under its crawl lock;
    the counts of them all."""
    from archive.lock import crawl_lock
    from crawler.reextract import Counts, reextract

    total = Counts()
    for source in sources(settings):
        if names is not None and source.name not in names:
            continue
        with crawl_lock(db.engine, source.name):
            counts = reextract(db, source, settings.enabled_topics(), dry_run=dry_run, say=say)
        total.add(counts)
    return total


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
        sources=sources(settings),
        topics=settings.enabled_topics(),
        service=settings.service,
        http=settings.http,
        keep_snapshots=settings.archive.keep_snapshots,
        web_app=web_app(db, settings),
    )


def status(session: Session, settings: Settings) -> dict[str, Any]:
    """What `korus-watch status` shows: the archive's state (each source's), the delivery queue and the service's
    schedule."""
    return {**archive_status(session, settings.source_names()), "deliveries": queue_counts(session),
            "jobs": job_schedule(session)}


def web_app(db: Database, settings: Settings) -> FastAPI:
    """The read side: pages, search, feeds and the JSON API over the archive."""
    from web.app import create_app
    from web.params import KnownValues

    configured = sources(settings)
    known = KnownValues(topic=[topic.name for topic in settings.enabled_topics()],
                        section=list(dict.fromkeys(section for source in configured for section in source.sections)),
                        source=[source.name for source in configured])
    return create_app(db, settings.http, status_source(db, settings), known)


def serve_web(db: Database, settings: Settings, *, host: str | None = None, port: int | None = None) -> None:
    """`korus-watch web`: the web app alone, until SIGINT or SIGTERM, at `host` and `port` when given (its command
    line's) instead of `[http]`'s."""
    from web.server import run

    given = {"host": host, "port": port}
    settings = settings.model_copy(update={"http": settings.http.model_copy(
        update={key: value for key, value in given.items() if value is not None})})
    run(web_app(db, settings), settings.http)


def status_source(db: Database, settings: Settings) -> Callable[[], dict[str, Any]]:
    """The web app's /status: crawl runs, health problems, the delivery queue and dead letters, the channels (secrets
    masked) and each job's next run, each from the package that owns it."""
    # Imported here: the channels' formats bring httpx and Jinja2, which a crawl started from the CLI never needs.
    from notify.channels import channel_overview

    channels = [
        {key: row[key] for key in ("name", "type", "mode", "target", "problem")}
        for row in channel_overview(settings.notifier())
    ]

    def read() -> dict[str, Any]:
        with db.sessions() as session:
            archive = archive_status(session, settings.source_names())
            dead_letters = list_deliveries(session, failed=True, limit=_DEAD_LETTERS_SHOWN)
            return {
                "crawl_runs": recent_runs(session, _RUNS_SHOWN),
                "last_success_at": archive["last_success_at"],
                "health_problems": archive["health_problems"],
                "delivery_queue": queue_counts(session),
                "dead_letters": [
                    {key: row[key] for key in ("id", "channel", "kind", "attempts", "created_at", "last_error")}
                    for row in dead_letters
                ],
                "channels": channels,
                "jobs": job_schedule(session),
            }

    return read
