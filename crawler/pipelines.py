"""The item pipeline: every record the spider finds goes to the archive's run recorder."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from scrapy.crawler import Crawler
from sqlalchemy.exc import SQLAlchemyError

from archive.db import ArchiveUnwritable, lasting_failure
from archive.records import (
    FetchedStatement,
    ListingPage,
    PageProblem,
    Snapshot,
    SnapshotConfirmed,
    StatementGone,
    StatementNotModified,
)
from crawler.recording import Recording

log = logging.getLogger(__name__)

ARCHIVE_UNWRITABLE = "archive_unwritable"  # the reason the spider closes with when the archive refuses writes


class ArchivePipeline:
    def __init__(self, crawler: Crawler, recording: Recording) -> None:
        self.crawler = crawler
        self.recording = recording
        recorder = recording.recorder
        self.handlers: dict[type, Callable[[Any], None]] = {
            FetchedStatement: recorder.statement_fetched,
            StatementNotModified: recorder.statement_not_modified,
            StatementGone: recorder.statement_gone,
            ListingPage: recorder.listing_fetched,
            PageProblem: recorder.problem,
            Snapshot: recorder.snapshot_read,
            SnapshotConfirmed: recorder.snapshot_confirmed,
        }
        self._closing: asyncio.Future[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler, Recording.of(crawler))

    async def process_item(self, item: Any) -> Any:
        if self.recording.unwritable is not None:
            return item  # not stored: the crawl is stopping, and the next one reads the page again
        try:
            await self.recording.call(self._store, item)
        except ArchiveUnwritable as error:
            self._stop(str(error))
        return item

    def _store(self, item: Any) -> None:
        try:
            self.handlers[type(item)](item)
        except Exception as error:
            lasting = lasting_failure(error) if isinstance(error, SQLAlchemyError) else None
            if lasting is not None:
                raise ArchiveUnwritable(str(lasting)) from error
            # One page the archive could not take (its unit of work rolled back), for a fault of the database's or of
            # korus-watch's own, which Scrapy would only log: recorded on the run, an error, not a silent gap.
            log.exception("could not archive %s from %s", type(item).__name__, item.url)
            self.recording.recorder.problem(
                PageProblem(item.url, "archive_error", f"{type(error).__name__}: {error}")
            )

    def _stop(self, reason: str) -> None:
        """Every further write would fail the same way: the crawl stops at once instead of failing page by page."""
        if self.recording.unwritable is not None:
            return  # another page in flight met the same failure
        self.recording.unwritable = reason
        log.error("the archive cannot be written (%s): stopping the crawl", reason)
        assert self.crawler.engine is not None
        self._closing = asyncio.ensure_future(self.crawler.engine.close_spider_async(reason=ARCHIVE_UNWRITABLE))
