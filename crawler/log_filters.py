"""One line per failed download from Scrapy's own logging, the traceback at DEBUG.

Scrapy logs some download failures with their traceback: the robots.txt middleware when robots.txt cannot be
fetched, and the scraper when an errback ends the crawl (the spider's verdict that the site is unreachable). A
failed download is the site's doing, not a bug, and the spider records each one as a line of its own (archive
.recorder); a 5 KB traceback in a service's log says nothing more."""

from __future__ import annotations

import logging

# Scrapy's loggers that log download failures with exc_info, and how those messages begin.
_LOGGERS = ("scrapy.downloadermiddlewares.robotstxt", "scrapy.core.scraper")
_DOWNLOAD_ERROR = "Error downloading"


class TracebackToDebug(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.msg, str) and record.msg.startswith(_DOWNLOAD_ERROR):
            logging.getLogger(record.name).debug("traceback of: %s", record.getMessage(), exc_info=record.exc_info)
            record.exc_info = record.exc_text = None
        return True


def quiet_scrapy_tracebacks() -> None:
    """Installs the filter once per process (loggers live as long as the process)."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, TracebackToDebug) for existing in logger.filters):
            logger.addFilter(TracebackToDebug())
