"""Why a request failed, in a short stable name for the crawl run's error records, and the record itself: the same
for every source's finder."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError

from archive.records import PageProblem
from crawler.middlewares import OffHostRedirect, RedirectLoop
from crawler.politeness import RateLimited
from crawler.reachability import NotTried

RATE_LIMITED = "rate_limited"
_FAILURE_KINDS: tuple[tuple[type[BaseException], str], ...] = (
    (RateLimited, RATE_LIMITED),
    (OffHostRedirect, "off_host_redirect"),
    (RedirectLoop, "redirect_loop"),
    (DownloadTimeoutError, "timeout"),
    (DownloadConnectionRefusedError, "connection_refused"),
    (CannotResolveHostError, "dns_failure"),
    (DownloadCancelledError, "download_too_large"),  # Scrapy cancels a download only past DOWNLOAD_MAXSIZE
    (ResponseDataLossError, "incomplete_response"),
    (DownloadFailedError, "download_failed"),
)
_IGNORED_REQUEST_KINDS = {
    "max redirections reached": "too_many_redirects",
    "Forbidden by robots.txt": "robots_forbidden",
}


def failure_kind(error: BaseException) -> str:
    """A short, stable name for why a request failed, for the crawl run's error records."""
    if isinstance(error, NotTried):
        return failure_kind(error.cause)
    if isinstance(error, HttpError):
        return RATE_LIMITED if error.response.status == 429 else f"http_{error.response.status}"
    for error_type, kind in _FAILURE_KINDS:
        if isinstance(error, error_type):
            return kind
    if isinstance(error, IgnoreRequest):
        return _IGNORED_REQUEST_KINDS.get(str(error), "ignored")
    return type(error).__name__


def fetch_problem(url: str, error: BaseException) -> PageProblem:
    """The record of a request for `url` that failed with `error`; a page the site would not serve for now (rate
    limited) was not checked, and stays due."""
    kind = failure_kind(error)
    return PageProblem(url, kind, str(error) or kind, checked=kind != RATE_LIMITED)
