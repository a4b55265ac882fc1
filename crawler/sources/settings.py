"""What the source kinds' settings share: a source's name and interval, checks of http(s) URLs and CSS selectors."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from archive.settings import Section
from crawler.sources.documents import css

# A source's name is typed on the command line (--source NAME) and shown everywhere.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class SourceSection(Section):
    """A configured source: its name, and how often it is polled."""

    name: str
    interval_minutes: float | None = Field(default=None, gt=0)  # None: the crawl's interval

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not _NAME.fullmatch(name):
            raise ValueError("must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        return name


def http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")) or len(value) <= len("https://"):
        raise ValueError(f"must be an http:// or https:// URL, not {value!r}")
    return value


def css_selector(value: str) -> str:
    css(value)
    return value
