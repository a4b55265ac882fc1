"""Full-text search in the database: a parsed query (archive.read.query) matched by SQLite's FTS5 or PostgreSQL's
tsvector, over each statement's current version (the index of migrations 0005 and 0007, read newest first) and over
every version, current and past (migration 0013), so that a statement is found by what it once said."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, cast, exists, func, literal, literal_column, or_, select
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import Session

from archive.models import Statement, Version, statement_fts, statement_search, version_fts, version_search
from archive.read.query import SearchQuery

# A search ranks its newest matches only, this many at most: a common word matches most of the archive, and ranking
# all of 100,000 matches costs a tenth of a second on SQLite and seconds on PostgreSQL. Ranking is linear in them:
# the newest thousand took 50 ms of PostgreSQL's time on a 2-core VM (ts_rank_cd reads each match's tsvector), half
# of the search page's 100 ms budget; five hundred, 25 ms. Sorted by date, every match can still be paged through.
CANDIDATES = 500
# And the most recently archived versions that match, this many at most, for the statements that no longer say what
# was searched: every version matches a common word too, and ranking a second thousand doubled a broad search's cost
# on the benchmark's archive. A narrower search, whose matching versions are fewer, loses none of them.
VERSION_CANDIDATES = 250
# Marks around the matched words in titles and snippets; archive.read.schemas.highlighted splits on them.
HIT_START, HIT_END = "\x02", "\x03"
ELLIPSIS = "…"

_TEXT_SEARCH_CONFIG = "english"
# The statement id's bits of a statement_fts rowid (migration 0007 puts the publication date above them).
_FTS_ROWID_STATEMENT = 0xFFFFFFFF
_WORDS = re.compile(r"\w+")


Join = Callable[[Select[Any]], Select[Any]]
Marks = Callable[[Session, list[int]], dict[int, tuple[str, str]]]


@dataclass(frozen=True)
class TextMatch:
    """What a search adds to a query, for each index.

    The current versions, for a query selecting from statements joined to statement_search: `join` adds the index,
    `condition` is the match, `newest_first` the order its candidates are taken in, `rank` (lower is better).

    Every version, for a query selecting from `versions`: `version_join` adds the index, `version_condition` is the
    match, `version_key` the index's column naming the version (its order is the order versions were archived in;
    a condition on it is what SQLite's FTS5 reads a few rows by) and `version_rank` as above;
    `versions_match(*columns)` says whether any of the versions these columns name matches, and
    `statement_matches(column)` whether any version of the statement `column` names does. (SQLite reads every
    match once, its FTS5 looking up one row at a time slowly; PostgreSQL's planner checks row by row when the
    search is broad and reads the matches when it is narrow.)

    `marks`: for the ids of the versions shown on one page of results, the title and a snippet of each with the
    matched words marked."""

    join: Join
    condition: ColumnElement[bool]
    newest_first: tuple[ColumnElement[Any], ...]
    rank: ColumnElement[float]
    version_join: Join
    version_condition: ColumnElement[bool]
    version_key: ColumnElement[int]
    version_rank: ColumnElement[float]
    versions_match: Callable[..., ColumnElement[bool]]
    statement_matches: Callable[..., ColumnElement[bool]]
    marks: Marks


def _nothing_to_join(query: Select[Any]) -> Select[Any]:
    return query  # the tsvector is statement_search's own column


def _join_fts(query: Select[Any]) -> Select[Any]:
    # By the statement id in the rowid's low bits: the join then looks statements up by primary key while FTS5
    # reads its matches newest first.
    return query.join(statement_fts, statement_fts.c.rowid.op("&")(_FTS_ROWID_STATEMENT) == Statement.id)


def _join_version_fts(query: Select[Any]) -> Select[Any]:
    return query.join(version_fts, version_fts.c.rowid == Version.id)


def _join_version_search(query: Select[Any]) -> Select[Any]:
    return query.join(version_search, version_search.c.version_id == Version.id)


def text_match(dialect: str, query: SearchQuery, snippet_words: int = 28) -> TextMatch:
    """The backend's full-text match of `query`: FTS5's bm25 on SQLite (the title weighing ten times the body),
    ts_rank_cd over the weighted tsvector on PostgreSQL (title A, body B). Both read the current versions' matches
    newest first (migration 0007), so that the candidates of a broad search are found without reading every match."""
    if dialect == "postgresql":
        return _postgres_match(query, snippet_words)
    return _sqlite_match(query, snippet_words)


def _postgres_match(query: SearchQuery, snippet_words: int) -> TextMatch:
    config = cast(literal(_TEXT_SEARCH_CONFIG), REGCONFIG)
    tsquery: ColumnElement[Any] = query.combine(
        term=lambda text: func.phraseto_tsquery(config, text),
        any_of=lambda one, other: one.op("||")(other),
        all_of=lambda one, other: one.op("&&")(other),
        leave_out=func.tsquery_not,
    )
    marks = f'StartSel="{HIT_START}", StopSel="{HIT_END}"'
    fragments = f'MaxWords={snippet_words}, MinWords={snippet_words // 2}, MaxFragments=2, FragmentDelimiter=" {ELLIPSIS} "'

    def headlines(session: Session, version_ids: list[int]) -> dict[int, tuple[str, str]]:
        rows = session.execute(
            select(
                Version.id,
                func.ts_headline(config, Version.title, tsquery, f"{marks}, HighlightAll=true"),
                func.ts_headline(config, Version.body_text, tsquery, f"{marks}, {fragments}"),
                Version.body_text,
            ).where(Version.id.in_(version_ids))
        )
        return {version_id: (title, _cut_marked(snippet, body)) for version_id, title, snippet, body in rows}

    version_condition = version_search.c.document.op("@@")(tsquery)

    def versions_match(*columns: Any) -> ColumnElement[bool]:
        return exists().where(version_search.c.version_id.in_(columns), version_condition)

    def statement_matches(column: Any) -> ColumnElement[bool]:
        return (select(Version.id).join(version_search, version_search.c.version_id == Version.id)
                .where(Version.statement_id == column, version_condition).exists())

    return TextMatch(
        join=_nothing_to_join,
        condition=statement_search.c.document.op("@@")(tsquery),
        # The order of the index ix_statements_newest_first, which the candidates query walks.
        newest_first=(Statement.published_on.desc().nulls_last(), Statement.id.desc()),
        rank=-func.ts_rank_cd(statement_search.c.document, tsquery),
        version_join=_join_version_search,
        version_condition=version_condition,
        version_key=version_search.c.version_id,
        version_rank=-func.ts_rank_cd(version_search.c.document, tsquery),
        versions_match=versions_match,
        statement_matches=statement_matches,
        marks=headlines,
    )


def _cut_marked(snippet: str, body: str) -> str:
    """PostgreSQL's fragments start and end on words but say nothing of the text left out before the first and
    after the last: an ellipsis says so, as FTS5's snippets do."""
    fragments = snippet.replace(HIT_START, "").replace(HIT_END, "").split(f" {ELLIPSIS} ")
    first, last, words = _WORDS.findall(fragments[0]), _WORDS.findall(fragments[-1]), _WORDS.findall(body)
    if not first or not last:
        return snippet
    starts, ends = words[:len(first)] == first, words[-len(last):] == last
    return f"{'' if starts else ELLIPSIS + ' '}{snippet}{'' if ends else ' ' + ELLIPSIS}"


