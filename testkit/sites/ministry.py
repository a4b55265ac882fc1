"""An imitation of a ministry's English press-release board, with markup of its own (Korea's trade ministry's markup
is not known): list pages `ul.board_list > li`, each with a category, a link, a teaser and a `.date`; pagination by
`a.next` (`?pageIndex=N`); item pages with the text in `.view_content`. Links carry a session id, as Java
(eGovFrame) sites' do.

Mutable from a test: publish a release, edit one, change the chrome, and answer malformed list pages (no items,
items without links, links that are not http(s), a next link or the newest item's link to another host, a non-HTML
answer)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from html import escape
from typing import Literal
from urllib.parse import parse_qs

from testkit.mirror.site import Reply

BOARD = "/eng/article/EATCL0512e0b48"
HTML = "text/html; charset=utf-8"
ListMode = Literal[
    "normal", "no_items", "items_without_links", "script_links", "next_off_host", "item_off_host", "not_html",
]
DateStyle = Literal["dotted", "written", "day_first"]


@dataclass
class Release:
    number: int
    title: str
    published: date
    paragraphs: list[str]
    category: str = "Press Release"
    teaser: str = field(default="")

    @property
    def path(self) -> str:
        return f"{BOARD}/{self.number}/view"


def _releases() -> list[Release]:
    seeds = [
        ("Korea and U.S. hold KORUS FTA Joint Committee meeting in Seoul", date(2026, 10, 2)),
        ("Trade Minister meets USTR to discuss supply chain cooperation", date(2026, 9, 18)),
        ("Korea's exports rise 4.1 percent in September", date(2026, 10, 1)),
        ("Ministry hosts investment forum for U.S. companies", date(2026, 8, 27)),
        ("Korea and U.S. agree to strengthen shipbuilding cooperation", date(2026, 7, 30)),
        ("Korea-U.S. rules of origin working group meets in Washington", date(2026, 6, 12)),
        ("Minister attends APEC trade ministers meeting", date(2026, 5, 16)),
    ]
    releases = []
    for number, (title, published) in enumerate(sorted(seeds, key=lambda s: s[1]), start=101):
        releases.append(Release(number, title, published, [
            f"Seoul, {published:%B} {published.day}, {published.year} - {title}.",
            "The two sides reviewed the implementation of the Korea-U.S. Free Trade Agreement (KORUS FTA) and "
            "agreed to continue close consultations.",
            "The Ministry will keep working with the United States to support Korean companies.",
        ], teaser=f"{title}, the Ministry said."))
    return releases


class MinistrySite:
    """The board's state; `respond` serves it, the other public methods change it."""

    mutations = frozenset({"publish", "edit", "change_chrome", "set_list_mode", "set_date_style", "set_page_size"})

    def __init__(self, page_size: int = 3) -> None:
        self._lock = threading.Lock()
        self.releases = _releases()
        self.page_size = page_size
        self.list_mode: ListMode = "normal"
        self.date_style: DateStyle = "dotted"
        self.chrome_version = 0
        self.off_host = "http://other-host.invalid"

    # Mutations --------------------------------------------------------------------------------------------------

    def publish(self, title: str, paragraphs: list[str], published: str, category: str = "Press Release") -> str:
        """A new release at the top of the board; returns its path."""
        with self._lock:
            number = max(r.number for r in self.releases) + 1
            release = Release(number, title, date.fromisoformat(published), list(paragraphs), category,
                              teaser=paragraphs[0][:80] if paragraphs else "")
            self.releases.append(release)
            return release.path

    def edit(self, path: str, old: str, new: str) -> None:
        """Replaces `old` with `new` in a release's title or text."""
        with self._lock:
            release = next((r for r in self.releases if r.path == path), None)
            if release is None:
                raise KeyError(f"no release at {path}")
            if old in release.title:
                release.title = release.title.replace(old, new)
                return
            for index, text in enumerate(release.paragraphs):
                if old in text:
                    release.paragraphs[index] = text.replace(old, new)
                    return
            raise ValueError(f"release {path} does not hold {old!r}")

    def change_chrome(self) -> None:
        """Changes the menu, the footer's counter, the session ids in links."""
        with self._lock:
            self.chrome_version += 1

    def set_list_mode(self, mode: ListMode) -> None:
        with self._lock:
            self.list_mode = mode

    def set_date_style(self, style: DateStyle) -> None:
        with self._lock:
            self.date_style = style

    def set_page_size(self, size: int) -> None:
        with self._lock:
            self.page_size = size

    # Serving ----------------------------------------------------------------------------------------------------

    def newest_first(self) -> list[Release]:
        return sorted(self.releases, key=lambda r: (r.published, r.number), reverse=True)

    def respond(self, path: str, query: str) -> Reply:
        with self._lock:
            if path == BOARD:
                return self._list_page(query)
            release = next((r for r in self.releases if r.path == path), None)
            if release is not None:
                return Reply(200, self._document(release.title, self._view(release)), HTML)
            return Reply(404, self._document("Not found", "<p>The page you requested was not found.</p>"), HTML)

    def _session(self, path: str) -> str:
        return f"{path};jsessionid=MOTIR{self.chrome_version:04d}"

    def _date(self, day: date) -> str:
        if self.date_style == "written":
            return f"{day:%b} {day.day}, {day.year}"
        if self.date_style == "day_first":
            return f"{day:%d/%m/%Y}"
        return f"{day:%Y.%m.%d}"

    def _list_page(self, query: str) -> Reply:
        if self.list_mode == "not_html":
            return Reply(200, b'{"error": "maintenance"}', "application/json")
        try:
            index = int(parse_qs(query).get("pageIndex", ["1"])[0])
        except ValueError:
            index = 1
        releases = self.newest_first()
        page_count = max(1, -(-len(releases) // self.page_size))
        shown = releases[(index - 1) * self.page_size:index * self.page_size]
        if self.list_mode == "no_items":
            shown = []
        rows = "".join(self._row(release, off_host=self.list_mode == "item_off_host" and release is releases[0])
                       for release in shown)
        pager = [f'<a class="page" href="{BOARD}?pageIndex={n}">{n}</a>' for n in range(1, page_count + 1)]
        if index < page_count:
            host = self.off_host if self.list_mode == "next_off_host" else ""
            pager.append(f'<a class="next" href="{host}{self._session(BOARD)}?pageIndex={index + 1}">Next</a>')
        body = (
            '<div class="board_wrap"><p class="board_total">Total '
            f'<strong>{len(releases)}</strong></p><ul class="board_list">{rows}</ul>'
            f'<div class="paging">{"".join(pager)}</div></div>'
        )
        return Reply(200, self._document("Press Releases", body), HTML)

    def _row(self, release: Release, *, off_host: bool = False) -> str:
        title = escape(release.title)
        host = self.off_host if off_host else ""
        if self.list_mode == "items_without_links":
            link = f'<span class="subject">{title}</span>'
        elif self.list_mode == "script_links":
            link = f'<a href="javascript:fn_view(\'{release.number}\')">{title}</a>'
        else:
            link = f'<a href="{host}{self._session(release.path)}?pageIndex=1">{title}</a>'
        return (
            f'<li><span class="category">{escape(release.category)}</span>{link}'
            f'<p class="teaser">{escape(release.teaser)}</p><span class="date">{self._date(release.published)}</span>'
            "</li>"
        )

    def _view(self, release: Release) -> str:
        paragraphs = "".join(f"<p>{escape(text)}</p>" for text in release.paragraphs)
        return (
            f'<div class="view_head"><h3 class="view_title">{escape(release.title)}</h3>'
            f'<ul class="view_info"><li>Date <span class="date">{self._date(release.published)}</span></li>'
            f"<li>Hits {500 + 11 * self.chrome_version}</li></ul></div>"
            f'<div class="view_content">{paragraphs}</div>'
            f'<div class="view_nav"><a href="{self._session(BOARD)}?pageIndex=1">List</a></div>'
        )

    def _document(self, title: str, body: str) -> bytes:
        menu = ["News", "Policies", "About MOTIR"] + (["Contact"] if self.chrome_version % 2 else [])
        nav = "".join(f'<li><a href="{self._session("/eng/" + m.lower().replace(" ", "-"))}">{m}</a></li>'
                      for m in menu)
        return (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(title)} | Ministry of Trade, Industry and Resources</title></head><body>"
            f'<div id="header"><h1 class="logo"><a href="/eng">MOTIR</a></h1><ul class="gnb">{nav}</ul></div>'
            f'<div id="container"><div class="sub_title"><h2>Press Releases</h2></div>{body}</div>'
            f'<div id="footer"><address>Sejong Government Complex</address><p>Visitors {7000 + self.chrome_version}'
            "</p></div></body></html>"
        ).encode()
