"""Statements for the archive page and the API: listed by date or searched by relevance, and one in full."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from archive.models import Statement, StatementSource, Version
from archive.read import cursors, searching
from archive.read.common import NotFound, get_statement
from archive.read.events import statement_events
from archive.read.listing import NEWEST_FIRST, StatementFilters, hits, statements_query
from archive.read.related import related_items
from archive.read.schemas import (
    StatementDetail,
    StatementHit,
    StatementList,
    TopicMatch,
    TopicScore,
    VersionDetail,
    VersionSummary,
)
from archive.read.search import text_match
from archive.read.snapshots import version_summary

__all__ = ["StatementFilters", "every_statement", "get_version", "list_statements", "statement_detail"]


def _after(cursor: cursors.DateCursor) -> Any:
    """The statements after `cursor` in newest-first order, where undated statements come last."""
    if cursor.published_on is None:
        return and_(Statement.published_on.is_(None), Statement.id < cursor.id)
    return or_(
        Statement.published_on < cursor.published_on,
        and_(Statement.published_on == cursor.published_on, Statement.id < cursor.id),
        Statement.published_on.is_(None),
    )


def list_statements(
    session: Session, filters: StatementFilters, *, limit: int, cursor: str | None = None
) -> StatementList:
    """A page of statements; raises cursors.BadCursor for a cursor of another list. A search finds a statement by
    any of its versions: each hit names the version it matched (archive.read.searching)."""
    dialect = session.get_bind().dialect.name
    match = text_match(dialect, filters.search) if filters.search else None
    if match is not None and filters.order == "relevance":
        return searching.ranked(session, filters, match, limit=limit, cursor=cursor)
    query = filters.apply(statements_query()) if match is None else searching.by_date(filters, match)
    if cursor:
        query = query.where(_after(cursors.decode(cursor, cursors.DateCursor)))
    rows = session.execute(query.order_by(*NEWEST_FIRST).limit(limit + 1)).mappings().all()
    more, rows = len(rows) > limit, rows[:limit]
    found = searching.newest_matches(session, match, [row["id"] for row in rows]) if match else None
    items = hits(session, rows, match, found)
    next_cursor = None
    if more:
        next_cursor = cursors.encode(cursors.DateCursor(published_on=items[-1].published_on, id=items[-1].id))
    return StatementList(items=items, next_cursor=next_cursor)


def every_statement(session: Session, filters: StatementFilters, page_size: int = 500) -> Iterator[StatementHit]:
    """Every statement the filters keep, in the list's order, read a page at a time."""
    cursor = None
    while True:
        page = list_statements(session, filters, limit=page_size, cursor=cursor)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def version_detail(version: Version) -> VersionDetail:
    return VersionDetail(
        **version_summary(version),
        statement_id=version.statement_id,
        body_text=version.body_text,
        relevance=[
            TopicScore(topic=r.topic, score=r.score, relevant=r.relevant, matched_terms=r.matched_terms)
            for r in sorted(version.relevance, key=lambda r: (not r.relevant, -r.score, r.topic))
        ],
    )


def statement_detail(session: Session, statement_id: int) -> StatementDetail:
    statement = get_statement(session, statement_id)
    current = statement.versions[-1]
    detail = version_detail(current)
    return StatementDetail(
        id=statement.id, source=statement.source, title=statement.title, published_on=statement.published_on,
        section=statement.section, url=statement.url, external_id=statement.external_id,
        fields=statement.fields or {}, status=statement.status,
        first_seen_at=statement.first_seen_at, last_checked_at=statement.last_checked_at,
        canonical_url=statement.canonical_url, last_seen_at=statement.last_seen_at,
        sources=list(session.scalars(select(StatementSource.source).where(StatementSource.statement_id == statement.id)
                                     .order_by(StatementSource.source))),
        related=related_items(session, statement.id),
        topics=[TopicMatch(topic=s.topic, score=s.score, matched_terms=s.matched_terms)
                for s in detail.relevance if s.relevant],
        current=detail,
        versions=[VersionSummary(**version_summary(v)) for v in statement.versions],
        events=statement_events(session, statement.id),
    )


def get_version(session: Session, statement_id: int, number: int) -> VersionDetail:
    version = session.scalar(select(Version).where(Version.statement_id == statement_id, Version.number == number))
    if version is None:
        get_statement(session, statement_id)  # names the statement when it is the one missing
        raise NotFound(f"statement {statement_id} has no version {number}")
    return version_detail(version)
