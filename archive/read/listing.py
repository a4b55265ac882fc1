"""What every list of statements shares: the filters, the columns a summary is read from, and the hits of a page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import RowMapping, Select, select
from sqlalchemy.orm import Session

from archive.models import Statement, StatementStatus, Version, statement_search
from archive.read.query import SearchQuery
from archive.read.related import listed_by
from archive.read.relevance import relevant_to, relevant_topics
from archive.read.schemas import StatementHit, highlighted
from archive.read.search import TextMatch

# The version a search matched for a statement, by the statement's id: the version's id and its rank (none when the
# search is listed by date).
Match = tuple[int, float | None]

Sort = Literal["date", "relevance"]

SUMMARY_COLUMNS = (
    Statement.id, Statement.source, Statement.title, Statement.published_on, Statement.section, Statement.url,
    Statement.external_id, Statement.fields, Statement.status, Statement.first_seen_at, Statement.last_checked_at,
    statement_search.c.version_id,
)
NEWEST_FIRST = (Statement.published_on.desc().nulls_last(), Statement.id.desc())


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


def statements_query() -> Select[Any]:
    return select(*SUMMARY_COLUMNS).join(statement_search, statement_search.c.statement_id == Statement.id)


def hits(session: Session, rows: Sequence[RowMapping], match: TextMatch | None,
         found: dict[int, Match] | None) -> list[StatementHit]:
    """The page's statements with their topics and, for a search, the version each matched (`found`, by statement
    id) with the matched words marked: computed for the page's rows only (a snippet reads the whole text)."""
    topics = relevant_topics(session, {row["version_id"] for row in rows})
    marks: dict[int, tuple[str, str]] = {}
    numbers: dict[int, int] = {}
    if match is not None and found:
        version_ids = [version_id for version_id, _ in found.values()]
        marks = match.marks(session, version_ids)
        rows_of_versions = session.execute(select(Version.id, Version.number).where(Version.id.in_(version_ids)))
        numbers = {version_id: number for version_id, number in rows_of_versions}
    items = []
    for row in rows:
        fields = {column.key: row[column.key] for column in SUMMARY_COLUMNS if column.key != "version_id"}
        fields["fields"] = fields["fields"] or {}
        extra: dict[str, Any] = {}
        if found is not None:
            version_id, rank = found[row["id"]]
            title, snippet = marks[version_id]
            extra = {"rank": rank, "title_highlighted": highlighted(title), "snippet": highlighted(snippet),
                     "matched_version": numbers[version_id], "matched_past": version_id != row["version_id"]}
        items.append(StatementHit(**fields, **extra, topics=topics.get(row["version_id"], [])))
    return items
