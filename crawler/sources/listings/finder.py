"""The finder of another site's listing: its list pages (the configured URL, then its next pages), and the pages of
the items they list.

A routine poll reads the first list page, and the next ones while they list items not archived yet, up to
`pages`; a baseline or a full re-check reads up to `max_pages`. It fetches every new item's page at once, re-checks
the items on the first list page and the archive's rotation (crawl.full_revisit_hours) after them, each
conditionally once its validators are known. Only pages on the listing's own host are ever asked for: an item or a
next link elsewhere is named in the run's errors and not followed. A list page that cannot be read (its item
selector matches nothing: the site's markup changed) opens the source's `listings_unreadable` health problem and
removes nothing: an item is removed only after its own page answered 404 or 410 on crawl.removal_confirmations checks
in a row."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure
from w3lib.encoding import html_to_unicode

from archive.models import HealthKind
from archive.planning import CrawlPlan, RevisitTarget
from archive.records import FetchedStatement, ListingPage, PageProblem
from archive.snapshots.reextraction import ArchivedItem
from archive.snapshots.stored import StoredResponse
from crawler.middlewares import NOT_MODIFIED_FLAG
from crawler.scheduling import RECHECK
from crawler.snapshots import as_response
from crawler.sources.base import ConfiguredSource
from crawler.sources.documents import header
from crawler.sources.errors import ReadError
from crawler.sources.listings.reader import ListedItem, ListPage, read_item_page, read_list_page
from crawler.sources.listings.settings import ListingsSettings
from crawler.sources.site_finder import GONE, SiteFinder, asked_url, headers_of, not_read

# Request priorities: an item not archived yet as soon as a list page names it, then the list pages that may name more.
_NEW_ITEM, _LIST_PAGE = 20, 10
# What a list page answered from its stored body after a 304 is (crawler.middlewares.ConditionalRequestMiddleware).
_STORED_LIST_PAGE = {"Content-Type": "text/html; charset=utf-8"}


class Finder(SiteFinder):
    name = "listings"

    def __init__(self, plan: CrawlPlan, source: ConfiguredSource, **kwargs: Any) -> None:
        self.listing: ListingsSettings = source.settings
        super().__init__(plan, source, [self.listing.url], **kwargs)
        # Known items a list page named for a re-check, and (in the first baseline, which reads every list page
        # before any item: archive.first_baseline) the new ones: both wait for the second phase.
        self.rechecks: list[scrapy.Request] = []
        self.after_listings: list[scrapy.Request] = []
        # List pages that could not be read: then the listings the first baseline recorded are incomplete.
        self.listings_failed = 0
        # The keys of the items asked for in this poll: each once.
        self._asked: set[str] = set()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.first(self._list_page(self.listing.url, 1))

    def second_phase(self) -> Iterator[scrapy.Request]:
        """The re-checks: the known items the first list page named, then the archive's rotation. (In the first
        baseline: every item its list pages named.)"""
        yield from self.after_listings
        yield from self.rechecks
        for target in self.plan.revisit:
            if self.plan.key_of(target.url) not in self._asked:
                yield self._item(_as_listed(target), recheck=True)

    # -- requests ------------------------------------------------------------------------------

    def _list_page(self, url: str, number: int) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_list_page, errback=self.fetch_failed, priority=_LIST_PAGE,
            meta={"listing": True, "page_number": number, "handle_httpstatus_list": list(GONE)},
        )

    def _item(self, listed: ListedItem, *, priority: int = 0, recheck: bool = False) -> scrapy.Request:
        self._asked.add(self.plan.key_of(listed.url))
        return scrapy.Request(
            listed.url, callback=self.parse_item, errback=self.fetch_failed, priority=priority,
            meta={"listed": listed, "handle_httpstatus_list": [304, *GONE], RECHECK: recheck},
        )

    # -- list pages ----------------------------------------------------------------------------

    def parse_list_page(self, response: Response) -> Iterator[Any]:
        url, number = asked_url(response), response.meta["page_number"]
        stored = NOT_MODIFIED_FLAG in response.flags
        headers = _STORED_LIST_PAGE if stored else headers_of(response)
        try:
            page = read_list_page(response.url, response.status, headers, response.body, self.listing)
        except ReadError as error:
            self.listings_failed += 1
            yield PageProblem(url, error.kind, error.message, extraction_failed=True,
                              opens=HealthKind.LISTINGS_UNREADABLE)
            return
        yield from _off_host(url, page)
        on_host = [item for item in page.items if item.on_host]
        if not stored:
            _, text = html_to_unicode(header(headers, "Content-Type"), response.body)
            yield ListingPage(url, text.encode("utf-8"), header(headers, "ETag"), header(headers, "Last-Modified"),
                              tuple(item.url for item in on_host))
        full = self.plan.full
        listings_first = self.plan.first_baseline is not None and self.plan.first_baseline.records_listings
        unknown = False
        for item in on_host:
            if self.plan.key_of(item.url) in self._asked:
                continue
            if not self.plan.is_known(item.url):
                unknown = True
                request = self._item(item, priority=_NEW_ITEM)
                if listings_first:
                    self.after_listings.append(request)
                else:
                    yield request
            # A full re-check goes by the plan's rotation, which knows the items an earlier part of it re-checked;
            # a routine poll re-checks the items on the first list page too (the newest, the likeliest edited).
            elif (number == 1 and not full) or self.plan.needs_recheck(item.url):
                self.rechecks.append(self._item(item, recheck=True))
        # A routine poll reads on only while the list pages name new items.
        limit = self.listing.max_pages if full else self.listing.pages
        if page.next_url and number < limit and (full or unknown):
            yield self._list_page(page.next_url, number + 1)

    # -- items ---------------------------------------------------------------------------------

    def parse_item(self, response: Response) -> Iterator[Any]:
        if response.status in (304, *GONE):
            yield from not_read(response)
            return
        url = asked_url(response)
        try:
            item = _read_item(response, url, self.listing, response.meta["listed"])
        except ReadError as error:
            yield PageProblem(url, error.kind, error.message, extraction_failed=True)
            return
        yield item

    def fetch_failed(self, failure: Failure) -> Iterator[PageProblem]:
        if failure.request.meta.get("listing"):  # type: ignore[attr-defined]
            self.listings_failed += 1
        yield from super().fetch_failed(failure)


def _off_host(url: str, page: ListPage) -> Iterator[PageProblem]:
    """The links of a list page that lead off the listing's host: named, not followed."""
    elsewhere = [("a listed item", item.url) for item in page.items if not item.on_host]
    if page.off_host_next is not None:
        elsewhere.append(("the next page link", page.off_host_next))
    for what, link in elsewhere:
        yield PageProblem(url, "off_host_link", f"{what} leads off the listing's host, not followed: {link}")


def _as_listed(target: RevisitTarget) -> ListedItem:
    """An archived item due for a re-check, as its listing showed it: its title and date stay the listing's."""
    return ListedItem(url=target.url, title=target.title, date=target.published_on,
                      date_text=target.published_on.isoformat() if target.published_on else None, on_host=True)


def _read_item(response: Response, url: str, settings: ListingsSettings, listed: ListedItem) -> FetchedStatement:
    """The item read from its page (links resolved against where it was served from), known by the URL asked for."""
    item = read_item_page(response.url, response.status, headers_of(response), response.body, settings, listed)
    return replace(item, url=url)


def reread(item: ArchivedItem, responses: list[StoredResponse], settings: ListingsSettings) -> FetchedStatement:
    """The item read again from the page it was last read from, with the title and date its listing gave it."""
    listed = ListedItem(url=item.url, title=item.title, date=item.published_on,
                        date_text=item.published_on.isoformat() if item.published_on else None, on_host=True)
    return _read_item(as_response(responses[0]), item.url, settings, listed)
