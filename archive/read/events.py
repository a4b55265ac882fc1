"""Change events for the timeline, the feed and the API: filtered, newest first or after a polling cursor."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from archive.models import ChangeEvent, EventKind, Statement, Version
from archive.read.common import NotFound, day_start
from archive.read.query import SearchQuery
from archive.read.related import listed_by
from archive.read.relevance import relevant_to, relevant_topics
from archive.read.schemas import EventSummary
from archive.read.search import text_match
from archive.significance import Significance
from archive.significance_words import summary

# The version an event is about: the new one, or the last one of a removal.
_DESCRIBED_VERSION = func.coalesce(ChangeEvent.to_version_id, ChangeEvent.from_version_id)


@dataclass(frozen=True)
class EventFilters:
    topic: str | None = None
    kind: EventKind | None = None
    section: str | None = None
    start: date | None = None
    end: date | None = None
    sources: tuple[str, ...] = ()  # about items listed by any of these; none: every source
    significance: Significance | None = None  # this level and those above it
    search: SearchQuery | None = None  # about a version, before or after the change, that matches

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.topic is not None:
            query = query.where(relevant_to(self.topic, _DESCRIBED_VERSION))
        if self.kind is not None:
            query = query.where(ChangeEvent.kind == self.kind)
        if self.section is not None:
            query = query.where(Statement.section == self.section)
        if self.start is not None:
            query = query.where(ChangeEvent.detected_at >= day_start(self.start))
        if self.end is not None:
            query = query.where(ChangeEvent.detected_at < day_start(self.end + timedelta(days=1)))
        if self.sources:
            query = query.where(listed_by(self.sources, ChangeEvent.statement_id))
        if self.significance is not None:
            query = query.where(ChangeEvent.significance.in_(
                [level for level in Significance if level.at_least(self.significance)]
            ))
        return query


_FROM_NUMBER = select(Version.number).where(Version.id == ChangeEvent.from_version_id).scalar_subquery()
_TO_NUMBER = select(Version.number).where(Version.id == ChangeEvent.to_version_id).scalar_subquery()
_EVENT_ROWS = select(
    ChangeEvent.id, ChangeEvent.kind, ChangeEvent.significance, ChangeEvent.reasons, ChangeEvent.detected_at,
    ChangeEvent.statement_id,
    _DESCRIBED_VERSION.label("version_id"), _FROM_NUMBER.label("from_version"), _TO_NUMBER.label("to_version"),
    Statement.source, Statement.title, Statement.section, Statement.published_on, Statement.url,
).join(Statement, Statement.id == ChangeEvent.statement_id)


def _summaries(session: Session, query: Select[Any]) -> list[EventSummary]:
    rows = session.execute(query).mappings().all()
    topics = relevant_topics(session, {row["version_id"] for row in rows})
    return [
        EventSummary(**{key: value for key, value in row.items() if key != "version_id"},
                     summary=summary(row["significance"], row["reasons"]), topics=topics.get(row["version_id"], []))
        for row in rows
    ]


def list_events(
    session: Session, filters: EventFilters, *, limit: int, since: int | None = None, before: int | None = None
) -> list[EventSummary]:
    """With `since`: the events after that id, oldest first, for a poller to take in order. Otherwise the newest
    first, before the id `before` when given (the timeline's and the feed's order)."""
    query = filters.apply(_EVENT_ROWS)
    if filters.search is not None:
        match = text_match(session.get_bind().dialect.name, filters.search)
        query = query.where(match.versions_match(ChangeEvent.from_version_id, ChangeEvent.to_version_id))
    if since is not None:
        query = query.where(ChangeEvent.id > since).order_by(ChangeEvent.id)
    else:
        if before is not None:
            query = query.where(ChangeEvent.id < before)
        query = query.order_by(ChangeEvent.id.desc())
    return _summaries(session, query.limit(limit))


def every_event(session: Session, filters: EventFilters, page_size: int = 500) -> Iterator[EventSummary]:
    """Every event the filters keep, newest first, read a page at a time."""
    before = None
    while page := list_events(session, filters, limit=page_size, before=before):
        yield from page
        before = page[-1].id


@dataclass(frozen=True)
class EventPage:
    """A page of the timeline, newest first, and the cursors of the pages beside it: `newer` to pass as `after`,
    `older` as `before` (None where there is no such page)."""

    items: list[EventSummary]
    newer: int | None
    older: int | None


def event_page(
    session: Session, filters: EventFilters, *, limit: int, before: int | None = None, after: int | None = None
) -> EventPage:
    """The `limit` events before the id `before` (by default the newest), or those after the id `after`. Pages are
    keyed by event id, which only grows: events recorded while a reader pages through move no page."""
    if after is not None:
        rows = list_events(session, filters, limit=limit + 1, since=after)
        items = rows[:limit][::-1]
        newer = items[0].id if len(rows) > limit else None
        older = items[-1].id if items and list_events(session, filters, limit=1, before=items[-1].id) else None
    else:
        rows = list_events(session, filters, limit=limit + 1, before=before)
        items = rows[:limit]
        older = items[-1].id if len(rows) > limit else None
        newer = items[0].id if before is not None and items and list_events(
            session, filters, limit=1, since=items[0].id) else None
    return EventPage(items=items, newer=newer, older=older)


def statement_events(session: Session, statement_id: int) -> list[EventSummary]:
    return _summaries(session, _EVENT_ROWS.where(ChangeEvent.statement_id == statement_id).order_by(ChangeEvent.id))


def get_event(session: Session, event_id: int) -> EventSummary:
    found = _summaries(session, _EVENT_ROWS.where(ChangeEvent.id == event_id))
    if not found:
        raise NotFound(f"no change event {event_id} in the archive")
    return found[0]
