"""Topic relevance scoring for statement versions (pure, stdlib only, no I/O).

A topic is a set of weighted rules. Exclusions are masked out of the title and body
before any rule runs, so "North Korea" never reaches the rule for "Korea". A rule with
`context` counts only if one of its context phrases also occurs in the (masked) title
or body. The score is the sum of the weights of the rules that matched, each rule
counted once however often it matched.

Rule kinds:
- term: a literal, whole word, case-insensitive.
- phrase: case-insensitive; whitespace and dashes in the text are interchangeable
  (a hyphen in the phrase may also match nothing: "Myung-hee" finds "Myunghee");
  periods and commas in the phrase are optional ("U.S." finds "US"); an apostrophe
  matches a straight or curly one.
- regex: used as written, case-insensitive; it brings its own boundaries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

RuleKind = Literal["term", "phrase", "regex"]
TextField = Literal["title", "body"]

_DASHES = re.escape("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
_HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3"
# Korean attaches particles straight to a noun ("한미 FTA를", "산업통상자원부는"), so a
# Latin word ends where Hangul begins, and a Hangul word may run on into its particle.
_NON_HANGUL_WORD = rf"[^\W{_HANGUL}]"
_WORD_SEPARATOR = rf"[\s{_DASHES}]+"
_HYPHEN_SEPARATOR = rf"[\s{_DASHES}]*"
_PHRASE_SEPARATOR = re.compile(rf"(\s*[{_DASHES}]+\s*|\s+)")
_OPTIONAL_PUNCTUATION = {".": r"\.?", ",": ",?", "'": "['’]", "’": "['’]"}
# Neither a word character nor whitespace: a masked span keeps every offset valid and
# can neither complete a word nor act as a separator inside a phrase.
_MASK = "\x00"
_ASCII_ALPHANUMERIC_RUN = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class Rule:
    pattern: str
    kind: RuleKind = "phrase"
    weight: float = 1.0
    context: tuple[str, ...] = ()  # phrases; at least one must appear (after exclusions) for the rule to count


@dataclass(frozen=True)
class Topic:
    name: str
    rules: tuple[Rule, ...]
    exclude: tuple[Rule, ...] = ()
    threshold: float = 1.0


@dataclass(frozen=True)
class Match:
    field: TextField
    start: int
    end: int
    text: str
    rule: Rule


@dataclass(frozen=True)
class TopicScore:
    topic: str
    score: float
    relevant: bool
    matched_terms: tuple[str, ...]
    matches: tuple[Match, ...]


# A piece pairs one character of a term or phrase with the regex that matches it; a
# separator between phrase words has no character of its own ("").
_Piece = tuple[str, str]
# Optional punctuation must not decide a boundary: "U.S." still has to skip "us" in "use".
_NOT_AN_EDGE = frozenset(" \t\n.,'’")


def _leading_boundary(char: str) -> str:
    # Checked just after the first character, not before it, so the pattern still starts
    # with a literal that re can scan for quickly: the lookbehind spans that character too.
    if re.match(f"[{_HANGUL}]", char):
        return f"(?<![{_HANGUL}].)"
    return f"(?<!{_NON_HANGUL_WORD}.)" if re.match(r"\w", char) else ""


def _trailing_boundary(char: str) -> str:
    if re.match(f"[{_HANGUL}]", char):
        return ""
    return f"(?!{_NON_HANGUL_WORD})" if re.match(r"\w", char) else ""


def _whole_word(pieces: list[_Piece]) -> str:
    regexes = [regex for _, regex in pieces]
    edges = [index for index, (char, _) in enumerate(pieces) if char and char not in _NOT_AN_EDGE]
    if edges:
        regexes[edges[0]] += _leading_boundary(pieces[edges[0]][0])
        regexes[edges[-1]] += _trailing_boundary(pieces[edges[-1]][0])
    return "".join(regexes)


def _phrase_pieces(phrase: str) -> list[_Piece]:
    pieces: list[_Piece] = []
    for index, part in enumerate(_PHRASE_SEPARATOR.split(phrase.strip())):
        if index % 2:
            pieces.append(("", _HYPHEN_SEPARATOR if re.search(f"[{_DASHES}]", part) else _WORD_SEPARATOR))
        else:
            pieces.extend((char, _OPTIONAL_PUNCTUATION.get(char, re.escape(char))) for char in part)
    return pieces


def compile_rule(rule: Rule) -> re.Pattern[str]:
    """Compile one rule; raises ValueError naming the pattern if it cannot be used."""
    if not rule.pattern.strip():
        raise ValueError(f"rule pattern is empty: {rule.pattern!r}")
    if rule.kind == "term":
        source = _whole_word([(char, re.escape(char)) for char in rule.pattern.strip()])
    elif rule.kind == "phrase":
        source = _whole_word(_phrase_pieces(rule.pattern))
    elif rule.kind == "regex":
        source = rule.pattern
    else:
        raise ValueError(f"unknown rule kind {rule.kind!r} for pattern {rule.pattern!r}")
    try:
        return re.compile(source, re.IGNORECASE)
    except re.error as error:
        raise ValueError(f"invalid regular expression {rule.pattern!r}: {error}") from error


@dataclass(frozen=True)
class _CompiledRule:
    rule: Rule
    pattern: re.Pattern[str]
    # What every match contains, for a cheap test before the pattern runs: see _required_literals.
    literals: tuple[str, ...]

    def may_match(self, folded: str) -> bool:
        """False when the pattern cannot match the text of which `folded` is the _folded() form."""
        return all(literal in folded for literal in self.literals)


def _compiled(rule: Rule) -> _CompiledRule:
    return _CompiledRule(rule, compile_rule(rule), _required_literals(rule))


def _required_literals(rule: Rule) -> tuple[str, ...]:
    """The runs of ASCII letters and digits of a term or phrase, lower-cased: its matches contain each as written,
    up to case, since only its spaces, dashes and punctuation vary. Nothing for a regex."""
    if rule.kind not in ("term", "phrase"):
        return ()
    return tuple(run.lower() for run in _ASCII_ALPHANUMERIC_RUN.findall(rule.pattern))


def _folded(text: str) -> str:
    """`text` as re.IGNORECASE compares it with ASCII letters and digits: casefolded (which also maps the long s and
    the Kelvin sign), with İ and ı, which re matches to "i" and casefold() does not, made "i"."""
    if "\u0130" in text or "\u0131" in text:
        text = text.replace("\u0130", "i").replace("\u0131", "i")
    return text.casefold()


class TopicScorer:
    """Scores statements against one topic. Its patterns are compiled once, on first use: compiling the built-in
    topic takes a tenth of a second, which a poll that stores no new version need not pay. A rule that cannot be
    compiled is still refused here, up front."""

    def __init__(self, topic: Topic) -> None:
        self.topic = topic
        rules = (*topic.rules, *topic.exclude)
        context_rules = (Rule(phrase, "phrase") for rule in rules for phrase in rule.context)
        for rule in (*rules, *context_rules):
            # A term or phrase is built from escaped characters and compiles whatever it says, unless it is empty.
            if rule.kind not in ("term", "phrase") or not rule.pattern.strip():
                compile_rule(rule)

    @cached_property
    def _rules(self) -> tuple[_CompiledRule, ...]:
        return tuple(_compiled(rule) for rule in self.topic.rules)

    @cached_property
    def _exclusions(self) -> tuple[_CompiledRule, ...]:
        return tuple(_compiled(rule) for rule in self.topic.exclude)

    @cached_property
    def _context_patterns(self) -> dict[str, _CompiledRule]:
        context_phrases = {phrase for rule in (*self.topic.rules, *self.topic.exclude) for phrase in rule.context}
        return {phrase: _compiled(Rule(phrase, "phrase")) for phrase in context_phrases}

    def score(self, title: str, body: str) -> TopicScore:
        raw_texts: dict[TextField, str] = {"title": title, "body": body}
        # Most statements contain few of a topic's words: substring tests on this rule most patterns out, which
        # halves the CPU of scoring. Masking only takes text away, so the test holds for the masked texts too.
        folded = _folded(f"{title}\x00{body}")
        exclusions = [
            exclusion.pattern
            for exclusion in self._exclusions
            if exclusion.may_match(folded) and self._context_present(exclusion.rule, raw_texts, {}, folded)
        ]
        masked_texts = {field: _masked(text, exclusions) for field, text in raw_texts.items()}

        context_memo: dict[str, bool] = {}
        total = 0.0
        matches: list[Match] = []
        for compiled in self._rules:
            # The context first: its phrases are mostly ruled out by the cheap test, a rule's regex is not.
            if not compiled.may_match(folded) or not self._context_present(
                compiled.rule, masked_texts, context_memo, folded
            ):
                continue
            found = [
                Match(field, hit.start(), hit.end(), raw_texts[field][hit.start() : hit.end()], compiled.rule)
                for field, text in masked_texts.items()
                for hit in compiled.pattern.finditer(text)
                if hit.end() > hit.start()
            ]
            if found:
                total += compiled.rule.weight
                matches.extend(found)

        matches.sort(key=lambda match: (match.field != "title", match.start, -match.end))
        return TopicScore(
            topic=self.topic.name,
            score=total,
            relevant=total >= self.topic.threshold,
            matched_terms=_distinct_terms(matches),
            matches=tuple(matches),
        )

    def _context_present(self, rule: Rule, texts: dict[TextField, str], memo: dict[str, bool], folded: str) -> bool:
        if not rule.context:
            return True
        for phrase in rule.context:
            if phrase not in memo:
                context = self._context_patterns[phrase]
                memo[phrase] = context.may_match(folded) and any(
                    context.pattern.search(text) for text in texts.values()
                )
            if memo[phrase]:
                return True
        return False


def _masked(text: str, exclusions: list[re.Pattern[str]]) -> str:
    spans = [hit.span() for pattern in exclusions for hit in pattern.finditer(text)]
    if not spans:
        return text
    characters = list(text)
    for start, end in spans:
        characters[start:end] = _MASK * (end - start)
    return "".join(characters)


def _distinct_terms(matches: list[Match]) -> tuple[str, ...]:
    # "Korus" in the title and "KORUS" in the body are one term: keep the first spelling seen.
    seen: dict[str, str] = {}
    for match in matches:
        seen.setdefault(" ".join(match.text.split()).casefold(), match.text)
    return tuple(seen.values())


# Built-in KORUS topic. Strong signals weigh the threshold on their own; bare mentions of
# Korea weigh less, so a statement on EU or China trade that lists Korea among other
# countries stays below it.
_TRADE_CONTEXT = (
    "trade", "trading", "tariff", "tariffs", "FTA", "free trade", "agreement", "agreements",
    "export", "exports", "exporters", "import", "imports", "market access", "steel", "autos",
    "automobiles", "auto parts", "automotive", "negotiations", "quota", "quotas", "KORUS",
)  # fmt: skip
_KOREA_CONTEXT = ("Korea", "Korean", "ROK", "KORUS", "Seoul")

_US = r"(?:U\.?S\.?(?:A\.?)?|United\s+States(?:\s+of\s+America)?)"
_KOREA = r"(?:Republic\s+of\s+Korea|Korea|ROK)"
_US_KOREA_AGREEMENT = (
    rf"(?<!{_NON_HANGUL_WORD})(?:{_US}{_WORD_SEPARATOR}{_KOREA}|{_KOREA}{_WORD_SEPARATOR}{_US})"
    rf"{_WORD_SEPARATOR}(?:\(KORUS\){_WORD_SEPARATOR})?"
    rf"(?:(?:free{_WORD_SEPARATOR})?trade{_WORD_SEPARATOR}agreement|FTA)(?!{_NON_HANGUL_WORD})"
)
# Korean writes the pair as 한미, 한·미 or 한-미, with or without a space before FTA.
_KOREAN_US_KOREA_AGREEMENT = (
    rf"(?<![{_HANGUL}])한\s*[·ㆍ・‧{_DASHES}]?\s*미\s*(?:FTA(?!{_NON_HANGUL_WORD})|자유\s*무역\s*협정)"
)
_TRADE_MINISTER = r"\b(?:trade\s+minister|minister\s+(?:for|of)\s+trade)\b"

KORUS = Topic(
    name="korus",
    rules=(
        Rule("KORUS", "term", 3.0),
        Rule(_US_KOREA_AGREEMENT, "regex", 3.0),
        Rule(_KOREAN_US_KOREA_AGREEMENT, "regex", 3.0),
        Rule("MOTIE", "term", 3.0),
        Rule("Ministry of Trade, Industry, and Energy", "phrase", 3.0),
        # The name USTR used in its 2018-02-01 statement.
        Rule("Ministry of Trade, Economy, and Industry", "phrase", 3.0),
        Rule("산업통상자원부", "term", 3.0),
        Rule("Hyun-chong Kim", "phrase", 3.0),
        Rule("Kim Hyun-chong", "phrase", 3.0),
        Rule("Myung-hee Yoo", "phrase", 3.0),
        Rule("Yoo Myung-hee", "phrase", 3.0),
        Rule(_TRADE_MINISTER, "regex", 1.0, context=_KOREA_CONTEXT),
        Rule("Joint Committee", "phrase", 1.0, context=_KOREA_CONTEXT),
        Rule("Republic of Korea", "phrase", 1.5, context=_TRADE_CONTEXT),
        Rule("ROK", "term", 1.5, context=_TRADE_CONTEXT),
        Rule("Korea", "term", 1.0, context=_TRADE_CONTEXT),
        Rule("Korean", "term", 0.5, context=_TRADE_CONTEXT),
    ),
    exclude=(
        Rule("North Korea", "phrase"),
        Rule("North Korean", "phrase"),
        Rule("DPRK", "term"),
        Rule("Democratic People's Republic of Korea", "phrase"),
        Rule("Korean War", "phrase"),
    ),
    threshold=3.0,
)
