"""Request parameters shared by the pages, the feed and the API, validated by FastAPI (bad ones answer 400).

Every number is bounded to what the archive's integer columns hold, so no input reaches the database that it would
refuse with an error instead of an empty answer."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query

from archive.models import MAX_ID, EventKind, StatementStatus
from web.events import EventFilters
from web.search import CANDIDATES, MAX_QUERY_LENGTH, SearchQuery
from web.statements import StatementFilters

ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]
EventCursor = Annotated[int | None, Query(ge=0, le=MAX_ID, description="An event id.")]
VersionNumber = Annotated[int, Path(ge=1, le=MAX_ID)]
FromNumber = Annotated[int | None, Query(alias="from", ge=1, le=MAX_ID, description="The older version's number.")]
ToNumber = Annotated[int | None, Query(alias="to", ge=1, le=MAX_ID, description="The newer version's number.")]
_FIRST_DAY, _LAST_DAY = date(1900, 1, 1), date(9999, 12, 30)


def _name(description: str) -> Any:
    return Query(max_length=200, description=description)


def event_filters(
    topic: Annotated[str | None, _name("Only events whose version is relevant to this topic.")] = None,
    kind: Annotated[EventKind | None, Query(description="Only events of this kind.")] = None,
    section: Annotated[str | None, _name("Only statements of this section, e.g. press-releases.")] = None,
    start: Annotated[date | None, Query(alias="from", ge=_FIRST_DAY, le=_LAST_DAY,
                                        description="Detected on or after this day (UTC).")] = None,
    end: Annotated[date | None, Query(alias="to", ge=_FIRST_DAY, le=_LAST_DAY,
                                      description="Detected on or before this day (UTC).")] = None,
) -> EventFilters:
    return EventFilters(topic=topic, kind=kind, section=section, start=start, end=end)


def statement_filters(
    q: Annotated[str | None, Query(max_length=MAX_QUERY_LENGTH, description=(
        'Full-text search over the current title and text: words, and "phrases" in quotes; all must match.'
    ))] = None,
    topic: Annotated[str | None, _name("Only statements whose current version is relevant to this topic.")] = None,
    section: Annotated[str | None, _name("Only statements of this section, e.g. fact-sheets.")] = None,
    year: Annotated[int | None, Query(ge=1900, le=9999, description="Published in this year.")] = None,
    status: StatementStatus | None = None,
    sort: Annotated[Literal["date", "relevance"] | None, Query(
        description=f"Newest first, or best match first (the default when searching): the best of the newest "
        f"{CANDIDATES:,} matches; sort by date to page through every match."
    )] = None,
) -> StatementFilters:
    """Raises web.search.BadSearch for a query that cannot be searched."""
    return StatementFilters(search=SearchQuery.parse(q) if q else None, topic=topic, section=section, year=year,
                            status=status, sort=sort)


EventFiltersParam = Annotated[EventFilters, Depends(event_filters)]
StatementFiltersParam = Annotated[StatementFilters, Depends(statement_filters)]
