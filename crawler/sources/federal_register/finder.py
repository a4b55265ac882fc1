"""The Federal Register's finder: a source's query of the API (crawler.sources.federal_register.query), and each
document it lists read from its text.

- A baseline (and a --full poll) reads the whole query from `since`, newest first, in windows of publication dates
  that the API can page through (a window matching more is split in two; a single day matching more is a health
  problem, and what can be read of it is).
- A routine poll reads the newest documents, a page at a time, until a page holds only known ones: one request when
  nothing is new. Then, in the second phase, a few known documents are read again (documents/{number}.json and
  their text) for FederalRegister.gov's silent patches: enough a poll for each to come round every `recheck_days`.
- A listing asks for every field the reader reads (query.DOCUMENT_FIELDS), so a new document costs one more
  request, its text (raw_text_url, else body_html_url), read with the listing's answer (carried as a snapshot, so
  that `reread` gets both back).
- Requests go only to the API's host and, for texts, to FederalRegister.gov's hosts; to the API's host at most
  `max_requests_per_second` (the API's stated 5), to another text host at most one a second."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import lru_cache
from math import ceil
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from archive.models import HealthKind
from archive.planning import CrawlPlan, RevisitTarget
from archive.records import (
    FetchedStatement,
    ListingPage,
    PageProblem,
    StatementGone,
    StatementNotModified,
)
from archive.snapshots.reextraction import ArchivedItem
from archive.snapshots.stored import StoredResponse
from crawler.hosts import host_of
from crawler.middlewares import NOT_MODIFIED_FLAG
from crawler.politeness import MIN_INTERVAL_META
from crawler.scheduling import RECHECK
from crawler.snapshots import carry_snapshots
from crawler.sources.base import SITE_UNREACHABLE, ConfiguredSource
from crawler.sources.errors import ReadError
from crawler.sources.failures import fetch_problem
from crawler.sources.federal_register.kind import named_document
from crawler.sources.federal_register.query import (
    ROUTINE_PER_PAGE,
    Window,
    document_url,
    readable_results,
    search_url,
)
from crawler.sources.federal_register.reader import (
    identity_key,
    read_document,
    read_document_json,
    read_listing,
    text_url,
)
from crawler.sources.federal_register.settings import FederalRegisterSettings

log = logging.getLogger(__name__)

# The hosts FederalRegister.gov serves documents' texts from, whatever API address is configured.
FEDERAL_REGISTER_HOSTS = frozenset({"www.federalregister.gov", "federalregister.gov"})
# Text and XML downloads from a host other than the API's: the API's maintainers ask for one a second.
TEXT_REQUESTS_PER_SECOND = 1.0
# The API's pace is its maintainers' word, not a wish: its starts are spaced wider than the crawl's (crawler.pace's
# SPACING_SLACK, a fifth), so that requests delayed on their way by a busy machine do not bring a sixth into one
# second. Measured (bench/federal_register_bench.py, 2 CPUs loaded by a test run): with a fifth, 6 arrived within one.
SPACING_SLACK = 0.3
# Request priorities: a new document's text as soon as a listing names it, then the listings that may name more.
_NEW_DOCUMENT, _LISTING = 20, 10
_GONE = (404, 410)


class Finder(scrapy.Spider):
    name = "federal_register"

    def __init__(self, plan: CrawlPlan, source: ConfiguredSource, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.query: FederalRegisterSettings = source.settings
        self.api_host = host_of(self.query.api_url)
        self.api_scheme, self.api_netloc = urlsplit(self.query.api_url).scheme, urlsplit(self.query.api_url).netloc.lower()
        self.allowed_domains = sorted({self.api_host, *FEDERAL_REGISTER_HOSTS})
        self.api_interval = (1 + SPACING_SLACK) / self.query.max_requests_per_second
        self.other_host_interval = max(self.api_interval, (1 + SPACING_SLACK) / TEXT_REQUESTS_PER_SECOND)
        # Known documents read again this poll: all of them in a --full poll, none in a baseline (its listings show
        # them), else a share that brings each round within recheck_days.
        due = ceil(len(plan.listed) * source.interval_minutes / (self.query.recheck_days * 24 * 60))
        self.rechecks: list[RevisitTarget] = (
            [] if plan.baseline else plan.revisit if plan.full else plan.revisit[:due]
        )
        # The first baseline reads every listing before any document (archive.first_baseline).
        self.listings_first = plan.first_baseline is not None and plan.first_baseline.records_listings
        self.after_listings: list[scrapy.Request] = []
        # Listing pages that could not be read: then the listings the first baseline recorded are incomplete.
        self.listings_failed = 0
        # The documents this poll asked for, by identity: a document a shifting page shows twice is read once.
        self.requested: set[str] = set()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.plan.baseline or self.plan.full:
            whole = Window(self.query.since, datetime.now(UTC).date())
            yield self._listing(1, self.query.per_page, whole, first=True)
        else:
            yield self._listing(1, ROUTINE_PER_PAGE, None, first=True)

    def second_phase(self) -> Iterator[scrapy.Request]:
        """The first baseline's documents (its listings are read), then the known documents read again."""
        yield from self.after_listings
        for target in self.rechecks:
            named = named_document(target.url)
            if named is None:
                log.warning("%s: %s names no document (number and date): not read again", self.query.name, target.url)
                continue
            yield self._request(document_url(self.query, *named), self.parse_document, recheck=True,
                                meta={"handle_httpstatus_list": [304, *_GONE]})

    # -- requests ------------------------------------------------------------------------------

    def _request(self, url: str, callback: Callable[[Response], Iterator[Any]], *, priority: int = 0,
                 recheck: bool = False, meta: dict[str, Any] | None = None) -> scrapy.Request:
        interval = self.api_interval if host_of(url) == self.api_host else self.other_host_interval
        return scrapy.Request(url, callback=callback, errback=self.fetch_failed, priority=priority,
                              meta={**(meta or {}), RECHECK: recheck, MIN_INTERVAL_META: interval})

    def _listing(self, page: int, per_page: int, window: Window | None, *, first: bool = False) -> scrapy.Request:
        url = search_url(self.query, page=page, per_page=per_page, window=window)
        # A 400 is the API refusing the query (an unknown agency slug): its answer says why.
        return self._request(url, self.parse_listing, priority=_LISTING, meta={
            "listing": True, "first_listing": first, "page": page, "per_page": per_page, "window": window,
            "handle_httpstatus_list": [400],
        })

    def _text(self, document: dict[str, Any], response: Response, *, recheck: bool) -> scrapy.Request | PageProblem:
        """The request of a document's text, read with `response` (its listing, or its JSON); or why not."""
        where = str(document.get("json_url") or document.get("html_url"))
        try:
            url = text_url(document)
        except ReadError as error:
            return PageProblem(where, error.kind, error.message, extraction_failed=True)
        if not self._may_fetch(url):
            return PageProblem(where, "off_host_text", f"document {document.get('document_number')}: its text is at "
                               f"{url}, on neither the API's host nor FederalRegister.gov's: not followed")
        request = self._request(url, self.parse_text, priority=0 if recheck else _NEW_DOCUMENT, recheck=recheck,
                                meta={"document": document, "text_url": url})
        return carry_snapshots(request, response)

    def _may_fetch(self, url: str) -> bool:
        parts = urlsplit(url)
        host = host_of(url)
        # Never from https down to http: a text is read as the API is, or over TLS.
        if parts.netloc.lower() == self.api_netloc:
            return parts.scheme in (self.api_scheme, "https")
        return host in FEDERAL_REGISTER_HOSTS and parts.scheme == "https"

    # -- listings ------------------------------------------------------------------------------

    def parse_listing(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        page, per_page, window = meta["page"], meta["per_page"], meta["window"]
        try:
            listing = read_listing(response.url, response.status, response.body)
            documents = _results(response.body)
        except ReadError as error:
            self.listings_failed += 1
            said = error.message.removeprefix(f"{response.url}: ")
            hint = " (check the source's agency slugs and term)" if error.kind == "refused" else ""
            yield PageProblem(response.url, error.kind, f"{said}{hint}; new documents cannot be found",
                              opens=HealthKind.LISTINGS_UNREADABLE)
            return
        if NOT_MODIFIED_FLAG not in response.flags:
            yield ListingPage(response.url, response.body, _header(response, b"ETag"),
                              _header(response, b"Last-Modified"), tuple(d.json_url for d in listing.documents))

        readable = readable_results(per_page)
        if window is not None and page == 1 and listing.count > readable:
            if not window.single_day:
                for half in window.split():
                    yield self._listing(1, per_page, half)
                return
            self.listings_failed += 1
            yield PageProblem(
                response.url, "day_too_large",
                f"{listing.count} documents published on {window} match its query, more "
                f"than the API pages through ({readable}): those past the {readable}th are not read",
                opens=HealthKind.LISTINGS_UNREADABLE,
            )

        unknown = 0
        for listed, document in zip(listing.documents, documents, strict=True):
            statement_id = self.plan.statement_by_key.get(listed.identity)
            # A document another query archived is read once for this one too, to be listed under it.
            if listed.identity in self.requested or (statement_id is not None and statement_id in self.plan.listed):
                continue
            unknown += 1
            self.requested.add(listed.identity)
            text = self._text(document, response, recheck=False)
            if isinstance(text, PageProblem):
                yield self._document_failed(text)
            elif self.listings_first:
                self.after_listings.append(text)
            else:
                yield text

        if window is not None and page == 1:
            # A window the API pages through: its other pages at once.
            for following in range(2, min(ceil(listing.count / per_page), readable // per_page) + 1):
                yield self._listing(following, per_page, window)
        elif window is None and unknown and listing.next_page_url and (page + 1) * per_page <= readable:
            # A routine poll reads back only until it reaches documents it knows.
            yield self._listing(page + 1, per_page, None)

    # -- documents -----------------------------------------------------------------------------

    def parse_document(self, response: Response) -> Iterator[Any]:
        """A known document's JSON, read again: then its text."""
        if response.status in _GONE:
            yield StatementGone(response.url, response.status)
            return
        if response.status == 304:
            yield StatementNotModified(response.url)
            return
        try:
            document = read_document_json(response.url, response.status, response.body)
        except ReadError as error:
            yield PageProblem(response.url, error.kind, error.message, extraction_failed=True)
            return
        yield self._text(document, response, recheck=True)

    def parse_text(self, response: Response) -> Iterator[Any]:
        url = response.meta["text_url"]
        try:
            item = read_document(response.meta["document"], url, response.body)
        except ReadError as error:
            yield self._document_failed(PageProblem(url, error.kind, error.message, extraction_failed=True))
            return
        yield identified(item, self._known_date)

    def _known_date(self, number: str, before: date | None) -> date | None:
        """The publication date of the archived document of that number published last before `before`."""
        dates = []
        for key in self.plan.statement_by_key:
            named, _, published = key.partition("/")
            if named == number and len(published) == 10:
                try:
                    dates.append(date.fromisoformat(published))
                except ValueError:
                    continue
        earlier = [day for day in dates if before is None or day < before]
        return max(earlier, default=None)

    def _document_failed(self, problem: PageProblem) -> PageProblem:
        if self.plan.baseline:
            # A routine poll would not list it again: the next baseline must.
            return replace(problem, message=f"{problem.message}; a document the query lists could not be read, the "
                                            "next poll reads its listings again",
                           opens=HealthKind.LISTINGS_UNREADABLE)
        return problem

    # -- failures ------------------------------------------------------------------------------

    def fetch_failed(self, failure: Failure) -> Iterator[PageProblem]:
        request = failure.request  # type: ignore[attr-defined]
        self.crawler.stats.inc_value("korus/fetch_failures")
        url = request.meta.get("redirect_urls", [request.url])[0]
        problem = fetch_problem(url, failure.value)
        if not request.meta.get("listing"):
            yield (self._document_failed(problem) if "document" in request.meta and not request.meta[RECHECK]
                   else problem)
            return
        self.listings_failed += 1
        if request.meta.get("first_listing") and getattr(failure.value, "response", None) is None:
            # The API did not answer at all: every other request would fail too.
            yield problem
            raise CloseSpider(SITE_UNREACHABLE)
        yield replace(problem, message=f"{problem.message}; a page of the query's answer could not be read, new "
                                       "documents may not be found", opens=HealthKind.LISTINGS_UNREADABLE)


def identified(item: FetchedStatement, date_of: Callable[[str, date | None], date | None]) -> FetchedStatement:
    """The reading keyed by its identity, and linked to the document it corrects: by the date the correction gives,
    else by `date_of` (the document number, the correction's date)."""
    fields = item.fields
    item.keys = (identity_key(fields["document_number"], date.fromisoformat(fields["publication_date"])),)
    corrected = fields.get("correction_of")
    if corrected:
        published = corrected["publication_date"]
        if published is None:
            found = date_of(corrected["document_number"], item.published_on)
            published = found.isoformat() if found else None
        if published is not None:
            fields["correction_of"] = {**corrected, "publication_date": published}
            item.corrects = identity_key(corrected["document_number"], date.fromisoformat(published))
    return item


def reread(item: ArchivedItem, responses: list[StoredResponse], settings: FederalRegisterSettings) -> FetchedStatement:
    """The document read again from its text and the answer it was read with (its listing, or its JSON)."""
    text, *carried = responses
    document = next((found for stored in reversed(carried)
                     for found in _documents_in(stored.snapshot_id, stored.body) if text.url in _text_urls(found)),
                    None)
    if document is None:
        raise ReadError("missing_answer", f"{item.url}: no stored API answer names its text {text.url}")
    stored_correction = item.fields.get("correction_of") or {}

    def stored_date(number: str, before: date | None) -> date | None:
        published = stored_correction.get("publication_date")
        return date.fromisoformat(published) if published and stored_correction.get("document_number") == number \
            else None

    return identified(read_document(document, text.url, text.body), stored_date)


@lru_cache(maxsize=4)
def _documents_in(snapshot_id: int, body: bytes) -> tuple[dict[str, Any], ...]:
    """The documents a stored API answer holds: a listing's results, or one document (a listing is the answer of
    hundreds of documents re-read one after another)."""
    try:
        answer = json.loads(body)
    except ValueError:
        return ()
    if not isinstance(answer, dict):
        return ()
    results = answer.get("results", [answer])
    return tuple(result for result in results if isinstance(result, dict)) if isinstance(results, list) else ()


def _text_urls(document: dict[str, Any]) -> tuple[object, ...]:
    return document.get("raw_text_url"), document.get("body_html_url")


def _results(body: bytes) -> list[dict[str, Any]]:
    """A listing's results as the API gave them (read_listing checked them)."""
    results = json.loads(body).get("results", [])
    return list(results)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
