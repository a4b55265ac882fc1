"""Crawl runs and the archive's state, as plain data for `status`, the status page and the service's health."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.models import (
    ChangeEvent,
    CrawlError,
    CrawlRun,
    HealthProblem,
    RunStatus,
    Statement,
    StatementStatus,
    Version,
)


def run_data(run: CrawlRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "status": run.status.value,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "full": run.full,
        "baseline": run.baseline,
        "requests": run.requests,
        "not_modified": run.not_modified,
        "new": run.new,
        "edited": run.edited,
        "removed": run.removed,
        "restored": run.restored,
        "unchanged": run.unchanged,
        "errors": run.errors,
        "cpu_seconds": run.cpu_seconds,
        "message": run.message,
    }


def recent_runs(session: Session, limit: int) -> list[dict[str, Any]]:
    """The newest crawl runs, newest first."""
    return [run_data(run) for run in session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit))]


def last_successful_crawl(session: Session) -> datetime | None:
    """When the newest crawl that succeeded ended."""
    return session.scalar(select(func.max(CrawlRun.finished_at)).where(CrawlRun.status == RunStatus.SUCCEEDED))


def last_full_crawl(session: Session) -> datetime | None:
    """When the newest full crawl that succeeded started."""
    return session.scalar(
        select(func.max(CrawlRun.started_at)).where(CrawlRun.full.is_(True), CrawlRun.status == RunStatus.SUCCEEDED)
    )


def open_problem_count(session: Session) -> int:
    return session.scalar(select(func.count(HealthProblem.id)).where(HealthProblem.resolved_at.is_(None))) or 0


def archive_status(session: Session) -> dict[str, Any]:
    last_run = session.scalar(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1))
    by_status = dict(session.execute(select(Statement.status, func.count()).group_by(Statement.status)).all())
    recent_errors = (
        session.scalars(select(CrawlError).where(CrawlError.crawl_run_id == last_run.id).limit(20)).all()
        if last_run
        else []
    )
    problems = session.scalars(
        select(HealthProblem).where(HealthProblem.resolved_at.is_(None)).order_by(HealthProblem.opened_at)
    ).all()
    return {
        "last_run": run_data(last_run) if last_run else None,
        "last_success_at": last_successful_crawl(session),
        "statements": {
            "active": by_status.get(StatementStatus.ACTIVE, 0),
            "removed": by_status.get(StatementStatus.REMOVED, 0),
        },
        "versions": session.scalar(select(func.count(Version.id))),
        "events": session.scalar(select(func.count(ChangeEvent.id))),
        "last_run_errors": [{"url": e.url, "kind": e.kind, "message": e.message} for e in recent_errors],
        "health_problems": [
            {"id": p.id, "kind": p.kind.value, "message": p.message, "opened_at": p.opened_at, "last_seen_at": p.last_seen_at}
            for p in problems
        ],
    }
