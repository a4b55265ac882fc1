"""A search's statements: those whose current version matches, and those that no longer say what was searched but
once did (a past version matches), each named with the version it matched.

Ranked (the default), a search takes the newest matches of each index as candidates, so that a common word does not
rank the whole archive: the statements whose current version matches, newest first (CANDIDATES of them), ranked by
it, and the statements of the most recently archived versions that match (VERSION_CANDIDATES versions), which, when
their current version does not match, are ranked by the newest of their versions that does. The candidates are ranked
together. Sorted by date, every statement with a matching version is listed, and the version each page's statements
matched is looked up for that page.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session, aliased

from archive.models import Statement, Version, statement_search
from archive.read import cursors
from archive.read.listing import Match, StatementFilters, hits, statements_query
from archive.read.schemas import StatementList
from archive.read.search import CANDIDATES, VERSION_CANDIDATES, TextMatch


def ranked(session: Session, filters: StatementFilters, match: TextMatch, *, limit: int,
           cursor: str | None) -> StatementList:
    """A page of the search's candidates by rank. The candidates are read as ids and ranks, ranked here, and the
    page's statements read once the page is known."""
    offset = cursors.decode(cursor, cursors.OffsetCursor).offset if cursor else 0
    current = (match.join(filters.apply(_candidate(statement_search.c.version_id, match.rank)))
               .where(match.condition).order_by(*match.newest_first).limit(CANDIDATES))
    # By statement: the rank, and the version matched.
    candidates: dict[int, tuple[float, int]] = {
        statement_id: (float(rank), version_id)
        for statement_id, rank, version_id in map(tuple, session.execute(current))
    }
    candidates.update(_past_only(session, filters, match))
    ordered = sorted(candidates, key=lambda statement_id: (candidates[statement_id][0], -statement_id))
    page = ordered[offset:offset + limit + 1]
    more, page = len(page) > limit, page[:limit]
    rows = {row["id"]: row for row in session.execute(statements_query().where(Statement.id.in_(page))).mappings()}
    in_order = [rows[statement_id] for statement_id in page if statement_id in rows]
    found: dict[int, Match] = {statement_id: (candidates[statement_id][1], candidates[statement_id][0])
                               for statement_id in page}
    next_cursor = cursors.encode(cursors.OffsetCursor(offset=offset + limit)) if more else None
    return StatementList(items=hits(session, in_order, match, found), next_cursor=next_cursor)


def _candidate(key: Any, rank: Any) -> Select[Any]:
    """A current candidate's columns: the statement, its rank, and the version matched."""
    return (select(Statement.id).add_columns(rank.label("rank"), key.label("key"))
            .join(statement_search, statement_search.c.statement_id == Statement.id))


def _past_only(session: Session, filters: StatementFilters, match: TextMatch) -> dict[int, tuple[float, int]]:
    """The statements among the most recently archived matching versions (VERSION_CANDIDATES of them) that no longer
    say what was searched, each with the rank of the newest of its versions there, and that version. A statement's
    versions are archived in order, so when its current version matches it is in the window before any older one."""
    window = session.execute(_window(filters, match)).all()
    current = {row.id for row in window if row.version_id == row.current_version_id}
    if all(row.id in current for row in window):
        return {}
    # Ranked only when there are any: a rank by the index of every version reads every match of each word first (20 ms
    # for a common word at 300,000 versions, where the window alone takes under 1).
    newest: dict[int, tuple[float, int, int]] = {}
    for row in session.execute(_window(filters, match, match.version_rank.label("rank"))):
        if row.id not in current and (row.id not in newest or row.number > newest[row.id][2]):
            newest[row.id] = (float(row.rank), row.version_id, row.number)
    return {statement_id: (rank, version_id) for statement_id, (rank, version_id, _) in newest.items()}


def _window(filters: StatementFilters, match: TextMatch, *rank: ColumnElement[float]) -> Select[Any]:
    """The most recently archived matching versions: each with its statement, and that statement's current version."""
    columns = select(Statement.id, Version.id.label("version_id"), Version.number,
                     statement_search.c.version_id.label("current_version_id"), *rank)
    versions = (
        match.version_join(columns.select_from(Version))
        .join(Statement, Statement.id == Version.statement_id)
        .join(statement_search, statement_search.c.statement_id == Statement.id)
        .where(match.version_condition)
    )
    return filters.apply(versions).order_by(match.version_key.desc()).limit(VERSION_CANDIDATES)


def by_date(filters: StatementFilters, match: TextMatch) -> Select[Any]:
    """The filtered statements any version of which matches, for listing by date."""
    return filters.apply(statements_query()).where(match.statement_matches(Statement.id))


def newest_matches(session: Session, match: TextMatch, statement_ids: list[int]) -> dict[int, Match]:
    """For each of these statements, the newest of its versions that matches, unranked: listed by date, a rank is not
    needed, and a rank by the index of every version of a few versions alone costs as much as of every match."""
    if not statement_ids:
        return {}
    theirs = aliased(Version)
    # Named by the index's own column: SQLite's FTS5 then looks these versions up, instead of reading every match.
    columns = select(Version.statement_id).add_columns(Version.id, Version.number)
    query = (match.version_join(columns.select_from(Version))
             .where(match.version_key.in_(select(theirs.id).where(theirs.statement_id.in_(statement_ids))),
                    match.version_condition))
    newest: dict[int, tuple[int, int]] = {}
    for statement_id, version_id, number in map(tuple, session.execute(query)):
        if statement_id not in newest or number > newest[statement_id][1]:
            newest[statement_id] = (version_id, number)
    return {statement_id: (version_id, None) for statement_id, (version_id, _) in newest.items()}
