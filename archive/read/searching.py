"""A search's statements: those whose current version matches, and those that no longer say what was searched but
once did (a past version matches), each named with the version it matched.

Ranked (the default), a search takes the newest matches of each index as candidates (CANDIDATES of each at most, so
that a common word does not rank the whole archive): the statements whose current version matches, newest first,
and the past versions that match, the most recently archived first, of statements whose current version does not
match (the newest such version of each). The candidates are ranked together. Sorted by date, every statement with a
matching version is listed, and the version each page's statements matched is looked up for that page.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false, func, select, true, union_all
from sqlalchemy.orm import Session

from archive.models import Statement, Version, statement_search
from archive.read import cursors
from archive.read.listing import SUMMARY_COLUMNS, Match, StatementFilters, hits, statements_query
from archive.read.schemas import StatementList
from archive.read.search import CANDIDATES, TextMatch


def ranked(session: Session, filters: StatementFilters, match: TextMatch, *, limit: int,
           cursor: str | None) -> StatementList:
    """A page of the search's candidates by rank."""
    offset = cursors.decode(cursor, cursors.OffsetCursor).offset if cursor else 0
    current = (match.join(filters.apply(statements_query()))
               .where(match.condition)
               .add_columns(match.rank.label("rank"), statement_search.c.version_id.label("key"),
                            false().label("past"))
               .order_by(*match.newest_first).limit(CANDIDATES).subquery())
    past = _past_only(filters, match)
    candidates = union_all(select(current), select(past)).subquery()
    query = (select(candidates).order_by(candidates.c.rank, candidates.c.id.desc(), candidates.c.past)
             .offset(offset).limit(limit + 1))
    rows = session.execute(query).mappings().all()
    more, rows = len(rows) > limit, rows[:limit]
    found = {row["id"]: (row["key"], float(row["rank"])) for row in rows}
    next_cursor = cursors.encode(cursors.OffsetCursor(offset=offset + limit)) if more else None
    return StatementList(items=hits(session, rows, match, found), next_cursor=next_cursor)


def _past_only(filters: StatementFilters, match: TextMatch) -> Any:
    """The candidates that match in a past version only: the most recently archived past versions that match
    (CANDIDATES at most), of statements whose current version does not, the newest of each statement."""
    past_versions = (
        match.version_join(select(*SUMMARY_COLUMNS, match.version_rank.label("rank"), Version.id.label("key"),
                                  Version.number.label("number")).select_from(Version))
        .join(Statement, Statement.id == Version.statement_id)
        .join(statement_search, statement_search.c.statement_id == Statement.id)
        .where(match.version_condition, Version.id != statement_search.c.version_id)
    )
    newest = filters.apply(past_versions).order_by(*match.version_newest_first).limit(CANDIDATES).subquery()
    # Checked after the limit, for these few rows only: before it, a common word would check every past version.
    nth = func.row_number().over(partition_by=newest.c.id, order_by=newest.c.number.desc())
    ranked_past = (select(newest, nth.label("nth"))
                   .where(~match.version_matches(newest.c.version_id)).subquery())
    columns = [ranked_past.c[column.key] for column in SUMMARY_COLUMNS]
    return (select(*columns, ranked_past.c.rank, ranked_past.c.key, true().label("past"))
            .where(ranked_past.c.nth == 1).subquery())


def by_date(filters: StatementFilters, match: TextMatch) -> Select[Any]:
    """The filtered statements any version of which matches, for listing by date."""
    matching = select(Version.statement_id).where(Version.id.in_(match.versions))
    return filters.apply(statements_query()).where(Statement.id.in_(matching))


def newest_matches(session: Session, match: TextMatch, statement_ids: list[int]) -> dict[int, Match]:
    """For each of these statements, the newest of its versions that matches, with its rank."""
    if not statement_ids:
        return {}
    columns = select(Version.statement_id, Version.id, Version.number).add_columns(match.version_rank)
    query = (match.version_join(columns.select_from(Version))
             .where(Version.statement_id.in_(statement_ids), match.version_condition))
    found: dict[int, tuple[int, int, float]] = {}
    for statement_id, version_id, number, rank in map(tuple, session.execute(query)):
        if statement_id not in found or number > found[statement_id][1]:
            found[statement_id] = (version_id, number, float(rank))
    return {statement_id: (version_id, rank) for statement_id, (version_id, _, rank) in found.items()}
