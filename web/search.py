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

from sqlalchemy import ColumnElement, Select, cast, func, literal, literal_column
from sqlalchemy.dialects.postgresql import REGCONFIG

from archive.models import Statement, Version, statement_fts, statement_search

MAX_QUERY_LENGTH = 300
MAX_TERMS = 16
# Marks around the matched words in titles and snippets; web.schemas.highlighted splits on them.
HIT_START, HIT_END = "\x02", "\x03"

_PHRASE = re.compile(r'"([^"]*)"?')
_WORD = re.compile(r"\w+")
_TEXT_SEARCH_CONFIG = "english"


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


@dataclass(frozen=True)
class TextMatch:
    """What a search adds to a statement query: its tables, the condition, a rank (lower is better) and the
    title and a snippet with the matched words marked."""

    join: Join
    condition: ColumnElement[bool]
    rank: ColumnElement[float]
    title: ColumnElement[str]
    snippet: ColumnElement[str]


def _join_versions(query: Select[Any]) -> Select[Any]:
    return query.join(Version, Version.id == statement_search.c.version_id)


def _join_fts(query: Select[Any]) -> Select[Any]:
    return query.join(statement_fts, statement_fts.c.rowid == Statement.id)


def text_match(dialect: str, query: SearchQuery, snippet_words: int = 28) -> TextMatch:
    """The backend's full-text match of `query` for a query selecting from statements joined to statement_search:
    FTS5's bm25 on SQLite (the title weighing ten times the body), ts_rank_cd over the weighted tsvector on
    PostgreSQL (title A, body B)."""
    if dialect == "postgresql":
        config = cast(literal(_TEXT_SEARCH_CONFIG), REGCONFIG)
        tsquery = func.phraseto_tsquery(config, query.terms[0])
        for term in query.terms[1:]:
            tsquery = tsquery.op("&&")(func.phraseto_tsquery(config, term))
        marks = f'StartSel="{HIT_START}", StopSel="{HIT_END}"'
        fragments = f'MaxWords={snippet_words}, MinWords={snippet_words // 2}, MaxFragments=2, FragmentDelimiter=" … "'
        return TextMatch(
            join=_join_versions,
            condition=statement_search.c.document.op("@@")(tsquery),
            rank=-func.ts_rank_cd(statement_search.c.document, tsquery),
            title=func.ts_headline(config, Version.title, tsquery, f"{marks}, HighlightAll=true"),
            snippet=func.ts_headline(config, Version.body_text, tsquery, f"{marks}, {fragments}"),
        )
    table = literal_column(statement_fts.name)
    return TextMatch(
        join=_join_fts,
        condition=table.op("MATCH")(query.fts5()),
        rank=func.bm25(table, 10.0, 1.0),
        title=func.highlight(table, 0, HIT_START, HIT_END),
        snippet=func.snippet(table, 1, HIT_START, HIT_END, "…", snippet_words),
    )
