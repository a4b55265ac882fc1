"""Scrapy's settings, all derived from korus-watch's one settings object."""

from __future__ import annotations

from typing import Any

from korus_watch.settings import CrawlSettings


def scrapy_settings(crawl: CrawlSettings) -> dict[str, Any]:
    return {
        "BOT_NAME": "korus-watch",
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots_txt,
        "CONCURRENT_REQUESTS": crawl.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_requests,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": max(1.0, crawl.concurrent_requests / 2),
        "DOWNLOAD_TIMEOUT": crawl.timeout_seconds,
        # The spider is closed cleanly at this age, and its run recorded as failed (crawler.run.finish_recorder).
        "CLOSESPIDER_TIMEOUT": crawl.timeout_minutes * 60,
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "DOWNLOAD_WARNSIZE": crawl.max_page_bytes // 2,
        "RETRY_TIMES": crawl.retry_times,
        "REDIRECT_MAX_TIMES": 5,
        "COOKIES_ENABLED": False,
        # Never on in a service: a telnet console, and a local HTTP server that runs posted code.
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "DOWNLOAD_VERIFY_CERTIFICATES": crawl.verify_tls,
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.middlewares.RedirectGuardMiddleware": 650,
            "crawler.middlewares.ConditionalRequestMiddleware": 950,
        },
        # Measured costs with no use here: URL length and depth checks, and a source scan of every callback for
        # "return" in generators (bench/crawl_bench.py). The Referer middleware stays: without it Scrapy's
        # redirect middlewares warn at the start of every crawl.
        "SPIDER_MIDDLEWARES": {
            "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
            "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
        },
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        # Each callback yields a handful of records, stored one after another by a synchronous pipeline.
        "CONCURRENT_ITEMS": 1,
        "ITEM_PIPELINES": {"crawler.pipelines.ArchivePipeline": 300},
        "EXTENSIONS": {"crawler.progress.ProgressLog": 500},
        # korus-watch configures logging itself and logs what matters (see korus_watch.cli).
        "LOG_ENABLED": False,
        "LOG_INSTALL_ROOT_HANDLER": False,
        "LOGSTATS_INTERVAL": 0,
    }
