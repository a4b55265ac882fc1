"""What the service runs when: the jobs the configuration asks for, and when each first runs after a start."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.sources.base import ConfiguredSource
from scheduler.job_runs import JobRun
from scheduler.settings import ServiceSettings

log = logging.getLogger(__name__)

POLL_PREFIX, DELIVER, HOUSEKEEPING, DIGEST_PREFIX = "poll:", "deliver", "housekeeping", "digest:"
# Overdue jobs found at start are spread this far apart instead of all firing at once.
START_SPREAD_SECONDS = 5.0
_HOUSEKEEPING_CRON = {"hour": 3, "minute": 17}


def poll_job(source: str) -> str:
    return f"{POLL_PREFIX}{source}"


def wanted_jobs(
    sources: list[ConfiguredSource], service: ServiceSettings, digests: dict[str, CronTrigger]
) -> dict[str, BaseTrigger]:
    """The jobs the configuration asks for, by id: a poll of each source at its interval, and `digests`, each
    digest channel's schedule."""
    jobs: dict[str, BaseTrigger] = {
        poll_job(source.name): IntervalTrigger(minutes=source.interval_minutes,
                                               jitter=service.poll_jitter_seconds or None, timezone=UTC)
        for source in sources
    }
    jobs |= {
        DELIVER: IntervalTrigger(seconds=service.delivery_sweep_seconds, timezone=UTC),
        HOUSEKEEPING: CronTrigger(**_HOUSEKEEPING_CRON, timezone=UTC),
    }
    jobs.update({f"{DIGEST_PREFIX}{name}": trigger for name, trigger in digests.items()})
    return jobs


def first_runs(jobs: dict[str, BaseTrigger], records: dict[str, JobRun], now: datetime) -> dict[str, datetime | None]:
    """When each job runs first. A run that fell due while the service was down runs once, soon, the overdue jobs a
    few seconds apart; any other job runs when its trigger, as configured now, says, counted from its last run."""
    first: dict[str, datetime | None] = {}
    overdue: list[tuple[datetime, str]] = []
    for job_id, trigger in jobs.items():
        record = records.get(job_id)
        if record is not None and record.last_run_at is not None:
            due = trigger.get_next_fire_time(record.last_run_at, now)
        elif record is not None and record.next_run_at is not None and record.next_run_at <= now:
            due = record.next_run_at  # scheduled before, never run, and due meanwhile
        elif job_id.startswith(POLL_PREFIX):
            due = now  # a new archive is polled at once, not one interval after the first start
        else:
            # Counted from now, as if it had just run: a trigger's own start is when it was made.
            due = trigger.get_next_fire_time(now, now)
        if due is not None and due <= now:
            overdue.append((due, job_id))
        else:
            first[job_id] = due
    for index, (due, job_id) in enumerate(sorted(overdue)):
        first[job_id] = now + timedelta(seconds=START_SPREAD_SECONDS * index + random.uniform(0, 1))
        log.info("job %s was due at %s: runs once at %s", job_id, due.isoformat(timespec="seconds"),
                 first[job_id].isoformat(timespec="seconds"))  # type: ignore[union-attr]
    return first
