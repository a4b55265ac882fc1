"""A statement's URL key: the same statement whatever variant of its URL a page links to."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

# The 2026 theme moved the press office from /about-us/ to /about/; both name one statement.
_SECTION_PREFIX = re.compile(r"^/about(?:-us)?/")
_REPEATED_SLASHES = re.compile(r"/{2,}")


def url_key(url: str) -> str:
    """The path of `url`, decoded, NFC-normalised and lower-cased, without query, fragment,
    trailing slash or the /about/ vs /about-us/ difference.

    The host is left out so that an archive built from a mirror matches the real site; the query
    is left out because USTR's statement URLs carry none but tracking parameters."""
    path = urlsplit(url).path
    path = unicodedata.normalize("NFC", unquote(path, errors="replace")).lower()
    path = _REPEATED_SLASHES.sub("/", path)
    path = _SECTION_PREFIX.sub("/about-us/", path)
    return path.rstrip("/") or "/"
