"""The USTR press office's finder: section landings, their pages and year/month archives, and statements.

A poll has two phases (crawler.phases): first the landings and listings and the statements they name that are not
archived yet, newest news first; then `second_phase`, the re-checks of statements already archived."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import scrapy
from scrapy.exceptions import (
    CloseSpider,
)
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from archive.planning import CrawlPlan
from archive.records import FetchedStatement, ListingPage, PageProblem, StatementGone, StatementNotModified
from archive.snapshots.reextraction import ArchivedItem
from archive.snapshots.stored import StoredResponse
from crawler.middlewares import NOT_MODIFIED_FLAG
from crawler.scheduling import RECHECK
from crawler.settings import CrawlSettings
from crawler.snapshots import as_response
from crawler.sources.base import SITE_UNREACHABLE, ConfiguredSource
from crawler.sources.errors import ReadError
from crawler.sources.failures import fetch_problem
from crawler.sources.press_office.reader import read_statement
from crawler.sources.reading import Reading
from crawler.text import MONTHS

PRESS_OFFICE = "/about-us/policy-offices/press-office"
_GONE = (404, 410)

_LISTED_LINKS = "ul.listing li, .view-content .views-row"
# Request priorities: a statement not archived yet as soon as a listing names it, then the listings that may name more.
_NEW_STATEMENT, _LISTING = 20, 10


@dataclass(frozen=True)
class ArchiveLink:
    url: str
    year: int
    month: int  # 0 for a year page


class Finder(scrapy.Spider):
    name = "press_office"

    def __init__(self, plan: CrawlPlan, source: ConfiguredSource, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        crawl: CrawlSettings = source.settings
        self.plan = plan
        self.base_url = crawl.base_url
        self.sections = crawl.sections
        self.allowed_domains = [urlsplit(self.base_url).hostname or ""]
        self.unreachable_landings = 0
        # Known statements the listings named for a re-check, kept for the second phase.
        self.rechecks: list[scrapy.Request] = []
        # The first baseline reads every listing before any statement (archive.first_baseline): its statements wait
        # for the second phase too.
        self.after_listings: list[scrapy.Request] = []
        # Listing pages that could not be read: then the listings the first baseline recorded are incomplete.
        self.listings_failed = 0

    def section_path(self, section: str) -> str:
        return section if section.startswith("/") else f"{PRESS_OFFICE}/{section}"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for section in self.sections:
            self.crawler.stats.inc_value("korus/landings")
            landing = self._listing(self.base_url + self.section_path(section), section, first_page=True)
            landing.meta["landing"] = True
            yield landing

    def second_phase(self) -> Iterator[scrapy.Request]:
        """The re-checks: what the listings named, then the plan's re-verification rotation. (In the first baseline:
        the statements its listings named.)"""
        yield from self.after_listings
        yield from self.rechecks
        for target in self.plan.revisit:
            # From the configured site, wherever the statement was read before: the site or a mirror of it.
            parts = urlsplit(target.url)
            yield self._statement(self.base_url + parts.path + (f"?{parts.query}" if parts.query else ""),
                                  target.section, recheck=True)

    # -- requests ------------------------------------------------------------------------------

    def _listing(
        self, url: str, section: str, *, first_page: bool = False, older_siblings: tuple[str, ...] = ()
    ) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.fetch_failed,
            priority=_LISTING,
            meta={"section": section, "listing": True, "first_page": first_page, "older_siblings": older_siblings},
        )

    def _statement(self, url: str, section: str, priority: int = 0, *, recheck: bool = False) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_statement,
            errback=self.fetch_failed,
            priority=priority,
            meta={"section": section, "handle_httpstatus_list": [304, *_GONE], RECHECK: recheck},
        )

    # -- listings ------------------------------------------------------------------------------

    def parse_listing(self, response: Response) -> Iterator[Any]:
        section = response.meta["section"]
        html = _is_html(response)
        statements = self._listed_statement_urls(response) if html else []
        archive_links = self._archive_links(response, section) if html else []
        if not statements and not archive_links:
            self.listings_failed += 1
            if response.meta.get("landing"):
                self.crawler.stats.inc_value("korus/landings_failed")
            reason = "has neither statement links nor archive links" if html else "is not HTML"
            yield PageProblem(response.url, "listing_unreadable", f"listing page {reason}", extraction_failed=True)
            return
        next_page = response.css(
            "li.pager__item--next a::attr(href), li.pager-next a::attr(href), a[rel=next]::attr(href)"
        ).get()
        if NOT_MODIFIED_FLAG not in response.flags:
            yield ListingPage(
                response.url,
                response.text.encode("utf-8"),
                _header(response, b"ETag"),
                _header(response, b"Last-Modified"),
                tuple(statements),
            )

        full, first_page = self.plan.full, response.meta["first_page"]
        unknown = [url for url in statements if not self.plan.is_known(url)]
        listings_first = self.plan.first_baseline is not None and self.plan.first_baseline.records_listings
        for url in statements:
            if url in unknown and listings_first:
                self.after_listings.append(self._statement(url, section, priority=_NEW_STATEMENT))
            elif url in unknown:
                yield self._statement(url, section, priority=_NEW_STATEMENT)
            # A full crawl re-checks every known statement by the plan's rotation, which knows those already
            # re-checked by an earlier part of it; a routine poll re-checks those on a first listing page too.
            elif (first_page and not full) or self.plan.needs_recheck(url):
                self.rechecks.append(self._statement(url, section, recheck=True))

        # A routine poll reads back only until it reaches statements it already knows.
        if next_page and statements and (full or unknown):
            yield self._listing(response.urljoin(next_page), section)
        if archive_links:
            newest_first = sorted(archive_links, key=lambda link: (link.year, link.month), reverse=True)
            if full:
                for link in newest_first:
                    yield self._listing(link.url, section)
            else:
                yield self._listing(
                    newest_first[0].url,
                    section,
                    first_page=first_page,
                    older_siblings=tuple(link.url for link in newest_first[1:]),
                )
        elif response.meta["older_siblings"] and (unknown or not statements):
            following, *older = response.meta["older_siblings"]
            yield self._listing(following, section, older_siblings=tuple(older))

    def _listed_statement_urls(self, response: Response) -> list[str]:
        urls: dict[str, None] = {}
        for row in response.css(_LISTED_LINKS):
            href = row.css(".views-field-title a::attr(href), a::attr(href)").get()
            if href and not href.startswith(("#", "mailto:")) and self._is_statement_url(response.urljoin(href)):
                urls[response.urljoin(href)] = None
        return list(urls)

    def _is_statement_url(self, url: str) -> bool:
        # Statements live three levels below a section: /<section>/<year>/<month>/<slug>.
        return bool(re.search(r"/\d{4}/[a-z]+/[^/]+/?$", urlsplit(url).path, re.IGNORECASE))

    def _archive_links(self, response: Response, section: str) -> list[ArchiveLink]:
        section_path = re.escape(self.section_path(section).lower()).replace("/about\\-us/", "/about(?:-us)?/")
        pattern = re.compile(rf"^{section_path}/(\d{{4}})(?:/([a-z]+))?/?$")
        links: dict[str, ArchiveLink] = {}
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            parts = urlsplit(url)
            match = pattern.match(unquote(parts.path).lower())
            if parts.netloc != urlsplit(response.url).netloc or not match or url == response.url:
                continue
            year, month = int(match.group(1)), match.group(2)
            if month is not None and month not in MONTHS:
                continue
            links.setdefault(url, ArchiveLink(url, year, MONTHS.index(month) + 1 if month else 0))
        current = pattern.match(unquote(urlsplit(response.url).path).lower())
        if current is None:
            return list(links.values())
        # Below a year page are only its months; below a month page, nothing.
        year, month = int(current.group(1)), current.group(2)
        return [link for link in links.values() if link.year == year and link.month and month is None]

    # -- statements ----------------------------------------------------------------------------

    def parse_statement(self, response: Response) -> Iterator[Any]:
        if response.status in _GONE:
            yield StatementGone(response.url, response.status)
            return
        if response.status == 304:
            yield StatementNotModified(response.url)
            return
        try:
            reading = _read(response, response.meta["section"])
        except ReadError as error:
            yield PageProblem(response.url, error.kind, error.message, extraction_failed=True)
            return
        for kind, message in reading.warnings:
            yield PageProblem(response.url, kind, message)
        reading.item.etag = _header(response, b"ETag")
        reading.item.last_modified = _header(response, b"Last-Modified")
        yield reading.item

    # -- failures ------------------------------------------------------------------------------

    def fetch_failed(self, failure: Failure) -> Iterator[PageProblem]:
        request = failure.request  # type: ignore[attr-defined]
        self.crawler.stats.inc_value("korus/fetch_failures")
        # Recorded under the URL the site linked to, not where its redirects led.
        yield fetch_problem(request.meta.get("redirect_urls", [request.url])[0], failure.value)
        if request.meta.get("listing"):
            self.listings_failed += 1
        if not request.meta.get("landing"):
            return
        self.crawler.stats.inc_value("korus/landings_failed")
        if getattr(failure.value, "response", None) is None:
            self.unreachable_landings += 1
            if self.unreachable_landings == len(self.sections):
                # No landing page answered at all: the site is down, and every other request would fail too.
                raise CloseSpider(SITE_UNREACHABLE)


def _read(response: Response, section: str) -> Reading:
    """The statement a page holds; raises ReadError."""
    if not _is_html(response):
        content_type = _header(response, b"Content-Type") or "no type"
        raise ReadError("not_html", f"statement page is not HTML ({content_type})")
    return read_statement(response.url, response.text, section)


def reread(item: ArchivedItem, responses: list[StoredResponse], settings: CrawlSettings) -> FetchedStatement:
    """The statement read again from the page it was last read from, under the section it is filed in."""
    return _read(as_response(responses[0]), item.section).item


def _is_html(response: Response) -> bool:
    content_type = (_header(response, b"Content-Type") or "").lower()
    return isinstance(response, TextResponse) and (not content_type or "html" in content_type)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
