"""Full-text search: any query string becomes plain words and "quoted phrases", matched by FTS5 or tsvector.

People paste titles, quotes and URLs into a search box, and neither FTS5's query syntax nor a tsquery may ever see
them raw (an unbalanced quote or a stray `NEAR(` is a syntax error there). So a query is reduced here to what both
backends read alike: terms of word characters, each a word or a phrase, all of which must match. Operators and
punctuation are searched as the text they are, which means they separate words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, cast, func, literal, literal_column, select
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import Session

from archive.models import Statement, Version, statement_fts, statement_search

MAX_QUERY_LENGTH = 300
# A search ranks its newest matches only, this many at most: a common word matches most of the archive, and ranking
# all of 100,000 matches costs a tenth of a second on SQLite and seconds on PostgreSQL, where ranking the newest
# thousand costs milliseconds. Sorted by date, every match can still be paged through.
CANDIDATES = 1000
MAX_TERMS = 16
# Marks around the matched words in titles and snippets; archive.read.schemas.highlighted splits on them.
HIT_START, HIT_END = "\x02", "\x03"

_PHRASE = re.compile(r'"([^"]*)"?')
_WORD = re.compile(r"\w+")
_TEXT_SEARCH_CONFIG = "english"
# The statement id's bits of a statement_fts rowid (migration 0007 puts the publication date above them).
_FTS_ROWID_STATEMENT = 0xFFFFFFFF


class BadSearch(ValueError):
    """A query that cannot be searched, phrased for the person who typed it."""


@dataclass(frozen=True)
class SearchQuery:
    """The terms of a query: each one word, or several words to be found in this order."""

    terms: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> SearchQuery:
        if len(text) > MAX_QUERY_LENGTH:
            raise BadSearch(f"the search is {len(text)} characters long; at most {MAX_QUERY_LENGTH} are searched")
        terms: list[str] = []
        # Quoted parts are phrases (an unclosed quote runs to the end); the rest is single words.
        position = 0
        for quoted in _PHRASE.finditer(text):
            terms += _WORD.findall(text[position:quoted.start()])
            terms.append(" ".join(_WORD.findall(quoted[1])))
            position = quoted.end()
        terms += _WORD.findall(text[position:])
        terms = list(dict.fromkeys(term for term in terms if term))
        if not terms:
            raise BadSearch("the search has no words to look for (letters or digits)")
        if len(terms) > MAX_TERMS:
            raise BadSearch(f"the search has {len(terms)} words and phrases; at most {MAX_TERMS} are searched")
        return cls(tuple(terms))

    def fts5(self) -> str:
        """An FTS5 query: every term a quoted string, so FTS5 reads no operator in it (terms hold no quotes)."""
        return " ".join(f'"{term}"' for term in self.terms)


Join = Callable[[Select[Any]], Select[Any]]
Marks = Callable[[Session, list[int]], dict[int, tuple[str, str]]]


@dataclass(frozen=True)
class TextMatch:
    """What a search adds to a statement query: its tables, the condition, the order its candidates are taken in
    (newest first), a rank (lower is better), a key naming each match for `marks`, and `marks`: for the keys of
    one page of results, the title and a snippet with the matched words marked."""

    join: Join
    condition: ColumnElement[bool]
    newest_first: tuple[ColumnElement[Any], ...]
    rank: ColumnElement[float]
    key: ColumnElement[int]
    marks: Marks


def _nothing_to_join(query: Select[Any]) -> Select[Any]:
    return query  # the tsvector is statement_search's own column


def _join_fts(query: Select[Any]) -> Select[Any]:
    # By the statement id in the rowid's low bits: the join then looks statements up by primary key while FTS5
    # reads its matches newest first.
    return query.join(statement_fts, statement_fts.c.rowid.op("&")(_FTS_ROWID_STATEMENT) == Statement.id)


def text_match(dialect: str, query: SearchQuery, snippet_words: int = 28) -> TextMatch:
    """The backend's full-text match of `query` for a query selecting from statements joined to statement_search:
    FTS5's bm25 on SQLite (the title weighing ten times the body), ts_rank_cd over the weighted tsvector on
    PostgreSQL (title A, body B). Both read their matches newest first (migration 0007), so that the candidates
    of a broad search are found without reading every match."""
    if dialect == "postgresql":
        return _postgres_match(query, snippet_words)
    return _sqlite_match(query, snippet_words)


def _postgres_match(query: SearchQuery, snippet_words: int) -> TextMatch:
    config = cast(literal(_TEXT_SEARCH_CONFIG), REGCONFIG)
    tsquery: ColumnElement[Any] = func.phraseto_tsquery(config, query.terms[0])
    for term in query.terms[1:]:
        tsquery = tsquery.op("&&")(func.phraseto_tsquery(config, term))
    marks = f'StartSel="{HIT_START}", StopSel="{HIT_END}"'
    fragments = f'MaxWords={snippet_words}, MinWords={snippet_words // 2}, MaxFragments=2, FragmentDelimiter=" … "'

    def headlines(session: Session, version_ids: list[int]) -> dict[int, tuple[str, str]]:
        rows = session.execute(
            select(
                Version.id,
                func.ts_headline(config, Version.title, tsquery, f"{marks}, HighlightAll=true"),
                func.ts_headline(config, Version.body_text, tsquery, f"{marks}, {fragments}"),
            ).where(Version.id.in_(version_ids))
        )
        return {version_id: (title, snippet) for version_id, title, snippet in rows}

    return TextMatch(
        join=_nothing_to_join,
        condition=statement_search.c.document.op("@@")(tsquery),
        # The order of the index ix_statements_newest_first, which the candidates query walks.
        newest_first=(Statement.published_on.desc().nulls_last(), Statement.id.desc()),
        rank=-func.ts_rank_cd(statement_search.c.document, tsquery),
        key=statement_search.c.version_id,
        marks=headlines,
    )


def _sqlite_match(query: SearchQuery, snippet_words: int) -> TextMatch:
    table: ColumnElement[Any] = literal_column(statement_fts.name)
    condition = table.op("MATCH")(query.fts5())

    def snippets(session: Session, rowids: list[int]) -> dict[int, tuple[str, str]]:
        rows = session.execute(
            select(
                statement_fts.c.rowid,
                func.highlight(table, 0, HIT_START, HIT_END),
                func.snippet(table, 1, HIT_START, HIT_END, "…", snippet_words),
            ).where(condition, statement_fts.c.rowid.in_(rowids))
        )
        return {rowid: (title, snippet) for rowid, title, snippet in rows}

    return TextMatch(
        join=_join_fts,
        condition=condition,
        # FTS5 reads its matches in rowid order, which migration 0007 made the publication date's.
        newest_first=(statement_fts.c.rowid.desc(),),
        rank=func.bm25(table, 10.0, 1.0),
        key=statement_fts.c.rowid,
        marks=snippets,
    )
