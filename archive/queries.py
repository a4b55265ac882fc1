"""Read-side questions about the archive, answered as plain data for the CLI, the web app and the service's health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, selectinload

from archive.diffing import Segment, unified_diff, word_diff
from archive.identity import url_key
from archive.models import (
    MAX_ID,
    ChangeEvent,
    CrawlError,
    CrawlRun,
    HealthProblem,
    RunStatus,
    Statement,
    StatementStatus,
    StatementUrl,
    TopicRelevance,
    Version,
)


class NotFound(LookupError):
    pass


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def relevant_topics(relevance: list[TopicRelevance]) -> dict[str, dict[str, Any]]:
    """Topic -> its score and matched terms, for the topics a version is relevant to."""
    return {r.topic: {"score": r.score, "matched_terms": r.matched_terms} for r in relevance if r.relevant}


def statement_summary(statement: Statement, relevance: list[TopicRelevance]) -> dict[str, Any]:
    return {
        "id": statement.id,
        "title": statement.title,
        "published_on": statement.published_on,
        "section": statement.section,
        "url": statement.url,
        "node_id": statement.node_id,
        "status": statement.status.value,
        "first_seen_at": statement.first_seen_at,
        "last_checked_at": statement.last_checked_at,
        "topics": relevant_topics(relevance),
    }


def list_statements(session: Session, *, topic: str | None = None, since: date | None = None) -> list[dict[str, Any]]:
    latest = (
        select(Version.statement_id, func.max(Version.id).label("version_id"))
        .group_by(Version.statement_id)
        .subquery()
    )
    query = (
        select(Statement, Version)
        .join(latest, latest.c.statement_id == Statement.id)
        .join(Version, Version.id == latest.c.version_id)
        .order_by(Statement.published_on.desc().nulls_last(), Statement.id.desc())
        .options(selectinload(Version.relevance))
    )
    if since is not None:
        query = query.where(Statement.published_on >= since)
    if topic is not None:
        query = query.join(TopicRelevance, TopicRelevance.version_id == Version.id).where(
            TopicRelevance.topic == topic, TopicRelevance.relevant.is_(True)
        )
    return [statement_summary(statement, version.relevance) for statement, version in session.execute(query)]


def find_statement(session: Session, reference: str) -> Statement:
    """A statement by archive id, or by any URL it was found under."""
    if reference.isdecimal():
        statement = session.get(Statement, int(reference)) if int(reference) <= MAX_ID else None
    else:
        statement = session.scalar(
            select(Statement).join(StatementUrl).where(StatementUrl.url_key == url_key(reference))
        )
    if statement is None:
        raise NotFound(f"no statement {reference!r} in the archive")
    return statement


def version_data(version: Version) -> dict[str, Any]:
    return {
        "number": version.number,
        "title": version.title,
        "published_on": version.published_on,
        "published_text": version.published_text,
        "doc_type": version.doc_type,
        "first_seen_at": version.first_seen_at,
        "last_seen_at": version.last_seen_at,
        "relevance": {
            r.topic: {"score": r.score, "relevant": r.relevant, "matched_terms": r.matched_terms}
            for r in version.relevance
        },
    }


def show_statement(session: Session, reference: str) -> dict[str, Any]:
    statement = find_statement(session, reference)
    latest = statement.versions[-1]
    data = statement_summary(statement, latest.relevance)
    data.update(
        version=version_data(latest),
        body_text=latest.body_text,
        urls=sorted(u.url_key for u in statement.urls),
        versions=len(statement.versions),
    )
    return data


def statement_history(session: Session, reference: str) -> dict[str, Any]:
    statement = find_statement(session, reference)
    events = session.scalars(
        select(ChangeEvent).where(ChangeEvent.statement_id == statement.id).order_by(ChangeEvent.id)
    ).all()
    return {
        "id": statement.id,
        "title": statement.title,
        "url": statement.url,
        "versions": [version_data(v) for v in statement.versions],
        "events": [event_data(e) for e in events],
    }


@dataclass(frozen=True)
class VersionDiff:
    statement_id: int
    url: str
    old: Version
    new: Version
    title_changed: bool
    date_changed: bool
    title_segments: list[Segment]
    body_segments: list[Segment]
    unified: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "statement_id": self.statement_id,
            "url": self.url,
            "from": version_data(self.old),
            "to": version_data(self.new),
            "title_changed": self.title_changed,
            "date_changed": self.date_changed,
            "title_segments": [s.__dict__ for s in self.title_segments],
            "body_segments": [s.__dict__ for s in self.body_segments],
            "unified": self.unified,
        }


def diff_versions(old: Version, new: Version, url: str) -> VersionDiff:
    return VersionDiff(
        statement_id=new.statement_id,
        url=url,
        old=old,
        new=new,
        title_changed=old.title != new.title,
        date_changed=old.published_on != new.published_on,
        title_segments=word_diff(old.title, new.title),
        body_segments=word_diff(old.body_text, new.body_text),
        unified=unified_diff(
            f"{old.title}\n{old.published_text or ''}\n\n{old.body_text}",
            f"{new.title}\n{new.published_text or ''}\n\n{new.body_text}",
            f"version {old.number}",
            f"version {new.number}",
        ),
    )


def statement_diff(session: Session, reference: str, from_number: int | None, to_number: int | None) -> VersionDiff:
    statement = find_statement(session, reference)
    # Loaded with their relevance: the diff is read after the session has closed.
    versions = session.scalars(
        select(Version).where(Version.statement_id == statement.id).options(selectinload(Version.relevance))
    ).all()
    by_number = {v.number: v for v in versions}
    newest = max(by_number)
    to_number = to_number or newest
    from_number = from_number or max(to_number - 1, 1)
    for number in (from_number, to_number):
        if number not in by_number:
            raise NotFound(f"statement {statement.id} has no version {number} (it has 1 to {newest})")
    return diff_versions(by_number[from_number], by_number[to_number], statement.url)


def event_data(event: ChangeEvent) -> dict[str, Any]:
    # What an event is about: the version it made, or for a removal the last one.
    version = event.to_version or event.from_version
    return {
        "id": event.id,
        "kind": event.kind.value,
        "statement_id": event.statement_id,
        "title": event.statement.title,
        "url": event.statement.url,
        "from_version": event.from_version.number if event.from_version else None,
        "to_version": event.to_version.number if event.to_version else None,
        "crawl_run_id": event.crawl_run_id,
        "detected_at": event.detected_at,
        "published_on": version.published_on if version else None,
        "topics": relevant_topics(version.relevance) if version else {},
    }


def list_events(session: Session, *, since: date | None = None, topic: str | None = None) -> list[dict[str, Any]]:
    query = select(ChangeEvent).order_by(ChangeEvent.id.desc()).options(
        selectinload(ChangeEvent.statement),
        selectinload(ChangeEvent.to_version).selectinload(Version.relevance),
        selectinload(ChangeEvent.from_version).selectinload(Version.relevance),
    )
    if since is not None:
        query = query.where(ChangeEvent.detected_at >= day_start(since))
    if topic is not None:
        version = aliased(Version)
        # An event matches a topic when the version it concerns (the newest, for a removal) does.
        version_id = func.coalesce(ChangeEvent.to_version_id, ChangeEvent.from_version_id)
        query = (
            query.join(version, version.id == version_id)
            .join(TopicRelevance, TopicRelevance.version_id == version.id)
            .where(TopicRelevance.topic == topic, TopicRelevance.relevant.is_(True))
        )
    return [event_data(e) for e in session.scalars(query)]


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
