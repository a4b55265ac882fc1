"""The mirror's model: statements, the mutable state of the site, and what it serves for a path."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import monotonic
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qs, quote, unquote, urlsplit

from testkit.mirror import pages
from testkit.mirror.overload import Overload, RateLimit, RetryAfter

Section = Literal["press-releases", "fact-sheets", "speeches-and-remarks"]
Theme = Literal["d7", "d8"]
Banner = Literal["none", "outside", "inside"]
DateStyle = Literal["numeric", "long", "long_padded", "blog", "updated", "as_prepared"]
LandingStyle = Literal["views", "listing"]

SECTIONS: tuple[Section, ...] = ("press-releases", "fact-sheets", "speeches-and-remarks")
DOC_TYPES = {
    "press-releases": "Press Releases", "fact-sheets": "Fact Sheets", "speeches-and-remarks": "Speeches and Remarks",
}
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
DEFAULT_CHROME = "Office of the United States Trade Representative · 600 17th Street NW, Washington, DC 20508"
ROBOTS_TXT = Path(__file__).with_name("robots.txt").read_bytes()
HTML = "text/html; charset=utf-8"

_NODE = re.compile(r"/node/(\d+)/?")
_LISTING = re.compile(
    rf"/about(?:-us)?/{pages.PRESS_OFFICE}/(?P<section>{'|'.join(SECTIONS)})"
    r"(?:/(?P<year>\d{4})(?:/(?P<month>[A-Za-z]+))?)?/?"
)


@dataclass
class MirrorStatement:
    section: Section
    year: int  # of the folder
    month: str  # folder month name; may differ from the date's month, legacy folders may be capitalised
    slug: str
    title: str
    published: date
    paragraphs: list[str]
    node_id: int | None = None
    theme: Theme = "d8"
    banner: Banner = "none"
    date_style: DateStyle | None = None  # None: the theme's usual format
    date_in_body: bool = False  # d7: the date <p> is the first p inside div.field-item, not just before the body
    prefix: str = ""  # "": "about" for statements dated 2026 on, else "about-us"
    doc_type: str = ""  # "": from the section
    caption: str = ""  # a photo's caption, beside the body (not in it)

    def __post_init__(self) -> None:
        if self.month.lower() not in MONTHS:
            raise ValueError(f"not a month folder: {self.month!r}")
        self.date_style = self.date_style or ("numeric" if self.theme == "d7" else "long_padded")
        self.prefix = self.prefix or ("about" if self.published.year >= 2026 else "about-us")
        self.doc_type = self.doc_type or DOC_TYPES[self.section]

    @property
    def path(self) -> str:
        return f"/{self.prefix}/{pages.PRESS_OFFICE}/{self.section}/{self.year}/{self.month}/{self.slug}"

    @property
    def href(self) -> str:
        """The path percent-encoded, as a link on the site carries it."""
        return quote(self.path)

    @property
    def date_text(self) -> str:
        d, month = self.published, MONTHS[self.published.month - 1].capitalize()
        return {
            "numeric": f"{d:%m/%d/%Y}",
            "long": f"{month} {d.day}, {d.year}",
            "long_padded": f"{month} {d:%d}, {d.year}",
            "blog": f"{d:%m/%d/%Y} 12:57 PM",
            "updated": f"Updated {d:%m/%d/%Y}",
            "as_prepared": f"As Prepared for Delivery on {month} {d.day}, {d.year}",
        }[self.date_style or "numeric"]


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    content_type: str = HTML
    location: str | None = None
    etag: str | None = None
    last_modified: datetime | None = None
    delay: float = 0.0  # seconds the server waits before answering (a hanging page)
    retry_after: RetryAfter = None  # a Retry-After header: seconds, or an HTTP-date as sent


@dataclass
class _Index:
    by_path: dict[str, MirrorStatement]
    by_folded_path: dict[str, MirrorStatement]  # Drupal matches aliases case-insensitively
    by_node: dict[int, MirrorStatement]
    by_section: dict[str, list[MirrorStatement]]  # newest first
    by_month: dict[tuple[str, int, str], list[MirrorStatement]]  # (section, year, lower-case month), newest first


def _build_index(statements: Iterable[MirrorStatement]) -> _Index:
    newest_first = sorted(statements, key=lambda s: (s.published, s.node_id or 0, s.path), reverse=True)
    index = _Index({}, {}, {}, defaultdict(list), defaultdict(list))
    for s in newest_first:
        index.by_path[s.path] = s
        index.by_folded_path[s.path.casefold()] = s
        if s.node_id is not None:
            index.by_node[s.node_id] = s
        index.by_section[s.section].append(s)
        index.by_month[(s.section, s.year, s.month.lower())].append(s)
    return index


def path_of(path_or_url: str) -> str:
    """The decoded path of a URL or path, the key the mirror knows pages by."""
    return unquote(urlsplit(path_or_url).path)


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


T = TypeVar("T")


def _spend(table: dict[str, tuple[T, int | None]], path: str) -> T | None:
    """The value set for `path`, using up one of its remaining times (None: every time)."""
    entry = table.get(path)
    if entry is None:
        return None
    value, remaining = entry
    if remaining is not None:
        if remaining <= 1:
            del table[path]
        else:
            table[path] = (value, remaining - 1)
    return value


def _mutation(method: Callable[..., T]) -> Callable[..., T]:
    @functools.wraps(method)
    def locked(self: MirrorSite, *args: object, **kwargs: object) -> T:
        with self._lock:
            result = method(self, *args, **kwargs)
            self._index = None
            self._rendered.clear()
            return result

    return locked


class MirrorSite:
    """ustr.gov's press office as it stands now; every mutation changes what is served next."""

    def __init__(
        self, statements: Iterable[MirrorStatement] = (), *, chrome: str = DEFAULT_CHROME, page_size: int = 10,
        landing_styles: dict[str, LandingStyle] | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self._live: dict[str, MirrorStatement] = {}
        self._removed: dict[str, MirrorStatement] = {}
        self._node_ids: set[int] = set()  # removed statements keep theirs
        self.chrome = chrome
        self.page_size = page_size
        self.landing_styles: dict[str, LandingStyle] = dict.fromkeys(SECTIONS, "views")
        self.landing_styles.update(landing_styles or {})
        self.redesigned = False
        self._faults: dict[str, tuple[tuple[int, RetryAfter], int | None]] = {}
        self._limits: list[Overload | RateLimit] = []  # site-wide, after the per-path faults
        self._hangs: dict[str, tuple[float, int | None]] = {}
        self._hung: Counter[str] = Counter()  # per path: the requests held up by `hang` so far
        self._redirects: dict[str, tuple[str, int]] = {}
        self._raw: dict[str, tuple[bytes, str]] = {}
        self._index: _Index | None = None
        self._rendered: dict[tuple[str, int], Reply] = {}
        # Per page: the ETag last served and since when its content has been that way.
        self._validators: dict[tuple[str, int], tuple[str, datetime]] = {}
        self._started = _now()
        # The rate limits' clock (time.monotonic): a test moves it instead of waiting for a window to pass.
        self.clock: Callable[[], float] = monotonic
        for statement in statements:
            self.add(statement)

    # -- reading

    @property
    def statements(self) -> list[MirrorStatement]:
        with self._lock:
            return list(self._live.values())

    def statement(self, path: str) -> MirrorStatement:
        with self._lock:
            key = path_of(path)
            if key not in self._live:
                raise KeyError(f"no statement at {key}")
            return self._live[key]

    def next_node_id(self) -> int:
        with self._lock:
            return max(self._node_ids, default=10_000) + 1

    # -- mutations

    @_mutation
    def add(self, statement: MirrorStatement) -> MirrorStatement:
        if statement.path in self._live or statement.path in self._removed:
            raise ValueError(f"a statement already has the path {statement.path}")
        if statement.node_id is not None:
            if statement.node_id in self._node_ids:
                raise ValueError(f"node {statement.node_id} already exists")
            self._node_ids.add(statement.node_id)
        self._live[statement.path] = statement
        return statement

    def new_statement(
        self, *, title: str, paragraphs: list[str], section: Section = "press-releases",
        published: date | None = None, **fields: Any,
    ) -> MirrorStatement:
        """Adds a statement filed as the CMS files a new one: folder of its date, whole-title slug, next node id."""
        published = published or date.today()
        with self._lock:
            statement = MirrorStatement(
                section=section, year=published.year, month=MONTHS[published.month - 1], slug=slugify(title),
                title=title, published=published, paragraphs=list(paragraphs), node_id=self.next_node_id(), **fields,
            )
            taken, suffixes = {*self._live, *self._removed}, itertools.count()
            while statement.path in taken:  # Drupal's pathauto makes a taken alias unique with -0, -1, ...
                statement = dataclasses.replace(statement, slug=f"{slugify(title)}-{next(suffixes)}")
            return self.add(statement)

    @_mutation
    def edit(
        self, path: str, *, title: str | None = None, paragraphs: list[str] | None = None,
        replace: tuple[str, str] | None = None,
    ) -> MirrorStatement:
        """Changes a statement's text; `replace` swaps a whole word everywhere in its paragraphs."""
        current = self.statement(path)
        new_paragraphs = list(current.paragraphs if paragraphs is None else paragraphs)
        if replace is not None:
            old, new = replace
            word = re.compile(rf"\b{re.escape(old)}\b")
            if not any(word.search(p) for p in new_paragraphs):
                raise ValueError(f"{old!r} is not in {current.path}")
            new_paragraphs = [word.sub(new, p) for p in new_paragraphs]
        edited = dataclasses.replace(current, title=title or current.title, paragraphs=new_paragraphs)
        self._live[current.path] = edited
        return edited

    @_mutation
    def remove(self, path: str) -> None:
        statement = self.statement(path)
        self._removed[statement.path] = self._live.pop(statement.path)

    @_mutation
    def move(self, path: str, slug: str) -> MirrorStatement:
        """Gives a statement a new alias, as an editor renaming its URL does: the old path then answers 404."""
        current = self._live.pop(self.statement(path).path)
        moved = dataclasses.replace(current, slug=slug)
        self._live[moved.path] = moved
        return moved

    @_mutation
    def replace_node(self, path: str, **fields: Any) -> MirrorStatement:
        """Deletes the statement at `path` and publishes a new node under the alias it freed."""
        current = self._live.pop(self.statement(path).path)
        replacement = dataclasses.replace(current, node_id=max(self._node_ids, default=10_000) + 1, **fields)
        assert replacement.node_id is not None
        self._node_ids.add(replacement.node_id)
        self._live[replacement.path] = replacement
        return replacement

    @_mutation
    def renumber(self, shift: int) -> None:
        """A CMS migration: every node gets another id (the same URLs, the same content). The ids rotate by `shift`
        places among the ones in use, so that each node takes an id another node had."""
        numbered = sorted((s for s in self._live.values() if s.node_id is not None), key=lambda s: s.node_id or 0)
        ids = [s.node_id for s in numbered]
        for statement, node_id in zip(numbered, ids[shift:] + ids[:shift], strict=True):
            self._live[statement.path] = dataclasses.replace(statement, node_id=node_id)

    @_mutation
    def restore(self, path: str) -> None:
        key = path_of(path)
        if key not in self._removed:
            raise KeyError(f"no removed statement at {key}")
        self._live[key] = self._removed.pop(key)

    @_mutation
    def set_chrome(self, text: str) -> None:
        self.chrome = text

    @_mutation
    def set_banner(self, path: str, where: Banner) -> None:
        statement = self.statement(path)
        self._live[statement.path] = dataclasses.replace(statement, banner=where)

    @_mutation
    def set_caption(self, path: str, caption: str) -> None:
        statement = self.statement(path)
        self._live[statement.path] = dataclasses.replace(statement, caption=caption)

    @_mutation
    def redesign(self, on: bool = True) -> None:
        self.redesigned = on

    @_mutation
    def set_landing_style(self, section: Section, style: LandingStyle) -> None:
        self.landing_styles[section] = style

    @_mutation
    def fault(self, path: str, status: int = 503, times: int = 1, retry_after: RetryAfter = None) -> None:
        self._faults[path_of(path)] = ((status, retry_after), times)

    def overload(
        self, share: float, status: int = 503, retry_after: RetryAfter = 120, seed: int | None = None,
    ) -> Overload:
        """From now on every path answers `status` to `share` of the requests (see Overload), until clear_overload."""
        with self._lock:
            limit = Overload(share, status, retry_after, seed)
            self._limits.append(limit)
            return limit

    def rate_limit(self, per_second: int, status: int = 429, retry_after: RetryAfter = 1) -> RateLimit:
        """From now on the requests past `per_second` in any second answer `status`, until clear_overload."""
        with self._lock:
            limit = RateLimit(per_second, status, retry_after)
            self._limits.append(limit)
            return limit

    def clear_overload(self) -> None:
        with self._lock:
            self._limits.clear()

    @_mutation
    def hang(self, path: str, seconds: float, times: int | None = None) -> None:
        """The next `times` requests (None: all) wait `seconds` before being answered."""
        self._hangs[path_of(path)] = (seconds, times)

    def hung(self, path: str) -> int:
        """How many requests for `path` a `hang` has held up (or holds up now)."""
        with self._lock:
            return self._hung[path_of(path)]

    @_mutation
    def redirect(self, path: str, location: str, status: int = 301) -> None:
        self._redirects[path_of(path)] = (location, status)

    @_mutation
    def set_raw(self, path: str, body: bytes, content_type: str = HTML) -> None:
        """Serves exactly these bytes at `path` (malformed HTML, another encoding, a huge page)."""
        self._raw[path_of(path)] = (body, content_type)

    @_mutation
    def clear_override(self, path: str) -> None:
        """Drops any fault, hang, redirect or raw body set for `path`."""
        key = path_of(path)
        for table in (self._faults, self._hangs, self._redirects, self._raw):
            table.pop(key, None)

    # -- serving

    def respond(self, path: str, query: str = "") -> Reply:
        """What the site answers to GET `path` (decoded) with `query`, before conditional-request handling."""
        try:
            page = max(0, int(parse_qs(query).get("page", ["0"])[0]))
        except ValueError:
            page = 0  # Drupal ignores a page number it cannot read
        with self._lock:
            delay = _spend(self._hangs, path) or 0.0
            if delay:
                self._hung[path] += 1
            fault = _spend(self._faults, path)
            if fault is None:
                fault = self._refusal()
            if fault is not None:
                status, retry_after = fault
                return Reply(status, pages.error_page(status), delay=delay, retry_after=retry_after)
            key = (path, page)
            reply = self._rendered.get(key)
            if reply is None:
                reply = self._rendered[key] = self._route(key)
            return dataclasses.replace(reply, delay=delay) if delay else reply

    def _refusal(self) -> tuple[int, RetryAfter] | None:
        """The first limit that refuses answers; the limits after it never see the request, as behind stacked
        proxies."""
        now = self.clock()
        for limit in self._limits:
            if (refusal := limit.check(now)) is not None:
                return refusal.status, refusal.retry_after
        return None

    def _route(self, key: tuple[str, int]) -> Reply:
        path, page = key
        if path in self._redirects:
            location, status = self._redirects[path]
            return Reply(status, location=location)
        if path in self._raw:
            return self._validated(key, *self._raw[path], since=self._started)
        if path == "/robots.txt":
            return self._validated(key, ROBOTS_TXT, "text/plain; charset=utf-8", since=self._started)
        index = self._indexed()
        if node := _NODE.fullmatch(path):
            target = index.by_node.get(int(node[1]))
            return Reply(301, location=target.href) if target else self._not_found()
        statement = index.by_path.get(path) or index.by_folded_path.get(path.casefold())
        if statement is not None:
            page_body = pages.statement_page(self.chrome, statement, redesigned=self.redesigned)
            return self._validated(key, page_body, since=datetime.combine(statement.published, time(12), UTC))
        if path.startswith("/about-us/") and (moved := index.by_path.get("/about/" + path.removeprefix("/about-us/"))):
            return Reply(301, location=moved.href)
        if listing := _LISTING.fullmatch(path):
            body = self._listing_page(index, listing["section"], listing["year"], listing["month"], page)
            if body is not None:
                return self._validated(key, body, since=self._started)
        return self._not_found()

    def _listing_page(
        self, index: _Index, section: str, year: str | None, month: str | None, page: int,
    ) -> bytes | None:
        heading = DOC_TYPES[section]
        if month is not None:
            statements = index.by_month.get((section, int(year or 0), month.lower()))
            title = f"{heading}: {month.capitalize()} {year}"
            return pages.month_page(self.chrome, title, statements) if statements else None
        in_section = index.by_section.get(section, [])
        if year is not None:
            months = sorted({s.month.lower() for s in in_section if s.year == int(year)}, key=MONTHS.index)[::-1]
            return pages.year_page(self.chrome, section, heading, int(year), months) if months else None
        page_count = max(1, -(-len(in_section) // self.page_size))
        rows = in_section[page * self.page_size:(page + 1) * self.page_size]
        years = sorted({s.year for s in in_section}, reverse=True)
        return pages.landing_page(self.chrome, section, heading, rows, style=self.landing_styles[section], page=page,
                                  page_count=page_count, years=years)

    def _indexed(self) -> _Index:
        if self._index is None:
            self._index = _build_index(self._live.values())
        return self._index

    def _not_found(self) -> Reply:
        return Reply(404, pages.not_found_page(self.chrome))

    def _validated(self, key: tuple[str, int], body: bytes, content_type: str = HTML, *, since: datetime) -> Reply:
        etag = f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'
        known = self._validators.get(key)
        if known is None:
            modified = since
        elif known[0] == etag:
            modified = known[1]
        else:
            # HTTP dates count whole seconds: a change must move Last-Modified past the one already served.
            modified = max(_now(), known[1] + timedelta(seconds=1))
        self._validators[key] = (etag, modified)
        return Reply(200, body, content_type, etag=etag, last_modified=modified)
