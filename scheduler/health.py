"""What `/healthz` and `/metrics` report about the service.

The figures read from the database are refreshed on a thread every few seconds and kept here, so that a health
check never waits for the database: a stalled or unreachable database is itself what it reports."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from archive.db import Database, DatabaseFault, lasting_failure
from archive.models import CrawlRun, EventKind, utcnow
from archive.read.runs import last_successful_crawls, open_problem_count
from notify.deliveries import counts_by_channel, last_sent_by_channel
from notify.models import DeliveryStatus

# Counters' "_created" series mean nothing to a dashboard of this service.
disable_created_metrics()

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    healthy: bool
    reason: str
    details: dict[str, Any]


@dataclass
class ArchiveFigures:
    """The database's part of the service's health, as last read."""

    # Each source's last successful poll.
    last_success: dict[str, datetime] = field(default_factory=dict)
    open_problems: int = 0
    deliveries: list[tuple[str, str, int]] = field(default_factory=list)  # channel, status, count
    last_sent: dict[str, datetime] = field(default_factory=dict)


class DatabaseState:
    """Whether the database answers and takes writes; an outage is logged once when it starts and once when it
    ends."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.fault: DatabaseFault | None = None

    @property
    def reachable(self) -> bool:
        return self.fault is None or not self.fault.unreachable

    @property
    def problem(self) -> str | None:
        return None if self.fault is None else self.problem_of(self.fault)

    def failed(self, fault: DatabaseFault) -> None:
        if self.fault is None:
            log.error("%s (%s); retrying", self.problem_of(fault), self.database)
        self.fault = fault

    def answered(self) -> None:
        """A read succeeded: the database is back, though it may still refuse writes."""
        if self.fault is not None and self.fault.unreachable:
            self._mended()

    def wrote(self) -> None:
        if self.fault is not None:
            self._mended()

    def _mended(self) -> None:
        log.info("database %s answers again", self.database)
        self.fault = None

    @staticmethod
    def problem_of(fault: DatabaseFault) -> str:
        return f"database {'unreachable' if fault.unreachable else 'refuses writes'}: {fault.reason}"


class HealthSource:
    """The service's health: its own state, and the archive's figures refreshed off the event loop."""

    def __init__(self, db: Database, stale_after: dict[str, timedelta]) -> None:
        """`stale_after`: each source's, how long without a successful poll before the service is unhealthy."""
        self.db = db
        self.stale_after = stale_after
        self.started_at = utcnow()
        self.database = DatabaseState(db.url)
        self.figures = ArchiveFigures()
        self.scheduler_running = False
        self.leading = False

    def refresh(self) -> None:
        """Reads the archive's figures (blocking: run it on a thread)."""
        try:
            with self.db.sessions() as session:
                figures = ArchiveFigures(
                    last_success=last_successful_crawls(session),
                    open_problems=open_problem_count(session),
                    deliveries=counts_by_channel(session),
                    last_sent=last_sent_by_channel(session),
                )
        except SQLAlchemyError as error:
            fault = lasting_failure(error)
            if fault is None:
                raise
            self.database.failed(fault)
            return
        self.database.answered()
        self.figures = figures

    def poll_succeeded(self, source: str, finished_at: datetime) -> None:
        self.figures.last_success[source] = finished_at

    def verdict(self) -> Verdict:
        """Healthy while the database answers, the scheduler runs (or this instance stands by for a leader), and
        every source was polled successfully lately (its detail says which were not)."""
        now = utcnow()
        role = "leader" if self.leading else "standby"
        sources = {
            name: {
                "last_successful_poll": success.isoformat() if (success := self.figures.last_success.get(name)) else None,
                "stale_after_seconds": stale.total_seconds(),
                "fresh": success is not None and now - success <= stale,
            }
            for name, stale in self.stale_after.items()
        }
        details: dict[str, Any] = {"role": role, "sources": sources, "database": self.database.database}
        if self.database.problem is not None:
            return Verdict(False, self.database.problem, details)
        if role == "leader" and not self.scheduler_running:
            return Verdict(False, "the scheduler is not running", details)
        stale = [name for name, source in sources.items() if not source["fresh"]]
        if not stale:
            return Verdict(True, "ok", details)
        if now - self.started_at <= max(self.stale_after[name] for name in stale):
            return Verdict(True, "starting: no recent successful poll yet of " + ", ".join(stale), details)
        return Verdict(False, "no recent successful poll of " + ", ".join(
            f"{name} (since {sources[name]['last_successful_poll'] or 'ever'})" for name in stale
        ), details)


