"""The item pipeline: every record the spider finds goes to the archive's run recorder."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from scrapy.crawler import Crawler
from sqlalchemy.exc import SQLAlchemyError

from archive.records import FetchedStatement, ListingPage, PageProblem, StatementGone, StatementNotModified
from crawler.recording import Recording

log = logging.getLogger(__name__)


class ArchivePipeline:
    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        recorder = recording.recorder
        self.handlers: dict[type, Callable[[Any], None]] = {
            FetchedStatement: recorder.statement_fetched,
            StatementNotModified: recorder.statement_not_modified,
            StatementGone: recorder.statement_gone,
            ListingPage: recorder.listing_fetched,
            PageProblem: recorder.problem,
        }

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(Recording.of(crawler))

    async def process_item(self, item: Any) -> Any:
        await self.recording.call(self._store, item)
        return item

    def _store(self, item: Any) -> None:
        try:
            self.handlers[type(item)](item)
        except SQLAlchemyError as error:
            # Recorded on the run, so that a page the archive cannot take is an error, not a silent gap.
            log.exception("could not archive %s from %s", type(item).__name__, item.url)
            self.recording.recorder.problem(
                PageProblem(item.url, "archive_error", f"{type(error).__name__}: {error}")
            )
