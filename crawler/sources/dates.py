"""Dates as other sites write them ("2026.11.05", "2026-11-05", "Nov 5, 2026", "5 November 2026", "05/11/2026"),
read with python-dateutil. A numeric date with the year last is ambiguous (05/11/2026 is 11 May in the US and
5 November in much of the world): the source says which order it writes (`date_order`), or such a date is refused.
A date with the year first is always year, month, day."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

from dateutil import parser

DateOrder = Literal["MDY", "DMY"]

# The first numeric date in a text, so that what stands around it ("2026.11.05 Hit 35") is not read as a time.
_YEAR_FIRST = re.compile(r"\b(\d{4})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{1,2})\b")
_YEAR_LAST = re.compile(r"\b\d{1,2}\s*[./-]\s*\d{1,2}\s*[./-]\s*\d{4}\b")
# Two different defaults: a date that reads the same with both was written in full (day, month and year).
_DEFAULTS = (datetime(2001, 1, 1), datetime(2002, 2, 2))


class AmbiguousDate(ValueError):
    """A numeric date with its year last, read without a configured order."""


def read_date(text: str, order: DateOrder | None) -> date | None:
    """The date written in `text`, or None when it holds no full date. AmbiguousDate for "05/11/2026" and the like
    when `order` is None."""
    year_first = _YEAR_FIRST.search(text)
    if year_first:
        try:
            return date(*map(int, year_first.groups()))
        except ValueError:
            return None
    year_last = _YEAR_LAST.search(text)
    if year_last:
        if order is None:
            raise AmbiguousDate(f"{year_last.group()!r} may be month/day or day/month: set date_order")
        return _parsed(year_last.group(), dayfirst=order == "DMY", fuzzy=False)
    return _parsed(text, dayfirst=False, fuzzy=True) if re.search(r"\d{4}", text) else None


def _parsed(text: str, *, dayfirst: bool, fuzzy: bool) -> date | None:
    try:
        first, second = (parser.parse(text, default=d, dayfirst=dayfirst, fuzzy=fuzzy) for d in _DEFAULTS)
    except (ValueError, OverflowError):
        return None
    return first.date() if first.date() == second.date() else None
