"""Links as a reader keeps them: absolute, http(s), without what changes by itself (tracking parameters, session
ids, fragments), so that a link makes an edit only when it leads somewhere else."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

from archive.identity import host_url_key

# Parameters that name the visit, not the resource. A narrow list on purpose: a listed item's URL is its identity,
# and dropping a parameter that does name the resource (an article id) would merge two items.
_SESSION_PARAMETERS = frozenset({
    "jsessionid", "phpsessid", "aspsessionid", "sessionid", "session_id", "cfid", "cftoken",
})
_TRACKING_PARAMETERS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_ga", "_gl",
    "_hsenc", "_hsmi", "mkt_tok",
})
# Java servlets put the session in the path: /view.do;jsessionid=0A1B2C?id=5
_PATH_SESSION = re.compile(r";jsessionid=[^/?#]*", re.IGNORECASE)


def absolute_link(href: str, base_url: str) -> str | None:
    """`href` resolved against `base_url` and cleaned; None when it is not an http(s) link (mailto:, javascript:,
    a page-local #anchor) or cannot be parsed."""
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    try:
        absolute = urljoin(base_url, href)
        parts = urlsplit(absolute)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return clean_link(absolute)


def clean_link(url: str) -> str:
    """`url` without its fragment, session ids and tracking parameters; the other parameters keep their order and
    their encoding."""
    parts = urlsplit(url)
    query = "&".join(piece for piece in parts.query.split("&") if piece and not _is_chrome_parameter(piece))
    return urlunsplit((parts.scheme, parts.netloc, _PATH_SESSION.sub("", parts.path), query, ""))


def _is_chrome_parameter(piece: str) -> bool:
    name = piece.split("=", 1)[0].lower()
    return name in _SESSION_PARAMETERS or name in _TRACKING_PARAMETERS or name.startswith("utm_")


def same_host(url: str, other: str) -> bool:
    """Whether both URLs are on one host (scheme and default ports aside: http and https of a host are one host)."""
    first, second = urlsplit(url), urlsplit(other)
    return (first.hostname or "").lower() == (second.hostname or "").lower() and _port(first) == _port(second)


def _port(parts: SplitResult) -> int | None:
    port = parts.port
    return None if port in (None, 80, 443) else port


def item_key(url: str) -> str:
    """The identity key of another site's page (a watched page, a listed item): its host and path as
    archive.identity.host_url_key has them, and its query, cleaned as `clean_link` cleans it: a board whose articles
    differ by a parameter alone (bbsView.do?bbs_seq_n=N) has one item per article."""
    cleaned = clean_link(url)
    query = urlsplit(cleaned).query
    return host_url_key(cleaned) + (f"?{query}" if query else "")
