"""URL keys: the same item whatever variant of its URL a page links to.

Press statements are keyed by their path alone (`url_key`), so that an archive built from a mirror matches the real
site; every other item, and every link between items, by host and path (`host_url_key`). The two never collide: a
path key starts with "/"."""

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


def host_url_key(url: str) -> str:
    """The host (lower-cased, without a default port or "www.") and `url_key` of the path: the key of a page of
    any site, and of a link target."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port
    if port is not None and (parts.scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return host + url_key(url)
