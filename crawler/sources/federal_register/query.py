"""A Federal Register source's requests of the API, as URLs: its query (documents.json with its conditions, newest
first), a window of it by publication date, one document's JSON. Pure: no network.

The API answers at most 50 pages of a query, and no result past the 10,000th (its search index's window): beyond
either it silently answers page 1. A query matching more than that is read in windows of publication dates, each
matching no more (Window.split)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from crawler.sources.federal_register.settings import FederalRegisterSettings

# What a listing asks for of each document: everything the reader reads (reader.read_document) and no field that
# changes by itself (page_views, comment counts, regulations_dot_gov_info, corrections), so that a document's
# answer is the same until the document is.
DOCUMENT_FIELDS = (
    "document_number", "publication_date", "json_url", "title", "type", "subtype", "html_url", "pdf_url",
    "abstract", "dates", "agencies", "citation", "effective_on", "comments_close_on", "docket_ids", "correction_of",
    "raw_text_url", "body_html_url",
)
MAX_PAGES = 50
MAX_RESULTS = 10_000
# A routine poll reads the newest documents this many at a time, until a page holds only known ones.
ROUTINE_PER_PAGE = 20


@dataclass(frozen=True)
class Window:
    """Documents published from `first` to `last`, both included."""

    first: date
    last: date

    @property
    def single_day(self) -> bool:
        return self.first >= self.last

    def split(self) -> tuple[Window, Window]:
        """The newer half, then the older."""
        middle = self.first + timedelta(days=(self.last - self.first).days // 2)
        return Window(middle + timedelta(days=1), self.last), Window(self.first, middle)

    def __str__(self) -> str:
        if self.single_day:
            return self.first.isoformat()
        return f"{self.first.isoformat()} to {self.last.isoformat()}"


def readable_results(per_page: int) -> int:
    """The most documents one query (or window) can be read through, `per_page` at a time."""
    return min(per_page * MAX_PAGES, MAX_RESULTS - MAX_RESULTS % per_page)


def search_url(settings: FederalRegisterSettings, *, page: int, per_page: int, window: Window | None) -> str:
    """documents.json for the source's query, newest first: all of it from `since` (window None), or a window."""
    params: list[tuple[str, str]] = [("conditions[agencies][]", slug) for slug in settings.agencies]
    if settings.term is not None:
        params.append(("conditions[term]", settings.term))
    params += [("conditions[type][]", code) for code in settings.types]
    first = window.first if window else settings.since
    params.append(("conditions[publication_date][gte]", first.isoformat()))
    if window is not None:
        params.append(("conditions[publication_date][lte]", window.last.isoformat()))
    params += [("fields[]", name) for name in DOCUMENT_FIELDS]
    params += [("order", "newest"), ("per_page", str(per_page)), ("page", str(page))]
    return f"{settings.api_url}/documents.json?{urlencode(params)}"


def document_url(settings: FederalRegisterSettings, number: str, published: date) -> str:
    """One document's JSON, the fields a listing gives of it."""
    params = [("publication_date", published.isoformat()), *(("fields[]", name) for name in DOCUMENT_FIELDS)]
    return f"{settings.api_url}/documents/{number}.json?{urlencode(params)}"
