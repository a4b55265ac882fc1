"""The search box's language: words, "quoted phrases", `OR` between two of them, and `-word` or `-"phrase"` to
leave out what says it; everything else typed is searched as the words it holds.

People paste titles, quotes and URLs into a search box, and neither FTS5's query syntax nor a tsquery may ever see
them raw (an unbalanced quote or a stray `NEAR(` is a syntax error there). So a query is reduced here to what both
backends read alike: terms of word characters, each a word or a phrase. Every group of terms must match (a group is
one term, or several joined by `OR`, as search boxes read `launched OR initiated`), and no excluded term may. Other
operators and punctuation are searched as the text they are, which means they separate words; a dash is an
exclusion only where a word could start (`korus -steel`, not `U.S.-Korea`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

MAX_QUERY_LENGTH = 300
MAX_TERMS = 16

# A term: a quoted phrase (an unclosed quote runs to the end) or a word, with the dash that excludes it when the dash
# stands where a word could start.
_TERM = re.compile(r'(?P<minus>(?:^|(?<=\s))-)?(?:"(?P<phrase>[^"]*)"?|(?P<word>\w+))')
_WORD = re.compile(r"\w+")
_OR = "OR"

T = TypeVar("T")


class BadSearch(ValueError):
    """A query that cannot be searched, phrased for the person who typed it."""


@dataclass(frozen=True)
class _Term:
    text: str
    excluded: bool
    operator: bool  # a bare OR between two terms


def _terms(text: str) -> list[_Term]:
    found = []
    for term in _TERM.finditer(text):
        words = " ".join(_WORD.findall(term["phrase"] if term["phrase"] is not None else term["word"]))
        if words:
            found.append(_Term(words, term["minus"] is not None, term["word"] == _OR and not term["minus"]))
    return found


@dataclass(frozen=True)
class SearchQuery:
    """What a query asks for: `groups`, each of which must match (a group matches when any of its terms does), and
    `excluded` terms, none of which may match. A term is one word, or several words to be found in this order."""

    groups: tuple[tuple[str, ...], ...]
    excluded: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> SearchQuery:
        if len(text) > MAX_QUERY_LENGTH:
            raise BadSearch(f"the search is {len(text)} characters long; at most {MAX_QUERY_LENGTH} are searched")
        groups: list[list[str]] = []
        excluded: list[str] = []
        terms = _terms(text)
        joined = False  # an OR joins the next term to the group before it
        for index, term in enumerate(terms):
            if term.operator:  # dropped when there is no group before it or no term to look for after it
                joined = bool(groups) and _wanted(terms, index + 1)
                continue
            if term.excluded:
                excluded.append(term.text)
            elif joined:
                groups[-1].append(term.text)
            else:
                groups.append([term.text])
            joined = False
        unique_groups = _unique(tuple(_unique(group)) for group in groups)
        if not unique_groups:
            raise BadSearch("the search has no words to look for (letters or digits)" if not excluded else
                            "the search only leaves words out (-word); give a word to look for too")
        query = cls(unique_groups, _unique(excluded))
        if (count := len(query.terms) + len(query.excluded)) > MAX_TERMS:
            raise BadSearch(f"the search has {count} words and phrases; at most {MAX_TERMS} are searched")
        return query

    @property
    def terms(self) -> tuple[str, ...]:
        """Every term looked for, in the order typed."""
        return tuple(term for group in self.groups for term in group)

    def fts5(self) -> str:
        """An FTS5 query: every term a quoted string, so FTS5 reads no operator in it (terms hold no quotes)."""
        wanted = " AND ".join(
            _quoted(group[0]) if len(group) == 1 else "(" + " OR ".join(map(_quoted, group)) + ")"
            for group in self.groups
        )
        if not self.excluded:
            return wanted
        return f"({wanted}) NOT (" + " OR ".join(map(_quoted, self.excluded)) + ")"

    def combine(self, term: Callable[[str], T], any_of: Callable[[T, T], T], all_of: Callable[[T, T], T],
                leave_out: Callable[[T], T]) -> T:
        """The query built from each term's own expression by a backend's operators (a tsquery's `||`, `&&`, `!!`)."""
        built: T | None = None
        for group in self.groups:
            alternatives = term(group[0])
            for other in group[1:]:
                alternatives = any_of(alternatives, term(other))
            built = alternatives if built is None else all_of(built, alternatives)
        assert built is not None, "a parsed query has a group"
        for other in self.excluded:
            built = all_of(built, leave_out(term(other)))
        return built


def _wanted(terms: list[_Term], index: int) -> bool:
    """Whether the term at `index` is one to look for (so that an OR before it joins it)."""
    return index < len(terms) and not terms[index].excluded and not terms[index].operator


def _unique(items: Iterable[T]) -> tuple[T, ...]:
    return tuple(dict.fromkeys(items))


def _quoted(term: str) -> str:
    return f'"{term}"'
