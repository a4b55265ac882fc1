"""The crawler's settings section, and Scrapy's settings derived from it."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from archive.product import USER_AGENT
from archive.settings import Section
from crawler.hosts import HostPaces
from crawler.pace import Politeness
from crawler.sources.federal_register.settings import FederalRegisterSettings
from crawler.sources.listings.settings import ListingsSettings
from crawler.sources.pages.settings import PagesSettings
from crawler.sources.settings import SourceSection

DEFAULT_SECTIONS = ("press-releases", "fact-sheets", "speeches-and-remarks")


class CrawlSettings(Section):
    base_url: str = "https://ustr.gov"
    # Press-office section names (".../press-office/<name>") or root-relative paths of other listings.
    sections: list[str] = Field(default_factory=lambda: list(DEFAULT_SECTIONS), min_length=1)
    user_agent: str = USER_AGENT
    # The politeness policy (crawler.pace): at most this many requests in flight and this many a second; with
    # autothrottle, slower when the site's latency rises.
    concurrent_requests: int = Field(default=8, ge=1, le=64)
    max_requests_per_second: float = Field(default=10.0, gt=0)
    autothrottle: bool = True
    # After this many refusals (429, 503) in one poll, the poll starts no more re-checks: they wait for the next one.
    max_refusals: int = Field(default=3, ge=1)
    obey_robots_txt: bool = True
    verify_tls: bool = True
    timeout_seconds: float = Field(default=30.0, gt=0)
    retry_times: int = Field(default=2, ge=0)
    max_page_bytes: int = Field(default=10 * 1024 * 1024, ge=64 * 1024)
    interval_minutes: float = Field(default=15.0, gt=0)
    # A poll stops starting requests in time to end within this, leaving the rest for the next poll; one still
    # running then is stopped and recorded as failed.
    timeout_minutes: float = Field(default=30.0, gt=0)
    full_revisit_hours: float = Field(default=24.0, gt=0)
    removal_confirmations: int = Field(default=2, ge=1)
    # More new items than this in one poll of a source (its baseline aside) open a health problem and are announced
    # as one summary per channel: a CMS migration that renumbers, or a changed listing, looks like this.
    mass_new_threshold: int = Field(default=25, ge=1)
    # The redesign guard: a run in which more than this share of statement pages fails extraction,
    # or of re-checked known statements changes, records one health problem instead of events.
    guard_share: float = Field(default=0.5, gt=0, le=1)
    guard_min_pages: int = Field(default=5, ge=1)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


class SourcesSettings(Section):
    """`[[sources.<kind>]]` tables: the sources beyond the press office, each kind a list (its field named as the
    kind's package in crawler/sources/)."""

    federal_register: list[FederalRegisterSettings] = Field(default_factory=list)
    pages: list[PagesSettings] = Field(default_factory=list)
    listings: list[ListingsSettings] = Field(default_factory=list)

    def by_kind(self) -> dict[str, list[SourceSection]]:
        return {name: list(getattr(self, name)) for name in type(self).model_fields}


def time_budget_seconds(crawl: CrawlSettings) -> float:
    """How long a poll may go on starting requests: what is in flight then must still end (within a request's
    timeout) and the run be recorded before crawl.timeout_minutes."""
    limit = crawl.timeout_minutes * 60
    return max(limit / 2, limit - crawl.timeout_seconds - 30)


def scrapy_settings(crawl: CrawlSettings, host_paces: HostPaces) -> dict[str, Any]:
    """Scrapy's settings for the crawls of a process, which share `host_paces`."""
    politeness = Politeness(crawl.concurrent_requests, crawl.max_requests_per_second, adaptive=crawl.autothrottle,
                            max_refusals=crawl.max_refusals)
    return {
        "BOT_NAME": "korus-watch",
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots_txt,
        # One site, one downloader slot: its concurrency is the cap on requests in flight, and its delay, which
        # crawler.politeness keeps at the policy's spacing, the cap on requests a second. No jitter: a random
        # delay below the spacing would break the cap.
        "CONCURRENT_REQUESTS": crawl.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_requests,
        "DOWNLOAD_DELAY": politeness.fastest_interval,
        "DOWNLOAD_DELAY_JITTER": 0,
        "KORUS_WATCH_POLITENESS": politeness,
        "KORUS_WATCH_HOST_PACES": host_paces,
        "SCHEDULER": "crawler.scheduling.PollScheduler",
        "KORUS_WATCH_TIME_BUDGET": time_budget_seconds(crawl),
        "DOWNLOAD_TIMEOUT": crawl.timeout_seconds,
        # The backstop for a crawl that does not end within its time budget: the spider is closed at this age, and
        # its run recorded as failed (crawler.run.ArchiveCrawl.finish).
        "CLOSESPIDER_TIMEOUT": crawl.timeout_minutes * 60,
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "DOWNLOAD_WARNSIZE": crawl.max_page_bytes // 2,
        "RETRY_TIMES": crawl.retry_times,
        # The spider records each request given up as one line (archive.recorder); Scrapy's own line would repeat it.
        "RETRY_GIVE_UP_LOG_LEVEL": "DEBUG",
        "REDIRECT_MAX_TIMES": 5,
        "COOKIES_ENABLED": False,
        # Never on in a service, should the extensions below ever list them again: a telnet console, and a local
        # HTTP server that runs posted code.
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "DOWNLOAD_VERIFY_CERTIFICATES": crawl.verify_tls,
        # The chains in full, replacing Scrapy's defaults: Scrapy imports every component it lists, even one
        # disabled by a setting or set to None, at each start (the cookie middleware alone imports tldextract and
        # requests). Left out, with no use here: cookies (COOKIES_ENABLED is off), HTTP auth (no credentials),
        # the HTTP cache, URL length and depth checks, and a check of every yielded request for copied meta keys
        # (a warning for spider authors).
        "DOWNLOADER_MIDDLEWARES_BASE": {
            "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": 50,
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": 100,
            "scrapy.downloadermiddlewares.downloadtimeout.DownloadTimeoutMiddleware": 350,
            "scrapy.downloadermiddlewares.defaultheaders.DefaultHeadersMiddleware": 400,
            "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": 500,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": 550,
            "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": 580,
            "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": 590,
            "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": 600,
            "scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware": 750,
            "scrapy.downloadermiddlewares.stats.DownloaderStats": 850,  # downloader/request_count
        },
        "DOWNLOADER_MIDDLEWARES": {
            # Both see answers and failures before RetryMiddleware (550) retries them.
            "crawler.politeness.PolitenessMiddleware": 560,
            "crawler.reachability.ReachabilityMiddleware": 570,
            "crawler.middlewares.RedirectGuardMiddleware": 650,
            "crawler.middlewares.ConditionalRequestMiddleware": 950,
        },
        "SPIDER_MIDDLEWARES_BASE": {
            "scrapy.spidermiddlewares.start.StartSpiderMiddleware": 25,
            "scrapy.spidermiddlewares.httperror.HttpErrorMiddleware": 50,
            # Without it Scrapy's redirect middlewares warn at the start of every crawl.
            "scrapy.spidermiddlewares.referer.RefererMiddleware": 700,
        },
        # Every response a finder reads is kept, and the records read from it name it.
        "SPIDER_MIDDLEWARES": {"crawler.snapshots.SnapshotMiddleware": 800},
        # A source scan of every callback for "return" in generators: a measured cost (bench/crawl_bench.py).
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        # Each callback yields a handful of records, stored one after another by a synchronous pipeline.
        "CONCURRENT_ITEMS": 1,
        "ITEM_PIPELINES": {"crawler.pipelines.ArchivePipeline": 300},
        # Of Scrapy's extensions only the core stats (finish_reason) and CloseSpider (CLOSESPIDER_TIMEOUT) are
        # used; the others are off by default or keep stats nobody reads, and the remote control's module alone
        # imports aiohttp. AutoThrottle's place is taken by crawler.politeness (why: there).
        "EXTENSIONS_BASE": {
            "scrapy.extensions.corestats.CoreStats": 0,
            "scrapy.extensions.closespider.CloseSpider": 0,
        },
        "EXTENSIONS": {"crawler.progress.ProgressLog": 500, "crawler.phases.Phases": 500},
        # korus-watch configures logging itself and logs what matters (see korus_watch.cli).
        "LOG_ENABLED": False,
        "LOG_INSTALL_ROOT_HANDLER": False,
    }
