"""The item pipeline: every record the spider finds goes to the archive's run recorder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scrapy.crawler import Crawler

from archive.recorder import RunRecorder
from archive.records import FetchedStatement, ListingPage, PageProblem, StatementGone, StatementNotModified


class ArchivePipeline:
    def __init__(self, recorder: RunRecorder) -> None:
        self.recorder = recorder
        self.handlers: dict[type, Callable[[Any], None]] = {
            FetchedStatement: recorder.statement_fetched,
            StatementNotModified: recorder.statement_not_modified,
            StatementGone: recorder.statement_gone,
            ListingPage: recorder.listing_fetched,
            PageProblem: recorder.problem,
        }

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        # The spider is created before its pipelines and carries the run it belongs to.
        return cls(crawler.spider.recorder)  # type: ignore[union-attr]

    def process_item(self, item: Any) -> Any:
        self.handlers[type(item)](item)
        return item
