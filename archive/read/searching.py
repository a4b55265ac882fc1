"""A search's statements: those whose current version matches, and those that no longer say what was searched but
once did (a past version matches), each named with the version it matched.

Ranked (the default), a search takes the newest matches of each index as candidates, so that a common word does not
rank the whole archive: the statements whose current version matches, newest first (CANDIDATES of them), and the
statements of the most recently archived versions that match (VERSION_CANDIDATES of them), each with the newest of
its versions among them. The candidates are ranked together. Sorted by date, every statement with a matching version is listed, and
the version each page's statements matched is looked up for that page.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal, select, union_all
from sqlalchemy.orm import Session

from archive.models import Statement, Version, statement_search
from archive.read import cursors
from archive.read.listing import Match, StatementFilters, hits, statements_query
from archive.read.schemas import StatementList
from archive.read.search import CANDIDATES, VERSION_CANDIDATES, TextMatch


def ranked(session: Session, filters: StatementFilters, match: TextMatch, *, limit: int,
           cursor: str | None) -> StatementList:
    """A page of the search's candidates by rank. The candidates carry ids and ranks only; the page's statements
    are read once the page is known."""
    offset = cursors.decode(cursor, cursors.OffsetCursor).offset if cursor else 0
    current = (match.join(filters.apply(_candidate(statement_search.c.version_id, match.rank, 0)))
               .where(match.condition).order_by(*match.newest_first).limit(CANDIDATES).subquery())
    both = union_all(select(current), select(_version_window(filters, match))).subquery()
    # A statement in both windows is the current one's: its current version matches.
    first = func.row_number().over(partition_by=both.c.id, order_by=both.c.branch)
    candidates = select(both, first.label("first")).subquery()
    page = (select(candidates.c.id, candidates.c.rank, candidates.c.key).where(candidates.c.first == 1)
            .order_by(candidates.c.rank, candidates.c.id.desc()).offset(offset).limit(limit + 1).subquery())
    query = (statements_query().add_columns(page.c.rank, page.c.key).join(page, page.c.id == Statement.id)
             .order_by(page.c.rank, page.c.id.desc()))
    rows = session.execute(query).mappings().all()
    more, rows = len(rows) > limit, rows[:limit]
    found = {row["id"]: (row["key"], float(row["rank"])) for row in rows}
    next_cursor = cursors.encode(cursors.OffsetCursor(offset=offset + limit)) if more else None
    return StatementList(items=hits(session, rows, match, found), next_cursor=next_cursor)


def _candidate(key: Any, rank: Any, branch: int) -> Select[Any]:
    """A candidate's columns: the statement, the version matched, its rank, and which window found it."""
    return (select(Statement.id).add_columns(rank.label("rank"), key.label("key"), literal(branch).label("branch"))
            .join(statement_search, statement_search.c.statement_id == Statement.id))


def _version_window(filters: StatementFilters, match: TextMatch) -> Any:
    """The statements among the most recently archived matching versions (VERSION_CANDIDATES at most), each with
    the newest of its versions there. A statement's versions are archived in order, so when its current version
    matches it is in the window before any older one: the newest version in the window is the newest that
    matches, and the statement no longer says what was searched when that one is not its current version."""
    versions = (
        match.version_join(select(Statement.id).add_columns(match.version_rank.label("rank"), Version.id.label("key"),
                                                           Version.number.label("number")).select_from(Version))
        .join(Statement, Statement.id == Version.statement_id)
        .join(statement_search, statement_search.c.statement_id == Statement.id)
        .where(match.version_condition)
    )
    window = filters.apply(versions).order_by(*match.version_newest_first).limit(VERSION_CANDIDATES).subquery()
    newest = func.row_number().over(partition_by=window.c.id, order_by=window.c.number.desc())
    numbered = select(window, newest.label("newest")).subquery()
    return (select(numbered.c.id, numbered.c.rank, numbered.c.key, literal(1).label("branch"))
            .where(numbered.c.newest == 1).subquery())


def by_date(filters: StatementFilters, match: TextMatch) -> Select[Any]:
    """The filtered statements any version of which matches, for listing by date."""
    return filters.apply(statements_query()).where(match.statement_matches(Statement.id))


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
