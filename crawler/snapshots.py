"""Snapshots of what a poll reads: every response with a body that reaches a finder's callback is kept in the
archive (archive.snapshots), and the records read from it name it, so that the archive knows which response each
version was read from. No finder does anything for it, bar the one hook below.

"As received" means what Scrapy hands the spider: the body after Scrapy's HttpCompressionMiddleware undid its
Content-Encoding (gzip, deflate, br, zstd; that header is then gone), the response headers as Scrapy holds them (its
capitalisation of the names, the values as sent), the request headers Scrapy sent (bar Host, which its HTTP client
adds). Not the bytes on the wire: Scrapy does not keep those.

The hook: a finder that reads one item from several responses (a Federal Register document's JSON, then its text)
passes each earlier response's snapshot on to the request of the next with `carry_snapshots(request, response)`.
The record read from the last response names that response as its snapshot (the primary one) and the carried ones
as the others it was read with (`also_read`, in the order carried); the source kind's `reread` gets them all back.

A 304 confirms the stored snapshot whose validators were sent (the page validators keep its id): the record of the
304 says so, or, when the response yields none that does, a SnapshotConfirmed of its own. Likewise a response with
a body whose records do not store its snapshot (a listing page read only for the pages it names, a page that could
not be read) yields the Snapshot itself, for the pipeline to store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from archive.models import utcnow
from archive.records import FetchedStatement, ListingPage, Snapshot, SnapshotConfirmed, StatementNotModified
from archive.snapshots.stored import StoredResponse
from crawler.middlewares import NOT_MODIFIED_FLAG
from crawler.recording import Recording

# response.meta: this response's Snapshot; request.meta: the snapshots carried to it from earlier responses.
SNAPSHOT_META = "korus_watch_snapshot"
CARRIED_META = "korus_watch_carried_snapshots"


def carry_snapshots(request: Request, response: Response) -> Request:
    """`request` reads on what `response` began: the item read at its end was read from `response` too (and from
    whatever `response` carried)."""
    carried = [*response.meta.get(CARRIED_META, ()), *filter(None, [response.meta.get(SNAPSHOT_META)])]
    request.meta[CARRIED_META] = tuple(carried)
    return request


def header_pairs(headers: Headers) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1"))
            for name, values in headers.items() for value in values]


def as_response(stored: StoredResponse) -> Response:
    """A stored response as the Scrapy response a callback read it as: the same class (HtmlResponse, TextResponse...),
    so the same decoding of its text."""
    headers = Headers()
    for name, value in stored.headers:
        headers.appendlist(name, value)
    cls = responsetypes.from_args(headers=headers, url=stored.final_url, body=stored.body)
    return cls(url=stored.final_url, status=stored.status, headers=headers, body=stored.body)


class SnapshotMiddleware:
    """A spider middleware: makes the Snapshot of every 2xx response with a body before its callback runs, and
    stamps it on the records the callback yields."""

    def __init__(self, crawler: Crawler) -> None:
        self.recording = Recording.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SnapshotMiddleware:
        return cls(crawler)

    def process_spider_input(self, response: Response) -> None:
        # A finder that made its request with another's meta must not pass that response's snapshot on.
        response.meta.pop(SNAPSHOT_META, None)
        if not 200 <= response.status < 300 or not response.body or NOT_MODIFIED_FLAG in response.flags:
            return
        request = response.request
        assert request is not None, "a response that reaches a callback has its request"
        response.meta[SNAPSHOT_META] = Snapshot(
            source=self.recording.plan.source.name, url=request.meta.get("redirect_urls", [request.url])[0],
            final_url=response.url, status=response.status, protocol=response.protocol or "HTTP/1.1",
            request_headers=header_pairs(request.headers), headers=header_pairs(response.headers),
            body=response.body, fetched_at=utcnow(),
        )

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        stamp = _Stamp(self, response)
        for item in result:
            yield stamp(item)
        yield from stamp.unstored()

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        stamp = _Stamp(self, response)
        async for item in result:
            yield stamp(item)
        for item in stamp.unstored():
            yield item

    def confirmed(self, response: Response) -> int | None:
        """The stored snapshot a 304 (or a listing answered from its stored body after one) confirms."""
        if response.status != 304 and NOT_MODIFIED_FLAG not in response.flags:
            return None
        validator = self.recording.plan.validators.get(response.url)
        return validator.snapshot_id if validator is not None else None


class _Stamp:
    """The stamping of one response's records: each gets its snapshot; whatever none of them stores is left."""

    def __init__(self, middleware: SnapshotMiddleware, response: Response) -> None:
        self.url = response.url
        self.snapshot: Snapshot | None = response.meta.get(SNAPSHOT_META)
        self.carried: tuple[Snapshot, ...] = tuple(response.meta.get(CARRIED_META, ()))
        self.confirmed = middleware.confirmed(response)
        self.stored = False

    def __call__(self, item: Any) -> Any:
        if self.snapshot is not None and isinstance(item, FetchedStatement) and item.snapshot is None:
            item.snapshot, item.also_read, self.stored = self.snapshot, self.carried, True
        elif self.snapshot is not None and isinstance(item, ListingPage) and item.snapshot is None:
            item.snapshot, self.stored = self.snapshot, True
        elif self.confirmed is not None and isinstance(item, StatementNotModified) and item.snapshot_id is None:
            item.snapshot_id, self.stored = self.confirmed, True
        return item

    def unstored(self) -> Iterator[Snapshot | SnapshotConfirmed]:
        if self.stored:
            return
        if self.snapshot is not None:
            yield self.snapshot
        elif self.confirmed is not None:
            yield SnapshotConfirmed(self.url, self.confirmed)
