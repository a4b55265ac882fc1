"""An edit's significance in words, for the messages and pages that lead with it: "Substantive: the effective date
changed from May 1, 2018 to June 1, 2018"."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from archive import mentions
from archive.significance import Reason, Significance

_SUMMARY_QUOTE = 80


def summary(level: Significance | str, reasons: Sequence[Reason], shown: int = 2) -> str:
    """The level and its first reasons in words: "Substantive: the effective date changed from May 1, 2018 to
    June 1, 2018"."""
    phrases = list(dict.fromkeys(_phrase(reason) for reason in reasons))
    text = str(level).capitalize()
    if phrases:
        text += ": " + "; ".join(phrases[:shown])
        if len(phrases) > shown:
            more = len(phrases) - shown
            text += f"; and {more} more change{'s' if more > 1 else ''}"
    return text


def _q(text: str) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= _SUMMARY_QUOTE else text[:_SUMMARY_QUOTE - 1].rsplit(' ', 1)[0] + '…'}”"


def _phrase(reason: Reason) -> str:
    before, after = reason.get("from"), reason.get("to")
    return _PHRASES.get(reason["kind"], _wording_phrase)(reason, before, after)


def _changed(noun: str, before: str | None, after: str | None, quote: Callable[[str], str] = str) -> str:
    if before is not None and after is not None:
        return f"{noun} changed from {quote(before)} to {quote(after)}"
    if after is not None:
        return f"{noun} was added: {quote(after)}"
    return f"{noun} was removed: {quote(before or '')}"


def _date_phrase(reason: Reason, before: str | None, after: str | None) -> str:
    what = reason.get("what")
    return _changed(f"the {what}" if what else "a date", before, after)


def _number_phrase(reason: Reason, before: str | None, after: str | None) -> str:
    written = f"{before or ''} {after or ''}"
    noun = ("a rate" if re.search(r"%|per\s?cent", written, re.I)
            else "an amount" if re.search(r"[$€£₩¥]|USD|KRW|EUR", written) else "a number")
    return _changed(noun, before, after)


def _negation_phrase(reason: Reason, before: str | None, after: str | None) -> str:
    added = len(mentions.negations(after or "")) > len(mentions.negations(before or ""))
    if before and after:
        return f"a negation was {'added' if added else 'removed'}: {_q(before)} became {_q(after)}"
    return f"a negation was {'added' if added else 'removed'}: {_q(after or before or '')}"


def _party_phrase(reason: Reason, before: str | None, after: str | None) -> str:
    if before is not None and after is not None:
        return f"{after} is named instead of {before}"
    return f"{after} is now named" if after is not None else f"{before} is no longer named"


def _topic_phrase(reason: Reason, before: str | None, after: str | None) -> str:
    topic = reason.get("topic", "")
    parts = ([f"it now names {after}"] if after else []) + ([f"it no longer names {before}"] if before else [])
    return f"{' and '.join(parts)} (topic {topic})"


def _wording_phrase(reason: Reason, before: str | None, after: str | None) -> str:
    if before is not None and after is not None:
        return f"{_q(before)} became {_q(after)}"
    return f"{_q(after)} was added" if after is not None else f"{_q(before or '')} was removed"


_PHRASES: dict[str, Callable[[Reason, str | None, str | None], str]] = {
    "title": lambda r, b, a: _changed("the title", b, a, _q),
    "date": _date_phrase,
    "number": _number_phrase,
    "negation": _negation_phrase,
    "obligation": lambda r, b, a: _changed("an obligation", b, a, _q),
    "party": _party_phrase,
    "topic": _topic_phrase,
    "sentence": lambda r, b, a: _changed("a sentence", b, a, _q),
    "cosmetic": lambda r, b, a: "only punctuation, letter case, spacing or diacritics changed",
}
