"""Whether the site can be reached at all, known fast; and failed attempts counted as they happen.

Until the site has answered once in a poll, a request gets at most FIRST_CONTACT_SECONDS (DNS, connection and
answer together), and the first one that cannot reach the site is the verdict: it is not retried, and every request
after it fails at once (NotTried, naming that error) without touching the network. The spider then sees every landing page
fail and closes the poll as unreachable: about FIRST_CONTACT_SECONDS after its start, where three attempts at each
of robots.txt and three landings, one after another, took 71 s. Once the site has answered, its requests get the
configured timeout and retries, so a site that stumbles mid-poll is retried as before. Each site (host and port) of a
poll is judged on its own: one of the sites a source of watched pages watches being down says nothing of the others."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

# A site that has not answered within this long is not going to answer this poll.
FIRST_CONTACT_SECONDS = 10.0
FAILED_ATTEMPTS_STAT = "korus/failed_attempts"


class NotTried(Exception):
    """A request not sent: an earlier one of the poll found the site unreachable (`cause`)."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(f"not sent: the site could not be reached ({cause})")
        self.cause = cause


class ReachabilityMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.first_contact_timeout = min(FIRST_CONTACT_SECONDS, crawler.settings.getfloat("DOWNLOAD_TIMEOUT"))
        # Each site on its own (a source of watched pages may watch several): the sites (host and port) that
        # answered, and those found unreachable, with the error that said so.
        self.answered: set[str] = set()
        self.unreachable: dict[str, Exception] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReachabilityMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        site = _site(request)
        if site in self.answered:
            return
        if site in self.unreachable:
            request.meta["dont_retry"] = True
            raise NotTried(self.unreachable[site])
        request.meta["download_timeout"] = min(request.meta.get("download_timeout", self.first_contact_timeout),
                                               self.first_contact_timeout)

    def process_response(self, request: Request, response: Response) -> Response:
        self.answered.add(_site(request))
        if response.status >= 500 or response.status == 429:
            self.stats.inc_value(FAILED_ATTEMPTS_STAT)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest | NotTried):  # refused by a middleware, or never sent
            return
        self.stats.inc_value(FAILED_ATTEMPTS_STAT)
        site = _site(request)
        if site not in self.answered and site not in self.unreachable:
            self.unreachable[site] = exception
            request.meta["dont_retry"] = True


def _site(request: Request) -> str:
    return urlsplit(request.url).netloc.lower()
