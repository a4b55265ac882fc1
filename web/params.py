"""Request parameters shared by the pages, the feed and the API, validated by FastAPI (bad ones answer 400).

Every number is bounded to what the archive's integer columns hold, so no input reaches the database that it would
refuse with an error instead of an empty answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query, Request

from archive.models import MAX_ID, EventKind, StatementStatus
from archive.read.events import EventFilters
from archive.read.query import MAX_QUERY_LENGTH, SearchQuery
from archive.read.search import CANDIDATES
from archive.read.statements import StatementFilters
from archive.significance import Significance

ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]
EventCursor = Annotated[int | None, Query(ge=0, le=MAX_ID, description="An event id.")]
VersionNumber = Annotated[int, Path(ge=1, le=MAX_ID)]
FromNumber = Annotated[int | None, Query(alias="from", ge=1, le=MAX_ID, description="The older version's number.")]
ToNumber = Annotated[int | None, Query(alias="to", ge=1, le=MAX_ID, description="The newer version's number.")]
_FIRST_DAY, _LAST_DAY = date(1900, 1, 1), date(9999, 12, 30)


@dataclass(frozen=True)
class KnownValues:
    """The values the configuration knows for each filter that names one: any other value is refused (400, naming
    these), where it would otherwise answer an empty list forever (a mistyped feed subscription, say). The app
    keeps them in `app.state.known_values`."""

    topic: Sequence[str]
    section: Sequence[str]
    source: Sequence[str]


class UnknownValue(ValueError):
    """A filter's value that the configuration does not know."""


def _known(parameter: str, description: str) -> Any:
    """A query parameter whose value, when given, must be one of the KnownValues of the same name."""

    # The query as a default value: an annotation naming this function's locals would not resolve (they are strings
    # here, which FastAPI evaluates in the module's namespace).
    query = Query(None, alias=parameter, max_length=200, description=description)

    def known_value(request: Request, value: str | None = query) -> str | None:
        known: Sequence[str] = getattr(request.app.state.known_values, parameter)
        if value is not None and value not in known:
            raise UnknownValue(f"parameter {parameter!r}: unknown {parameter} {value!r} "
                               f"(configured: {', '.join(known) or 'none'})")
        return value

    return Depends(known_value)


Topic = Annotated[str | None, _known("topic", "Only those relevant to this topic, one of the configured topics.")]
Section = Annotated[str | None, _known("section", "Only items of this section: one of `crawl.sections` (e.g. "
                                                  "`press-releases`), or another source's kind or type.")]
Source = Annotated[str | None, _known("source", "Only items listed by this source, one of the configured sources "
                                                "(`press-office`, or a name from `[[sources.*]]`).")]


def event_filters(
    topic: Topic = None,
    kind: Annotated[EventKind | None, Query(description="Only events of this kind.")] = None,
    section: Section = None,
    source: Source = None,
    significance: Annotated[Significance | None, Query(
        description="Only changes this significant or more: `cosmetic` < `wording` < `substantive`."
    )] = None,
    start: Annotated[date | None, Query(alias="from", ge=_FIRST_DAY, le=_LAST_DAY,
                                        description="Detected on or after this day (UTC).")] = None,
    end: Annotated[date | None, Query(alias="to", ge=_FIRST_DAY, le=_LAST_DAY,
                                      description="Detected on or before this day (UTC).")] = None,
) -> EventFilters:
    return EventFilters(topic=topic, kind=kind, section=section, start=start, end=end,
                        sources=(source,) if source else (), significance=significance)


def statement_filters(
    q: Annotated[str | None, Query(max_length=MAX_QUERY_LENGTH, description=(
        'Full-text search over every version\'s title and text (a statement that once said it is found too, with the '
        'version that did): words and "phrases" in quotes, all of which must match; `OR` between two '
        '(`launched OR initiated`); `-word` or `-"phrase"` leaves out what says it (`korus -steel`).'
    ))] = None,
    topic: Topic = None,
    section: Section = None,
    source: Source = None,
    year: Annotated[int | None, Query(ge=1900, le=9999, description="Published in this year.")] = None,
    status: StatementStatus | None = None,
    sort: Annotated[Literal["date", "relevance"] | None, Query(
        description=f"Newest first, or best match first (the default when searching): the best of the newest "
        f"{CANDIDATES:,} matches; sort by date to page through every match."
    )] = None,
) -> StatementFilters:
    """Raises archive.read.query.BadSearch for a query that cannot be searched."""
    return StatementFilters(search=SearchQuery.parse(q) if q else None, topic=topic, section=section, year=year,
                            status=status, sort=sort, sources=(source,) if source else ())


EventFiltersParam = Annotated[EventFilters, Depends(event_filters)]
StatementFiltersParam = Annotated[StatementFilters, Depends(statement_filters)]
