"""Downloader middlewares: conditional requests from the archive, and no redirects off the site."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response

from crawler.recording import Recording

NOT_MODIFIED_FLAG = "not-modified"


class ConditionalRequestMiddleware:
    """Sends the validators remembered for a URL; a listing's 304 is answered from its stored body."""

    def __init__(self, crawler: Crawler) -> None:
        self.recording = Recording.of(crawler)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        validator = self.recording.plan.validators.get(request.url)
        if validator is None:
            return
        if request.meta.get("listing") and not validator.has_listing_body:
            return
        if validator.etag:
            request.headers.setdefault(b"If-None-Match", validator.etag)
        if validator.last_modified:
            request.headers.setdefault(b"If-Modified-Since", validator.last_modified)

    async def process_response(self, request: Request, response: Response) -> Response:
        if response.status != 304:
            return response
        self.stats.inc_value("korus/not_modified")
        if not request.meta.get("listing"):
            return response
        body = await self.recording.call(self.recording.recorder.stored_listing, request.url)
        if body is None:
            return response  # its body went from the archive meanwhile: the 304 is an error for the spider to record
        return HtmlResponse(
            url=request.url, status=200, body=body, encoding="utf-8", request=request, flags=[NOT_MODIFIED_FLAG]
        )


class OffHostRedirect(IgnoreRequest):
    """A redirect that would leave the configured site."""


class RedirectLoop(IgnoreRequest):
    """A redirect back to a URL already visited on the way (the dupefilter would drop it silently)."""


class RedirectGuardMiddleware:
    """Refuses redirects that leave the configured host or go round in a loop, before RedirectMiddleware
    follows them."""

    def process_response(self, request: Request, response: Response) -> Response:
        header = response.headers.get(b"Location")
        if response.status not in (301, 302, 303, 307, 308) or not header:
            return response
        location = urljoin(request.url, header.decode("latin-1"))
        if urlsplit(location).netloc.lower() != urlsplit(request.url).netloc.lower():
            raise OffHostRedirect(f"redirect to another host not followed: {location}")
        if location in (request.url, *request.meta.get("redirect_urls", ())):
            raise RedirectLoop(f"redirect loop: {request.url} -> {location}")
        return response
