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
    StatementSource,
    StatementStatus,
    Version,
)


def run_data(run: CrawlRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "source": run.source,
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


def last_successful_crawls(session: Session) -> dict[str, datetime]:
    """When each source's newest crawl that succeeded ended."""
    rows = session.execute(
        select(CrawlRun.source, func.max(CrawlRun.finished_at))
        .where(CrawlRun.status == RunStatus.SUCCEEDED).group_by(CrawlRun.source)
    )
    return {source: finished for source, finished in rows if finished is not None}


def last_full_crawl(session: Session, source: str) -> datetime | None:
    """When the source's newest full crawl that succeeded started."""
    return session.scalar(
        select(func.max(CrawlRun.started_at))
        .where(CrawlRun.source == source, CrawlRun.full.is_(True), CrawlRun.status == RunStatus.SUCCEEDED)
    )


def open_problem_count(session: Session) -> int:
    return session.scalar(select(func.count(HealthProblem.id)).where(HealthProblem.resolved_at.is_(None))) or 0


def problem_data(problem: HealthProblem) -> dict[str, Any]:
    return {"id": problem.id, "kind": problem.kind.value, "source": problem.source, "message": problem.message,
            "opened_at": problem.opened_at, "last_seen_at": problem.last_seen_at}


def source_overview(session: Session, sources: list[str]) -> list[dict[str, Any]]:
    """Each source's items, last poll and open problems, in the order given."""
    items = dict(session.execute(
        select(StatementSource.source, func.count()).group_by(StatementSource.source)
    ).all())
    newest = select(func.max(CrawlRun.id)).group_by(CrawlRun.source)
    last_runs = {run.source: run for run in session.scalars(select(CrawlRun).where(CrawlRun.id.in_(newest)))}
    successes = last_successful_crawls(session)
    problems = session.scalars(
        select(HealthProblem).where(HealthProblem.resolved_at.is_(None)).order_by(HealthProblem.opened_at)
    ).all()
    return [
        {
            "name": name,
            "items": items.get(name, 0),
            "last_poll": run_data(last_runs[name]) if name in last_runs else None,
            "last_success_at": successes.get(name),
            "problems": [problem_data(p) for p in problems if p.source == name],
        }
        for name in sources
    ]


def archive_status(session: Session, sources: list[str]) -> dict[str, Any]:
    """The archive's state: each source's (`sources`, configured ones, in order), counts, and every open problem."""
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
    successes = last_successful_crawls(session)
    return {
        "last_run": run_data(last_run) if last_run else None,
        "last_success_at": max(successes.values(), default=None),
        "sources": source_overview(session, sources),
        "statements": {
            "active": by_status.get(StatementStatus.ACTIVE, 0),
            "removed": by_status.get(StatementStatus.REMOVED, 0),
        },
        "versions": session.scalar(select(func.count(Version.id))),
        "events": session.scalar(select(func.count(ChangeEvent.id))),
        "last_run_errors": [{"url": e.url, "kind": e.kind, "message": e.message} for e in recent_errors],
        "health_problems": [problem_data(p) for p in problems],
    }
