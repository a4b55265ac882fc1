"""The service's table: when each scheduled job last ran and runs next.

The schedule itself is built from the configuration at every start, so a changed interval, cron line, time zone
or jitter takes effect then. These records carry across restarts what the configuration cannot know: whether a
run fell due while the service was down, and each job's next run for `korus-watch status`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from archive.models import Base


class JobRun(Base):
    __tablename__ = "scheduler_job_runs"

    job_id: Mapped[str] = mapped_column(String(191), primary_key=True)
    last_run_at: Mapped[datetime | None]
    next_run_at: Mapped[datetime | None]


def job_runs(session: Session) -> dict[str, JobRun]:
    return {record.job_id: record for record in session.scalars(select(JobRun))}


def record_job_run(session: Session, job_id: str, *, ran_at: datetime | None, next_run_at: datetime | None) -> None:
    """A job started at `ran_at` (None: it was only scheduled) and runs next at `next_run_at`."""
    record = session.get(JobRun, job_id)
    if record is None:
        record = JobRun(job_id=job_id)
        session.add(record)
    if ran_at is not None:
        record.last_run_at = ran_at
    record.next_run_at = next_run_at


def job_schedule(session: Session) -> list[dict[str, Any]]:
    """Each job's next run, soonest first, for `status`."""
    records = session.scalars(select(JobRun).order_by(JobRun.next_run_at.is_(None), JobRun.next_run_at))
    return [{"id": record.job_id, "next_run_at": record.next_run_at} for record in records]