class _HealthCollector(Collector):
    """Gauges of the archive's figures as last read, so that every instance reports the same queue."""

    def __init__(self, source: HealthSource) -> None:
        self.source = source

    def collect(self) -> Iterator[GaugeMetricFamily]:
        figures = self.source.figures
        deliveries = GaugeMetricFamily("korus_watch_deliveries", "Deliveries in the log by channel and status",
                                       labels=["channel", "status"])
        depth = GaugeMetricFamily("korus_watch_delivery_queue_depth", "Deliveries waiting to be sent",
                                  labels=["channel"])
        waiting: dict[str, int] = {}
        for channel, status, count in figures.deliveries:
            deliveries.add_metric([channel, status], count)
            if status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING):
                waiting[channel] = waiting.get(channel, 0) + count
        for channel, count in waiting.items():
            depth.add_metric([channel], count)
        yield deliveries
        yield depth
        sent = GaugeMetricFamily("korus_watch_last_delivery_timestamp_seconds",
                                 "When each channel last got a message", labels=["channel"])
        for channel, sent_at in figures.last_sent.items():
            sent.add_metric([channel], sent_at.timestamp())
        yield sent
        last_success = GaugeMetricFamily("korus_watch_last_successful_poll_timestamp_seconds",
                                         "When a poll of each source last succeeded", labels=["source"])
        for source, finished_at in figures.last_success.items():
            last_success.add_metric([source], finished_at.timestamp())
        yield last_success
        yield GaugeMetricFamily("korus_watch_open_health_problems", "Health problems not yet resolved",
                                value=figures.open_problems)
        yield GaugeMetricFamily("korus_watch_database_up", "1 while the database answers",
                                value=int(self.source.database.reachable))


class ServiceMetrics:
    """This process's counters, and the archive's gauges."""

    def __init__(self, source: HealthSource) -> None:
        self.registry = CollectorRegistry()
        self.polls = Counter("korus_watch_polls", "Polls run by this process, by source and outcome",
                             ["source", "status"], registry=self.registry)
        self.requests = Counter("korus_watch_poll_requests", "HTTP requests made by polls", ["source"],
                                registry=self.registry)
        self.not_modified = Counter("korus_watch_poll_not_modified", "304 answers to polls", ["source"],
                                    registry=self.registry)
        self.events = Counter("korus_watch_events", "Change events found by this process's polls",
                              ["source", "kind"], registry=self.registry)
        self.deliveries = Counter("korus_watch_delivery_attempts", "Delivery attempts by this process, by result",
                                  ["result"], registry=self.registry)
        self.poll_cpu = Counter("korus_watch_poll_cpu_seconds", "CPU seconds spent in polls", ["source"],
                                registry=self.registry)
        self.leader = Gauge("korus_watch_leader", "1 while this instance runs the scheduled jobs",
                            registry=self.registry)
        self.registry.register(_HealthCollector(source))

    def record_run(self, run: CrawlRun) -> None:
        self.polls.labels(run.source, run.status.value).inc()
        self.requests.labels(run.source).inc(run.requests)
        self.not_modified.labels(run.source).inc(run.not_modified)
        self.poll_cpu.labels(run.source).inc(run.cpu_seconds or 0.0)
        for kind in EventKind:
            self.events.labels(run.source, kind.value).inc(getattr(run, kind.value))

    def record_deliveries(self, sent: int, retrying: int, failed: int) -> None:
        for result, count in (("sent", sent), ("retrying", retrying), ("failed", failed)):
            self.deliveries.labels(result).inc(count)
