"""The status page's data, read through a StatusSource so that the web app depends on no scheduler or notifier.

The service's composition root passes a callable that gathers crawl runs, health problems, the delivery queue,
dead letters, channels (secrets masked) and each job's next run from wherever those live; the web app validates
its plain dict into StatusReport, so a source that drifts from the shape fails loudly in tests, not on a page.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from pydantic import Field

from archive.read.schemas import Model


class StatusSource(Protocol):
    """Called in a worker thread for every /status and /api/v1/status request; returns StatusReport's fields."""

    def __call__(self) -> Mapping[str, Any]: ...


class CrawlRunStatus(Model):
    id: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    full: bool
    baseline: bool
    requests: int
    not_modified: int
    new: int
    edited: int
    removed: int
    restored: int
    unchanged: int
    errors: int
    message: str | None


class HealthProblemStatus(Model):
    id: int
    kind: str
    message: str
    opened_at: datetime
    last_seen_at: datetime


class DeadLetter(Model):
    id: int
    channel: str
    kind: str
    attempts: int
    created_at: datetime
    last_error: str | None


class ChannelStatus(Model):
    name: str
    type: str
    mode: str
    target: str = Field(description="Where it sends, secrets masked.")
    problem: str | None = Field(description="Why the channel cannot send; null when it can.")


class JobStatus(Model):
    id: str
    next_run_at: datetime | None


class StatusReport(Model):
    crawl_runs: list[CrawlRunStatus] = Field(description="The most recent first.")
    last_success_at: datetime | None
    health_problems: list[HealthProblemStatus] = Field(description="Open problems, oldest first.")
    delivery_queue: dict[str, int] = Field(description="Deliveries by state: held, pending, sending, failed, unknown.")
    dead_letters: list[DeadLetter]
    channels: list[ChannelStatus]
    jobs: list[JobStatus]


def read_status(source: StatusSource) -> StatusReport:
    return StatusReport.model_validate(dict(source()))
