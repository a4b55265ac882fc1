"""conditions[term], as the API's Elasticsearch simple_query_string reads it (default operator AND): words, quoted
phrases, `|` for or, `+` for and, `-` for not, parentheses, a trailing `*` for a prefix. Like Lucene's simple
query parser the operators bind left to right without precedence: `a b | c` is (a and b) or c. Matching is on
lower-cased word tokens, without stemming: faithful enough for the tests, not a search engine."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_TOKEN = re.compile(r"\w+")
# The fields a term searches and their boosts (EsEntrySearch.es_fields_with_boosts, docket and agency names as one).
BOOSTS = {"title": 2.5, "abstract": 2.0, "full_text": 1.25, "other": 1.0}


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


@dataclass(frozen=True)
class Leaf:
    words: tuple[str, ...]  # one word, or a phrase's words in order
    prefix: bool = False  # the last word is a prefix (word*)

    def occurrences(self, field_tokens: Sequence[str]) -> int:
        if not self.words:
            return 0
        first, size = self.words[0], len(self.words)
        if size == 1:
            if self.prefix:
                return sum(1 for token in field_tokens if token.startswith(first))
            return field_tokens.count(first)
        *inner, last = self.words
        count, start = 0, 0
        while True:
            try:
                start = field_tokens.index(first, start)
            except ValueError:
                return count
            window = list(field_tokens[start:start + size])
            if len(window) == size and window[:-1] == inner and (
                window[-1].startswith(last) if self.prefix else window[-1] == last
            ):
                count += 1
            start += 1


@dataclass(frozen=True)
class Not:
    clause: Node


@dataclass(frozen=True)
class Both:
    left: Node
    right: Node


@dataclass(frozen=True)
class Either:
    left: Node
    right: Node


Node = Leaf | Not | Both | Either


class Term:
    """A parsed conditions[term]; `text` as given."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.root = _parse(_lex(_without_unpaired_quote(text)))

    def matches(self, fields: Mapping[str, Sequence[str]]) -> bool:
        return self.root is not None and _matches(self.root, fields)

    def score(self, fields: Mapping[str, Sequence[str]]) -> float:
        """How well a matching document matches: its positive words' and phrases' occurrences, by field boost."""
        return sum(
            BOOSTS[name] * leaf.occurrences(field_tokens)
            for leaf in _positive_leaves(self.root) for name, field_tokens in fields.items()
        )


def _without_unpaired_quote(text: str) -> str:
    # The API's term preprocessor drops the last quote of an odd number.
    if text.count('"') % 2 == 0:
        return text
    last = text.rindex('"')
    return text[:last] + " " + text[last + 1:]


def _lex(text: str) -> list[str | Leaf]:
    items: list[str | Leaf] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char.isspace():
            position += 1
        elif char == '"':
            end = text.index('"', position + 1)
            items.append(Leaf(tuple(tokens(text[position + 1:end]))))
            position = end + 1
            slop = re.match(r"~\d+", text[position:])  # "a phrase"~2: the slop is ignored here
            position += slop.end() if slop else 0
        elif char in "|+()":
            items.append(char)
            position += 1
        elif char == "-" and position + 1 < len(text) and not text[position + 1].isspace():
            items.append("-")
            position += 1
        else:
            match = re.match(r'[^\s"|()]+', text[position:])
            assert match is not None
            word = match.group(0)
            position += len(word)
            prefix = word.endswith("*")
            # A hyphenated or dotted word is searched as the phrase of its parts (the API quotes hyphenated words).
            items.append(Leaf(tuple(tokens(word)), prefix=prefix))
    return items


def _parse(items: list[str | Leaf]) -> Node | None:
    node, _ = _parse_group(items, 0, nested=False)
    return node


def _parse_group(items: list[str | Leaf], position: int, *, nested: bool) -> tuple[Node | None, int]:
    node: Node | None = None
    operator = "and"
    while position < len(items):
        item = items[position]
        if item == ")":
            position += 1
            if nested:
                break
            continue  # a stray closing parenthesis is ignored
        if item in ("|", "+"):
            operator = "or" if item == "|" else "and"
            position += 1
            continue
        negated = False
        while position < len(items) and items[position] == "-":
            negated = not negated
            position += 1
        if position >= len(items):
            break
        item = items[position]
        clause: Node | None
        if item == "(":
            clause, position = _parse_group(items, position + 1, nested=True)
        elif isinstance(item, Leaf):
            clause, position = (item if item.words else None), position + 1
        else:
            continue  # an operator where a clause should be: read it as an operator next time round
        if clause is None:
            continue
        if negated:
            clause = Not(clause)
        node = clause if node is None else (Either(node, clause) if operator == "or" else Both(node, clause))
        operator = "and"
    return node, position


def _matches(node: Node, fields: Mapping[str, Sequence[str]]) -> bool:
    if isinstance(node, Leaf):
        return any(node.occurrences(field_tokens) for field_tokens in fields.values())
    if isinstance(node, Not):
        return not _matches(node.clause, fields)
    if isinstance(node, Both):
        return _matches(node.left, fields) and _matches(node.right, fields)
    return _matches(node.left, fields) or _matches(node.right, fields)


def _positive_leaves(node: Node | None) -> list[Leaf]:
    if node is None or isinstance(node, Not):
        return []
    if isinstance(node, Leaf):
        return [node]
    return _positive_leaves(node.left) + _positive_leaves(node.right)
