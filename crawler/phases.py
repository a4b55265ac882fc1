"""A poll in two phases, so that news is not kept waiting by re-checks.

The first phase reads the landing and listing pages and the statements not archived yet; when nothing of it is left
(Scrapy's spider_idle), it is closed: the recorder judges it by its own pages, records its held changes and commits
(crawler.recording, which then lets the service send their alerts), and the second phase, the re-checks of known
statements, is scheduled. The end of the second phase is the end of the run (crawler.run.ArchiveCrawl.finish)."""

from __future__ import annotations

from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.statscollectors import StatsCollector

from crawler.politeness import REFUSED_STAT
from crawler.recording import Recording
from crawler.scheduling import LEFT_STAT


def crawl_counts(stats: StatsCollector) -> dict[str, int]:
    """What the crawler counted so far, in the terms of RunRecorder.close_phase and finish."""

    def count(key: str) -> int:
        value = stats.get_value(key, 0)
        return value if isinstance(value, int) else 0

    return {
        "requests": count("downloader/request_count"),
        "not_modified": count("korus/not_modified"),
        "fetch_failures": count("korus/fetch_failures"),
        "refused": count(REFUSED_STAT),
        "landings": count("korus/landings"),
        "landings_failed": count("korus/landings_failed"),
    }


class Phases:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.recording = Recording.of(crawler)
        self.first_phase = True

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Phases:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        return extension

    def spider_idle(self, spider: Any) -> None:
        if not self.first_phase:
            return
        self.first_phase = False
        assert self.crawler.stats is not None and self.crawler.engine is not None
        # Queued behind every record of the first phase, and ahead of every record of the second. The phase read
        # every listing page it asked for unless one failed or the time budget left some; a finder that reads no
        # listings (it has no `listings_failed`) leaves them never complete (archive.first_baseline).
        listings_failed = getattr(spider, "listings_failed", None)
        listings_complete = listings_failed == 0 and not self.crawler.stats.get_value(LEFT_STAT, 0)
        self.recording.close_phase(crawl_counts(self.crawler.stats), listings_complete=listings_complete)
        second = list(spider.second_phase())
        for request in second:
            self.crawler.engine.crawl(request)
        if second:
            raise DontCloseSpider
