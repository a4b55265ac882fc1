"""The Federal Register finder's parts that need no crawl: a document's key from its URLs, the query's windows and
URLs, where the finder may go and how fast, and re-reading a document from its stored answers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from archive.planning import CrawlPlan, SourceRef
from archive.snapshots.reextraction import ArchivedItem
from archive.snapshots.stored import StoredResponse
from crawler.politeness import MIN_INTERVAL_META
from crawler.sources.base import ConfiguredSource
from crawler.sources.errors import ReadError
from crawler.sources.federal_register.finder import Finder, reread
from crawler.sources.federal_register.kind import KIND, document_key
from crawler.sources.federal_register.query import DOCUMENT_FIELDS, Window, readable_results, search_url
from crawler.sources.federal_register.settings import FederalRegisterSettings
from testkit.federal_register import FederalRegister, korus_documents
from testkit.federal_register.documents import DocumentUrls, document_json, raw_text

API = "https://www.federalregister.gov/api/v1"


def settings(**options: object) -> FederalRegisterSettings:
    return FederalRegisterSettings.model_validate({
        "name": "fr-korus", "agencies": ["trade-representative-office-of-united-states"], "term": "KORUS",
        "types": ["NOTICE", "RULE"], "since": "2012-03-15", **options})


def finder(source_settings: FederalRegisterSettings) -> Finder:
    plan = CrawlPlan(run_id=1, source=SourceRef("fr-korus", "federal_register", document_key, "1"), full=False,
                     first_baseline=None, statement_by_key={}, statement_by_external={}, listed=set(),
                     recheck_keys=set(), revisit=[], validators={})
    return Finder(plan=plan, source=ConfiguredSource("fr-korus", KIND, source_settings, 15.0))


@pytest.mark.parametrize(("url", "key"), [
    (f"{API}/documents/2024-14094.json?publication_date=2024-07-02", "2024-14094/2024-07-02"),
    ("https://www.federalregister.gov/documents/2024/07/02/2024-14094/notice-of-korea", "2024-14094/2024-07-02"),
    ("https://www.federalregister.gov/documents/full_text/text/2024/07/02/2024-14094.txt", "2024-14094/2024-07-02"),
    ("https://www.federalregister.gov/documents/full_text/html/2010/12/10/2010-31094.html", "2010-31094/2010-12-10"),
    # Without its date a number names no one document: the URL is only a URL.
    (f"{API}/documents/2010-31094.json", "federalregister.gov/api/v1/documents/2010-31094.json"),
    ("https://www.federalregister.gov/documents/2024/13/40/2024-14094/x", "federalregister.gov/documents/2024/13/40/2024-14094/x"),
])
def test_a_document_is_keyed_by_its_number_and_date_from_any_of_its_urls(url: str, key: str) -> None:
    assert document_key(url) == key


def test_windows_halve_and_stay_within_what_the_api_pages_through() -> None:
    whole = Window(date(2012, 1, 1), date(2012, 12, 31))
    newer, older = whole.split()
    assert (older.first, older.last, newer.first, newer.last) == (
        date(2012, 1, 1), date(2012, 7, 1), date(2012, 7, 2), date(2012, 12, 31))
    two_days = Window(date(2012, 1, 1), date(2012, 1, 2))
    assert [(w.first, w.last) for w in two_days.split()] == [
        (date(2012, 1, 2), date(2012, 1, 2)), (date(2012, 1, 1), date(2012, 1, 1))]
    assert Window(date(2012, 1, 1), date(2012, 1, 1)).single_day and not two_days.single_day
    # 50 pages at most, and no result past the 10,000th (a page past it silently becomes page 1).
    assert readable_results(1000) == 10_000 and readable_results(20) == 1000 and readable_results(3) == 150
    assert readable_results(300) == 9900


def test_the_query_asks_for_its_conditions_newest_first_with_every_field_read() -> None:
    url = search_url(settings(), page=3, per_page=1000, window=Window(date(2012, 3, 15), date(2013, 1, 1)))
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.path == "/api/v1/documents.json"
    assert query["conditions[agencies][]"] == ["trade-representative-office-of-united-states"]
    assert query["conditions[term]"] == ["KORUS"] and query["conditions[type][]"] == ["NOTICE", "RULE"]
    assert query["conditions[publication_date][gte]"] == ["2012-03-15"]
    assert query["conditions[publication_date][lte]"] == ["2013-01-01"]
    assert (query["order"], query["per_page"], query["page"]) == (["newest"], ["1000"], ["3"])
    assert tuple(query["fields[]"]) == DOCUMENT_FIELDS
    assert not {"page_views", "corrections", "regulations_dot_gov_info", "dockets"} & set(DOCUMENT_FIELDS)


def test_texts_are_fetched_only_from_the_apis_host_or_federalregister_gov() -> None:
    official = finder(settings())
    assert official._may_fetch("https://www.federalregister.gov/documents/full_text/text/2024/07/02/2024-14094.txt")
    assert official._may_fetch("https://federalregister.gov/documents/full_text/html/2024/07/02/2024-14094.html")
    for elsewhere in ("http://169.254.169.254/latest/meta-data", "http://127.0.0.1:8080/x.txt",
                      "http://www.federalregister.gov/documents/full_text/text/2024/07/02/2024-14094.txt",
                      "https://www.federalregister.gov.example.com/x.txt", "file:///etc/passwd"):
        assert not official._may_fetch(elsewhere), elsewhere
    local = finder(settings(api_url="http://127.0.0.1:8080/api/v1"))
    assert local._may_fetch("http://127.0.0.1:8080/documents/full_text/text/2024/07/02/2024-14094.txt")
    assert not local._may_fetch("http://127.0.0.1:8081/documents/full_text/text/2024/07/02/2024-14094.txt")
    assert not local._may_fetch("http://localhost:8080/x.txt")


def test_requests_to_the_api_keep_to_its_pace_and_to_another_text_host_to_one_a_second() -> None:
    paced = finder(settings(max_requests_per_second=5, api_url="https://api.example.org/api/v1"))
    to_api = paced._request("https://api.example.org/api/v1/documents.json", paced.parse_listing)
    to_site = paced._request("https://www.federalregister.gov/documents/full_text/text/x.txt", paced.parse_text)
    assert to_api.meta[MIN_INTERVAL_META] == pytest.approx(1.3 / 5)
    assert to_site.meta[MIN_INTERVAL_META] == pytest.approx(1.3)
    assert set(paced.allowed_domains) == {"api.example.org", "www.federalregister.gov", "federalregister.gov"}


def _stored(snapshot_id: int, url: str, body: bytes, content_type: str) -> StoredResponse:
    return StoredResponse(snapshot_id, url, url, 200, [("Content-Type", content_type)], body,
                          datetime(2026, 12, 7, tzinfo=UTC))


def test_a_document_is_read_again_from_its_text_and_the_listing_it_came_with() -> None:
    register = FederalRegister(korus_documents())
    correction = register.correct("2012-6554", date(2012, 3, 16), on=date(2012, 4, 2))
    urls = DocumentUrls("https://www.federalregister.gov")
    listing = {"count": 2, "description": "Documents", "total_pages": 1,
               "results": [document_json(d, urls, DOCUMENT_FIELDS)
                           for d in (correction, register.document("2024-14094", date(2024, 7, 2)))]}
    listed = _stored(7, f"{API}/documents.json?page=1", json.dumps(listing).encode(), "application/json")
    text = _stored(8, urls.raw_text(correction), raw_text(correction).encode(), "text/plain; charset=utf-8")
    item = ArchivedItem(1, urls.html(correction), "Rule", correction.title, correction.publication_date, {}, 8)

    page = reread(item, [text, listed], settings())
    assert page.keys == (f"{correction.document_number}/2012-04-02",)
    assert page.corrects == "2012-6554/2012-03-16"  # the date the correction's text gives
    assert page.title == correction.title and page.fields["correction_of"] == {
        "document_number": "2012-6554", "publication_date": "2012-03-16"}

    with pytest.raises(ReadError, match="no stored API answer names its text"):
        reread(item, [text], settings())
