"""Checks the source kinds' settings share: a source's name, http(s) URLs, CSS selectors."""

from __future__ import annotations

import re

from crawler.sources.documents import css

# A source's name is typed on the command line (--source NAME) and shown everywhere.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def source_name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError("must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    return value


def http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")) or len(value) <= len("https://"):
        raise ValueError(f"must be an http:// or https:// URL, not {value!r}")
    return value


def css_selector(value: str) -> str:
    css(value)
    return value