def _spaced_ellipses(snippet: str) -> str:
    """FTS5 writes its ellipsis against the word beside it (`…the talks…`): a space keeps the word apart."""
    if snippet.startswith(ELLIPSIS) and snippet[1:2] and not snippet[1:2].isspace():
        snippet = f"{ELLIPSIS} {snippet[1:]}"
    if snippet.endswith(ELLIPSIS) and snippet[-2:-1] and not snippet[-2:-1].isspace():
        snippet = f"{snippet[:-1]} {ELLIPSIS}"
    return snippet


def _sqlite_match(query: SearchQuery, snippet_words: int) -> TextMatch:
    expression = query.fts5()
    table: ColumnElement[Any] = literal_column(statement_fts.name)
    versions_table: ColumnElement[Any] = literal_column(version_fts.name)
    version_condition = versions_table.op("MATCH")(expression)

    def snippets(session: Session, version_ids: list[int]) -> dict[int, tuple[str, str]]:
        rows = session.execute(
            select(
                version_fts.c.rowid,
                func.highlight(versions_table, 0, HIT_START, HIT_END),
                func.snippet(versions_table, 1, HIT_START, HIT_END, ELLIPSIS, snippet_words),
            ).where(version_condition, version_fts.c.rowid.in_(version_ids))
        )
        return {version_id: (title, _spaced_ellipses(snippet)) for version_id, title, snippet in rows}

    matching = select(version_fts.c.rowid).where(version_condition)

    def versions_match(*columns: Any) -> ColumnElement[bool]:
        return or_(*(column.in_(matching) for column in columns))

    def statement_matches(column: Any) -> ColumnElement[bool]:
        return column.in_(select(Version.statement_id).where(Version.id.in_(matching)))

    return TextMatch(
        join=_join_fts,
        condition=table.op("MATCH")(expression),
        # FTS5 reads its matches in rowid order, which migration 0007 made the publication date's.
        newest_first=(statement_fts.c.rowid.desc(),),
        rank=func.bm25(table, 10.0, 1.0),
        version_join=_join_version_fts,
        version_condition=version_condition,
        version_key=version_fts.c.rowid,
        version_rank=func.bm25(versions_table, 10.0, 1.0),
        versions_match=versions_match,
        statement_matches=statement_matches,
        marks=snippets,
    )
