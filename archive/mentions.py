"""What a passage of a statement mentions that can change its meaning: dates, numbers, negations, obligations (modal
verbs) and parties, each with the text as written and a key that says what it means, so that two spellings of
one thing ("May 1, 2018" and "1 May 2018", "the U.S." and "the United States") compare equal. And the sentences of
a text. Pure functions; dates are read by python-dateutil."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache

from archive.parties import NOT_NAMES, PARTY_NAMES, TITLE_WORDS


@dataclass(frozen=True)
class Mention:
    # What it means: equal keys are the same date, number, party, word.
    key: Hashable
    # As the text has it.
    text: str
    start: int
    end: int


# -- sentences ------------------------------------------------------------------------------------

# A sentence ends at . ! ? (and any closing quote or bracket) before a space and what may start a sentence.
_SENTENCE_END = r"[.!?:;][\"”’')\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9\u1100-\uffdc])|\n+"
# Abbreviations whose period ends no sentence: "U.S. Trade Representative", "Mr. Kim", "Sept. 3".
_ABBREVIATIONS = frozenset("""mr mrs ms dr st no nos jan feb mar apr jun jul aug sep sept oct nov dec inc corp co ltd
jr sr vs amb gov sen rep dept approx etc""".split())


def sentences(text: str) -> list[tuple[int, int]]:
    """The spans of the text's sentences (and of its lines: a paragraph ends a sentence), without the spaces
    between them."""
    spans: list[tuple[int, int]] = []
    start = 0
    for end in _pattern(_SENTENCE_END).finditer(text):
        if end.group().startswith("."):
            # The word the period ends ("U.S." ends "S"): a letter or an abbreviation ends no sentence.
            before = text[max(start, end.start() - 12) : end.start()].split()
            word = before[-1].rsplit(".", 1)[-1].strip("\"“”‘’'([") if before else ""
            if word.isalpha() and (len(word) == 1 or word.lower() in _ABBREVIATIONS):
                continue
        _add_span(text, start, end.end() if not end.group().startswith("\n") else end.start(), spans)
        start = end.end()
    _add_span(text, start, len(text), spans)
    return spans


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


@cache
def _pattern(source: str, flags: int = 0) -> re.Pattern[str]:
    """Compiled on first use: the classifier's patterns cost milliseconds to compile, which a process that judges
    no edit (most commands, most polls) need not pay."""
    return re.compile(source, flags)


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


# -- dates ----------------------------------------------------------------------------------------

_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
          r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.)")
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]|2[01])\d\d"
_DATE = (
    rf"(?<![\w$€£₩¥])(?:"
    rf"(?:{_WEEKDAY},?\s+)?{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?"        # (Tuesday,) May 1(, 2018)
    rf"|(?:{_WEEKDAY},?\s+)?{_DAY}\s+(?:of\s+)?{_MONTH},?(?:\s+{_YEAR})?"  # 1 May 2018, the 1st of May
    rf"|{_MONTH},?\s+{_YEAR}"                                         # July 2017
    rf"|\d{{1,2}}/\d{{1,2}}/(?:\d{{4}}|\d\d)"                         # 03/01/2019
    rf"|\d{{4}}-\d\d-\d\d"                                            # 2019-03-01
    rf"|{_MONTH}|{_WEEKDAY}"                                          # in May, on Tuesday
    rf"|{_YEAR}"                                                      # until 2041
    rf")(?![\w%]|\.\d|,\d)"
)


def dates(text: str) -> list[Mention]:
    """The dates, keyed by how they are written (by_meaning keys them by the date they give)."""
    found = []
    for match in _pattern(_DATE).finditer(text):
        written = match.group().rstrip(",")
        if written == "May" and _opens_sentence(text, match.start()):
            continue  # "May we ..." is the modal verb
        found.append(Mention(" ".join(written.split()), written, match.start(), match.start() + len(written)))
    return found


def by_meaning(found: list[Mention]) -> list[Mention]:
    """Dates keyed by the date they give, so that "May 1, 2018" and "1 May 2018" are one date. Reading them costs
    more than finding them: done only when the written dates differ."""
    return [Mention(_date_key(date.text), date.text, date.start, date.end) for date in found]


def _opens_sentence(text: str, position: int) -> bool:
    before = text[:position].rstrip(" \"“‘'(")
    return not before or before[-1] in ".!?:;\n"


@lru_cache(maxsize=4096)
def _date_key(written: str) -> Hashable:
    """The date as (year, month, day, weekday), None for each part the text does not give."""
    from dateutil import parser  # 30 ms to import: only polls that find a date changed need it

    cleaned = re.sub(r"\bof\b", " ", written)
    try:
        # Parsed against two defaults: a part that differs between them is one the text does not give.
        first = parser.parse(cleaned, default=datetime(1, 1, 1))
        second = parser.parse(cleaned, default=datetime(2, 2, 2))
    except (ValueError, OverflowError):
        return written.casefold()
    weekday = re.search(_WEEKDAY, written)
    return tuple(a if a == b else None for a, b in
                 ((first.year, second.year), (first.month, second.month), (first.day, second.day))
                 ) + (weekday.group() if weekday else None,)


# -- numbers --------------------------------------------------------------------------------------

_UNITS: dict[str, int | Decimal] = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
          "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "half": Decimal("0.5"),
          "dozen": 12, "once": 1, "twice": 2, "double": 2, "triple": 3}
_SCALES = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
             "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
             "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "hundredth": 100}
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_SCALES, *_ORDINALS], key=len, reverse=True))
_CURRENCY = r"(?:US\$|\$|€|£|₩|¥|USD\s|EUR\s|KRW\s)"
_PERCENT = r"(?:\s?%|\s+percent(?:age points?)?|\s+per\s?cent)"
_NUMBER = (
    rf"(?P<currency>{_CURRENCY})?\s?"
    rf"(?:(?P<digits>\d+(?:[.,]\d+)*)(?P<ordinal>st|nd|rd|th)?"
    rf"|(?P<words>\b(?:{_NUMBER_WORD})(?:(?:-|\s+(?:and\s+)?)(?:{_NUMBER_WORD}))*\b))"
    rf"(?:\s?(?P<scale>hundred|thousand|million|billion|trillion|[mb]n\b))?"
    rf"(?P<percent>{_PERCENT})?(?!\w)"
)


def numbers(text: str, dates_found: list[Mention]) -> list[Mention]:
    """Amounts, rates, counts, ordinals and codes, outside the dates found: each keyed by its value, currency and
    percent sign ("25 percent" and "25%" are one rate; "8703.23" is a code, kept as written)."""
    taken = [(d.start, d.end) for d in dates_found]
    found = []
    for match in _pattern(_NUMBER, re.IGNORECASE).finditer(text):
        if not (match.group("digits") or match.group("words")):
            continue
        start = match.start("digits") if match.group("digits") else match.start("words")
        if match.group("currency"):
            start = match.start("currency")
        if any(s < match.end() and start < e for s, e in taken):
            continue
        written = text[start : match.end()]
        value = _value(match)
        if value is None:
            continue
        currency = (match.group("currency") or "").strip().replace("USD", "$").replace("US$", "$")
        percent = bool(match.group("percent"))
        found.append(Mention((currency, value, percent), written, start, match.end()))
    return found


def _value(match: re.Match[str]) -> Hashable | None:
    scale = (match.group("scale") or "").lower()
    multiplier = {"mn": 10**6, "bn": 10**9}.get(scale, _SCALES.get(scale, 1))
    if match.group("digits"):
        digits = match.group("digits")
        if digits.count(".") > 1 or re.search(r"\.\d+,", digits):
            return ("code", digits)  # a tariff line or a section number, not a quantity
        if match.group("ordinal"):
            return ("ordinal", int(re.sub(r"\D", "", digits) or 0))
        plain = re.sub(r",(?=\d{3}\b)", "", digits).replace(",", ".")
        try:
            return Decimal(plain) * multiplier
        except InvalidOperation:
            return ("code", digits)
    spoken = [w.lower() for w in re.split(r"[-\s]+", match.group("words")) if w.lower() != "and"]
    if len(spoken) == 1 and spoken[0] in _ORDINALS:
        return ("ordinal", _ORDINALS[spoken[0]])
    total, current = Decimal(0), Decimal(0)
    for word in spoken:
        if word in _UNITS:
            current += _UNITS[word]
        elif word == "hundred":
            current = (current or Decimal(1)) * 100
        elif word in _SCALES:
            total += (current or Decimal(1)) * _SCALES[word]
            current = Decimal(0)
        elif word in _ORDINALS:
            current += _ORDINALS[word]
    return (total + current) * multiplier


# -- negations and obligations --------------------------------------------------------------------

_NEGATION = r"\b(?:not(?!\s+only\b)|no(?!\.\s*\d)|never|without|unless|none|nor|neither|nobody|nothing|cannot|\w+n[’']t)\b"
_MODAL = r"\b(?:shall|must|may|will|should|can|could|would|might|cannot|won(?=[’']t)|shan(?=[’']t))\b"
_MODAL_SPELLINGS = {"cannot": "can", "won": "will", "shan": "shall"}


def negations(text: str) -> list[Mention]:
    return [Mention("negation", m.group(), m.start(), m.end()) for m in _pattern(_NEGATION, re.IGNORECASE).finditer(text)]


def obligations(text: str, dates_found: list[Mention]) -> list[Mention]:
    """The modal verbs: "May" in a date is the month."""
    taken = [(d.start, d.end) for d in dates_found]
    found = []
    for match in _pattern(_MODAL, re.IGNORECASE).finditer(text):
        if any(s <= match.start() < e for s, e in taken):
            continue
        word = match.group().lower()
        found.append(Mention(_MODAL_SPELLINGS.get(word, word), match.group(), match.start(), match.end()))
    return found


# -- parties --------------------------------------------------------------------------------------

_KNOWN_PARTY = (
    r"(?<![\w.])(?:" + "|".join(re.escape(s) for s in sorted(PARTY_NAMES, key=len, reverse=True)) + r")(?![\w])"
)
# A capitalised word (a hyphenated or apostrophised name too), an acronym, or initials such as "U.S.".
_NAME_WORD = r"(?:[A-Z][a-z]+(?:[-’'][A-Za-z]+)*|[A-Z]{2,}s?|(?:[A-Z]\.){2,})"
_NAME = rf"(?<![\w.]){_NAME_WORD}(?:\s+(?:(?:of|for|de|van|von)(?:\s+the)?\s+)?{_NAME_WORD})*"
_CONNECTORS = frozenset({"of", "for", "de", "van", "von", "the"})


def parties(text: str, dates_found: list[Mention]) -> list[Mention]:
    """Countries, agencies, officials and organizations: the curated ones by name (their spellings made one), and
    any other run of capitalised words that does not open a sentence alone or read as a common word, keyed by its
    last word, lower-cased ("Deputy Minister Myung-hee Yoo" and "Minister Yoo" are one party). Dates are no names."""
    found: list[Mention] = []
    taken = [(d.start, d.end) for d in dates_found]
    for match in _pattern(_KNOWN_PARTY).finditer(text):
        found.append(Mention(("party", PARTY_NAMES[match.group()]), match.group(), match.start(), match.end()))
        taken.append(match.span())
    for match in _pattern(_NAME).finditer(text):
        for start, end in _outside(match.start(), match.end(), taken):
            end = start + len(text[start:end].rstrip())
            name_words = text[start:end].split()
            while name_words and name_words[-1] in _CONNECTORS:
                name_words.pop()
            while name_words and name_words[0].lower() in NOT_NAMES | TITLE_WORDS and len(name_words) > 1:
                name_words.pop(0)
            if not name_words:
                continue
            head = name_words[-1].strip(".").lower()
            if len(name_words) == 1 and (head in NOT_NAMES or _opens_sentence(text, end - len(name_words[0]))):
                continue
            found.append(Mention(("name", head), " ".join(name_words), end - len(" ".join(name_words)), end))
    return sorted(found, key=lambda mention: mention.start)


def _outside(start: int, end: int, taken: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """The parts of [start, end) that no taken span covers."""
    position = start
    for s, e in sorted(taken):
        if e <= position or s >= end:
            continue
        if s > position:
            yield position, s
        position = max(position, e)
    if position < end:
        yield position, end
