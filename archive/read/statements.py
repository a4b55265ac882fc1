"""Statements for the archive page and the API: listed by date or searched by relevance, and one in full."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import RowMapping, Select, and_, or_, select
from sqlalchemy.orm import Session

from archive.models import Statement, StatementSource, StatementStatus, Version, statement_search
from archive.read import cursors
from archive.read.common import NotFound, get_statement
from archive.read.events import statement_events
from archive.read.related import listed_by, related_items
from archive.read.relevance import relevant_to, relevant_topics
from archive.read.schemas import (
    StatementDetail,
    StatementHit,
    StatementList,
    TopicMatch,
    TopicScore,
    VersionDetail,
    VersionSummary,
    highlighted,
)
from archive.read.search import CANDIDATES, SearchQuery, TextMatch, text_match
from archive.read.snapshots import version_summary

Sort = Literal["date", "relevance"]

_SUMMARY_COLUMNS = (
    Statement.id, Statement.source, Statement.title, Statement.published_on, Statement.section, Statement.url,
    Statement.external_id, Statement.fields, Statement.status, Statement.first_seen_at, Statement.last_checked_at,
    statement_search.c.version_id,
)
_NEWEST_FIRST = (Statement.published_on.desc().nulls_last(), Statement.id.desc())


@dataclass(frozen=True)
class StatementFilters:
    search: SearchQuery | None = None
    topic: str | None = None
    section: str | None = None
    year: int | None = None
    since: date | None = None  # published on or after
    status: StatementStatus | None = None
    sources: tuple[str, ...] = ()  # listed by any of these; none: every source
    sort: Sort | None = None  # None: by relevance when searching, else by date

    @property
    def order(self) -> Sort:
        return self.sort or ("relevance" if self.search else "date")

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.topic is not None:
            query = query.where(relevant_to(self.topic, statement_search.c.version_id))
        if self.section is not None:
            query = query.where(Statement.section == self.section)
        if self.year is not None:
            query = query.where(Statement.published_on.between(date(self.year, 1, 1), date(self.year, 12, 31)))
        if self.since is not None:
            query = query.where(Statement.published_on >= self.since)
        if self.status is not None:
            query = query.where(Statement.status == self.status)
        if self.sources:
            query = query.where(listed_by(self.sources, Statement.id))
        return query


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
    """A page of statements; raises cursors.BadCursor for a cursor of another list."""
    dialect = session.get_bind().dialect.name
    match = text_match(dialect, filters.search) if filters.search else None
    if match is not None and filters.order == "relevance":
        return _ranked(session, filters, match, limit=limit, cursor=cursor)
    query = filters.apply(_statements()) if match is None else _matching(filters, match)
    if cursor:
        query = query.where(_after(cursors.decode(cursor, cursors.DateCursor)))
    rows = session.execute(query.order_by(*_NEWEST_FIRST).limit(limit + 1)).mappings().all()
    more, rows = len(rows) > limit, rows[:limit]
    items = _hits(session, rows, match)
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


def _statements() -> Select[Any]:
    return select(*_SUMMARY_COLUMNS).join(statement_search, statement_search.c.statement_id == Statement.id)


def _matching(filters: StatementFilters, match: TextMatch) -> Select[Any]:
    """The filtered statements the search matches, with their rank and the key that names each for `match.marks`."""
    query = match.join(filters.apply(_statements()))
    return query.where(match.condition).add_columns(match.rank.label("rank"), match.key.label("key"))


def _ranked(
    session: Session, filters: StatementFilters, match: TextMatch, *, limit: int, cursor: str | None
) -> StatementList:
    """A page of the search's newest matches (search.CANDIDATES of them at most) by rank."""
    offset = cursors.decode(cursor, cursors.OffsetCursor).offset if cursor else 0
    candidates = _matching(filters, match).order_by(*match.newest_first).limit(CANDIDATES).subquery()
    query = select(candidates).order_by(candidates.c.rank, candidates.c.id.desc()).offset(offset).limit(limit + 1)
    rows = session.execute(query).mappings().all()
    more, rows = len(rows) > limit, rows[:limit]
    next_cursor = cursors.encode(cursors.OffsetCursor(offset=offset + limit)) if more else None
    return StatementList(items=_hits(session, rows, match), next_cursor=next_cursor)


def _hits(session: Session, rows: Sequence[RowMapping], match: TextMatch | None) -> list[StatementHit]:
    """The page's statements with their topics and, for a search, the matched words marked: computed for the
    page's rows only (a snippet reads the whole text)."""
    topics = relevant_topics(session, {row["version_id"] for row in rows})
    marks = match.marks(session, [row["key"] for row in rows]) if match is not None and rows else {}
    hits = []
    for row in rows:
        fields = {column.key: row[column.key] for column in _SUMMARY_COLUMNS if column.key != "version_id"}
        fields["fields"] = fields["fields"] or {}
        found: dict[str, Any] = {}
        if match is not None:
            title, snippet = marks[row["key"]]
            found = {"rank": float(row["rank"]), "title_highlighted": highlighted(title), "snippet": highlighted(snippet)}
        hits.append(StatementHit(**fields, **found, topics=topics.get(row["version_id"], [])))
    return hits


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
