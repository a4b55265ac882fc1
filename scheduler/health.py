"""What `/healthz`, `/metrics` and `korus-watch status` report about the service, read from the archive."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.db import Database
from archive.models import CrawlRun, Delivery, DeliveryStatus, HealthProblem, RunStatus, utcnow

# Counters' "_created" series mean nothing to a dashboard of this service.
disable_created_metrics()


def last_successful_poll(session: Session) -> datetime | None:
    return session.scalar(select(func.max(CrawlRun.finished_at)).where(CrawlRun.status == RunStatus.SUCCEEDED))


@dataclass(frozen=True)
class Verdict:
    healthy: bool
    reason: str
    details: dict[str, Any]


def judge(*, scheduler_running: bool, role: str, started_at: datetime, last_success: datetime | None,
          stale_after: timedelta) -> Verdict:
    """Healthy while the scheduler runs (or this instance stands by for a leader) and a poll succeeded lately."""
    now = utcnow()
    details = {"role": role, "last_successful_poll": last_success.isoformat() if last_success else None,
               "stale_after_seconds": stale_after.total_seconds()}
    if role == "leader" and not scheduler_running:
        return Verdict(False, "the scheduler is not running", details)
    if last_success is not None and now - last_success <= stale_after:
        return Verdict(True, "ok", details)
    if now - started_at <= stale_after:
        return Verdict(True, "starting: no recent successful poll yet", details)
    since = f"since {last_success.isoformat()}" if last_success else "ever"
    return Verdict(False, f"no successful poll {since}", details)


class ArchiveCollector(Collector):
    """Gauges read from the archive at each scrape, so that every instance reports the same queue."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.db.sessions() as session:
            by_status = session.execute(
                select(Delivery.channel, Delivery.status, func.count()).group_by(Delivery.channel, Delivery.status)
            ).all()
            last_sent = session.execute(
                select(Delivery.channel, func.max(Delivery.sent_at)).where(Delivery.status == DeliveryStatus.SENT)
                .group_by(Delivery.channel)
            ).all()
            last_success = last_successful_poll(session)
            problems = session.scalar(select(func.count(HealthProblem.id)).where(HealthProblem.resolved_at.is_(None)))
        deliveries = GaugeMetricFamily("korus_watch_deliveries", "Deliveries in the log by channel and status",
                                       labels=["channel", "status"])
        depth = GaugeMetricFamily("korus_watch_delivery_queue_depth", "Deliveries waiting to be sent",
                                  labels=["channel"])
        waiting: dict[str, int] = {}
        for channel, status, count in by_status:
            deliveries.add_metric([channel, status.value], count)
            if status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING):
                waiting[channel] = waiting.get(channel, 0) + count
        for channel, count in waiting.items():
            depth.add_metric([channel], count)
        yield deliveries
        yield depth
        sent = GaugeMetricFamily("korus_watch_last_delivery_timestamp_seconds",
                                 "When each channel last got a message", labels=["channel"])
        for channel, sent_at in last_sent:
            if sent_at is not None:
                sent.add_metric([channel], sent_at.timestamp())
        yield sent
        if last_success is not None:
            yield GaugeMetricFamily("korus_watch_last_successful_poll_timestamp_seconds",
                                    "When a poll last succeeded", value=last_success.timestamp())
        yield GaugeMetricFamily("korus_watch_open_health_problems", "Health problems not yet resolved",
                                value=problems or 0)


class ServiceMetrics:
    """This process's counters, and the archive's gauges."""

    def __init__(self, db: Database) -> None:
        self.registry = CollectorRegistry()
        self.polls = Counter("korus_watch_polls", "Polls run by this process, by outcome", ["status"],
                             registry=self.registry)
        self.requests = Counter("korus_watch_poll_requests", "HTTP requests made by polls", registry=self.registry)
        self.not_modified = Counter("korus_watch_poll_not_modified", "304 answers to polls", registry=self.registry)
        self.events = Counter("korus_watch_events", "Change events found by this process's polls", ["kind"],
                              registry=self.registry)
        self.deliveries = Counter("korus_watch_delivery_attempts", "Delivery attempts by this process, by result",
                                  ["result"], registry=self.registry)
        self.poll_cpu = Counter("korus_watch_poll_cpu_seconds", "CPU seconds spent in polls",
                                registry=self.registry)
        self.leader = Gauge("korus_watch_leader", "1 while this instance runs the scheduled jobs",
                            registry=self.registry)
        self.registry.register(ArchiveCollector(db))

    def record_run(self, run: CrawlRun) -> None:
        self.polls.labels(run.status.value).inc()
        self.requests.inc(run.requests)
        self.not_modified.inc(run.not_modified)
        self.poll_cpu.inc(run.cpu_seconds or 0.0)
        for kind in ("new", "edited", "removed", "restored"):
            self.events.labels(kind).inc(getattr(run, kind))

    def record_deliveries(self, sent: int, retrying: int, failed: int) -> None:
        for result, count in (("sent", sent), ("retrying", retrying), ("failed", failed)):
            self.deliveries.labels(result).inc(count)
