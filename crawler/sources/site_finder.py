"""What the finders of other sites' pages (watched pages, listings) share: the spider's set-up from its source's URLs,
the URL a response answers for, the headers as the readers take them, and failed fetches recorded under the URL
asked for, with the poll closed as unreachable when none of its first requests reached the site."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from archive.planning import CrawlPlan
from archive.records import PageProblem, StatementGone, StatementNotModified
from crawler.hosts import host_of
from crawler.sources.base import SITE_UNREACHABLE, ConfiguredSource
from crawler.sources.failures import fetch_problem

GONE = (404, 410)
# A request the poll cannot do without (a watched page, a listing's first page): when none of them reached the site,
# the site is down, and the poll ends at once.
FIRST = "korus_watch_first"


class SiteFinder(scrapy.Spider):
    """A finder of pages on the hosts of its source's configured URLs, and only there."""

    def __init__(self, plan: CrawlPlan, source: ConfiguredSource, urls: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.source = source
        # Scrapy's OffsiteMiddleware drops a request to any other host (crawler.middlewares refuses redirects there).
        self.allowed_domains = sorted({host_of(url) for url in urls})
        self._first_requests = 0
        self._first_unanswered = 0

    def first(self, request: Request) -> Request:
        request.meta[FIRST] = True
        self._first_requests += 1
        return request

    def second_phase(self) -> Iterator[Request]:
        return iter(())

    def fetch_failed(self, failure: Failure) -> Iterator[PageProblem]:
        request = failure.request  # type: ignore[attr-defined]
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("korus/fetch_failures")
        yield fetch_problem(asked_url(request), failure.value)
        if request.meta.get(FIRST) and getattr(failure.value, "response", None) is None:
            self._first_unanswered += 1
            if self._first_unanswered == self._first_requests:
                raise CloseSpider(SITE_UNREACHABLE)


def asked_url(request_or_response: Request | Response) -> str:
    """The URL the request asked for, wherever its redirects led: what the item is known by, and what its validators
    are remembered for."""
    meta = request_or_response.meta
    url: str = meta.get("redirect_urls", [request_or_response.url])[0]
    return url


def headers_of(response: Response) -> dict[str, str]:
    return {str(name): str(value) for name, value in response.headers.to_unicode_dict().items()}


def not_read(response: Response) -> Iterator[StatementGone | StatementNotModified]:
    """The record of an item's answer that holds nothing to read: gone (404, 410) or not modified (304)."""
    url = asked_url(response)
    if response.status in GONE:
        yield StatementGone(url, response.status)
    elif response.status == 304:
        yield StatementNotModified(url)
