"""The watched pages' finder: each configured URL is one item, fetched at every poll (conditionally, once its
validators are known) and read by the pages' reader.

A page that answers but cannot be read (its selector matches nothing, it holds no text) is an error under its URL
and opens the source's `page_unreadable` health problem, never an edit; a page that cannot be fetched is an error
under its URL (the source is `unreachable` when none can be); a page is removed only after answering 404 or 410 on
crawl.removal_confirmations checks in a row, as a press statement is (a page never read that answers 404 or 410 is a
URL to mend: `page_unreadable`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import scrapy
from scrapy.http import Response

from archive.models import HealthKind
from archive.planning import CrawlPlan
from archive.records import FetchedStatement, PageProblem
from archive.snapshots.reextraction import ArchivedItem
from archive.snapshots.stored import StoredResponse
from crawler.snapshots import as_response
from crawler.sources.base import ConfiguredSource
from crawler.sources.errors import ReadError
from crawler.sources.pages.reader import read_page
from crawler.sources.pages.settings import PagesSettings
from crawler.sources.site_finder import GONE, SiteFinder, asked_url, headers_of, not_read


class Finder(SiteFinder):
    name = "pages"

    def __init__(self, plan: CrawlPlan, source: ConfiguredSource, **kwargs: Any) -> None:
        self.pages: PagesSettings = source.settings
        super().__init__(plan, source, self.pages.urls, **kwargs)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.pages.urls:
            yield self.first(scrapy.Request(
                url, callback=self.parse_page, errback=self.fetch_failed,
                meta={"handle_httpstatus_list": [304, *GONE]},
            ))

    def parse_page(self, response: Response) -> Iterator[Any]:
        url = asked_url(response)
        if response.status in GONE and not self.plan.is_known(url):
            # Never read: no page to remove, a URL to mend.
            yield PageProblem(url, f"http_{response.status}", f"{url} answered HTTP {response.status}: the watched "
                              "page is not there (is its URL right?)", opens=HealthKind.PAGE_UNREADABLE)
            return
        if response.status in (304, *GONE):
            yield from not_read(response)
            return
        try:
            page = _read(response, url, self.pages)
        except ReadError as error:
            yield PageProblem(url, error.kind, error.message, extraction_failed=True,
                              opens=HealthKind.PAGE_UNREADABLE)
            return
        yield page


def _read(response: Response, url: str, settings: PagesSettings) -> FetchedStatement:
    """The page read from `response` (links resolved against where it was served from), known by the URL asked for."""
    page = read_page(response.url, response.status, headers_of(response), response.body, settings)
    return replace(page, url=url)


def reread(item: ArchivedItem, responses: list[StoredResponse], settings: PagesSettings) -> FetchedStatement:
    """The watched page read again from the response it was last read from."""
    return _read(as_response(responses[0]), item.url, settings)
