"""The Federal Register reader's errors, identities and corrections, its settings, and what it counts as an edit:
documents fetched over real HTTP from the imitation, changed there as FederalRegister.gov changes them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from archive.records import FetchedStatement
from crawler.sources.errors import ReadError
from crawler.sources.federal_register import reader
from crawler.sources.federal_register.settings import DOCUMENT_TYPES, FederalRegisterSettings
from testkit.federal_register import FederalRegister, FederalRegisterServer, korus_register
from testkit.federal_register.fixtures import SAME_NUMBER, SAME_NUMBER_DATES

SEARCH = "https://www.federalregister.gov/api/v1/documents.json?conditions%5Bterm%5D=KORUS&order=newest"
DOCUMENT = "https://www.federalregister.gov/api/v1/documents/2024-14094.json?publication_date=2024-07-02"
LISTED = {"document_number": "2024-14094", "publication_date": "2024-07-02", "json_url": DOCUMENT}


def read_error(call: Any, *arguments: Any) -> ReadError:
    with pytest.raises(ReadError) as caught:
        call(*arguments)
    assert "\n" not in str(caught.value)
    return caught.value


@pytest.mark.parametrize(("status", "body", "kind", "says"), [
    (200, b"<!DOCTYPE html><html><body>Scheduled maintenance</body></html>", "not_json", "not JSON"),
    (200, b"", "not_json", "begins empty"),
    (200, b'{"count": 3, "description": "Documents", "total_pages": 1, "results": [{"document_n', "truncated_json",
     "ends early"),
    (200, b'{"count": 3, "description": "Documents", "total_pages": 1, "results": [', "truncated_json", "ends early"),
    (200, b'[{"count": 3}]', "not_json", "not an object"),
    (200, b'{"description": "Documents"}', "missing_field", "no count"),
    (200, b'{"count": 3, "description": "Documents", "total_pages": 1}', "missing_field",
     "count is 3 but the answer has no results"),
    (200, b'{"count": 1, "total_pages": 1, "results": {"document_number": "2024-14094"}}', "bad_field",
     "results is not a list"),
    (200, json.dumps({"count": 1, "results": [{**LISTED, "publication_date": "July 2"}]}).encode(), "bad_field",
     "result 1 (2024-14094): publication_date 'July 2' is not a date"),
    (200, json.dumps({"count": 1, "results": [{"document_number": "2024-14094"}]}).encode(), "missing_field",
     "no json_url"),
    (400, b'{"errors":{"agencies":"invalid value"}}', "refused", "the API refused the query: agencies: invalid value"),
    (400, b'{"status":400,"message":"field \'summary\' not valid"}', "refused", "field 'summary' not valid"),
    (429, b"<html>Too Many Requests</html>", "http_status", "HTTP 429"),
    (503, b'{"status":500,"message":"Internal Server Error"}', "http_status", "HTTP 503"),
])
def test_a_listing_that_cannot_be_read_is_one_clear_error(status: int, body: bytes, kind: str, says: str) -> None:
    error = read_error(reader.read_listing, SEARCH, status, body)
    assert error.kind == kind and says in error.message and error.message.startswith(SEARCH)


def test_an_empty_result_is_no_error_and_an_empty_page_past_the_last_neither() -> None:
    empty = reader.read_listing(SEARCH, 200, b'{"count":0,"description":"Documents matching \'KORUS\'"}')
    assert empty == reader.Listing(count=0, total_pages=0, next_page_url=None, documents=())
    past = reader.read_listing(SEARCH, 200, b'{"count":3,"description":"D","total_pages":1,"results":[]}')
    assert past.count == 3 and past.documents == ()
    page = reader.read_listing(SEARCH, 200, json.dumps({"count": 1, "total_pages": 1, "results": [LISTED]}))
    assert page.documents == (reader.ListedDocument("2024-14094", date(2024, 7, 2), DOCUMENT),)
    assert page.documents[0].identity == "2024-14094/2024-07-02"


def document_json(**changes: Any) -> bytes:
    document = {"document_number": "2024-14094", "publication_date": "2024-07-02", "title": "A notice",
                "type": "Notice", "html_url": "https://www.federalregister.gov/documents/2024/07/02/2024-14094/a",
                "raw_text_url": "https://www.federalregister.gov/documents/full_text/text/2024/07/02/2024-14094.txt",
                "body_html_url": "https://www.federalregister.gov/documents/full_text/html/2024/07/02/2024-14094.html"}
    return json.dumps({k: v for k, v in {**document, **changes}.items() if v is not ...}).encode()


@pytest.mark.parametrize(("url", "status", "body", "kind", "says"), [
    (DOCUMENT, 404, b'{"status":404,"message":"Record Not Found"}', "not_found", "no such document (404)"),
    (DOCUMENT, 200, document_json()[:40], "truncated_json", "ends early"),
    (DOCUMENT, 200, document_json(document_number=...), "missing_field", "no document_number"),
    (DOCUMENT, 200, document_json(publication_date=None), "missing_field", "no publication_date"),
    (DOCUMENT, 200, document_json(publication_date=20240702), "bad_field", "publication_date is not text"),
    (DOCUMENT, 200, document_json(publication_date="2024-07-03"), "wrong_document",
     "answered the document published 2024-07-03"),
    (DOCUMENT.replace("2024-14094", "2024-14095"), 200, document_json(), "wrong_document",
     "answered document 2024-14094"),
])
def test_a_document_that_is_not_the_one_asked_for_is_one_clear_error(url: str, status: int, body: bytes, kind: str,
                                                                      says: str) -> None:
    error = read_error(reader.read_document_json, url, status, body)
    assert error.kind == kind and says in error.message


def test_the_text_is_read_from_the_raw_text_else_the_body_html() -> None:
    document = json.loads(document_json())
    assert reader.text_url(document) == document["raw_text_url"]
    assert reader.text_url({**document, "raw_text_url": None}) == document["body_html_url"]
    error = read_error(reader.text_url, {**document, "raw_text_url": None, "body_html_url": None})
    assert error.kind == "missing_field" and "no raw_text_url or body_html_url" in error.message


@pytest.mark.parametrize(("changes", "text", "kind", "says"), [
    ({"title": None}, "Text.", "missing_field", "document 2024-14094: no title"),
    ({"type": ...}, "Text.", "missing_field", "no type"),
    ({"html_url": ...}, "Text.", "missing_field", "no html_url"),
    ({"abstract": ["a list"]}, "Text.", "bad_field", "abstract is not text"),
    ({"effective_on": "soon"}, "Text.", "bad_field", "effective_on 'soon' is not a date"),
    ({"agencies": [{"id": 491}]}, "Text.", "bad_field", "an agency has no name"),
    ({"docket_ids": "USTR-2024-0009"}, "Text.", "bad_field", "docket_ids is not a list of text"),
    ({"correction_of": "https://www.federalregister.gov/documents/search"}, "Text.", "bad_field",
     "names no document"),
    ({}, "", "empty_text", "is empty"),
    ({}, " \n\n \n", "empty_text", "is empty"),
    ({}, "<html><body><h1>502 Bad Gateway</h1></body></html>", "not_text", "its raw text is markup"),
])
def test_a_document_missing_or_mangling_fields_is_one_clear_error(changes: dict[str, Any], text: str, kind: str,
                                                                  says: str) -> None:
    document = json.loads(document_json(**changes))
    error = read_error(reader.read_document, document, json.loads(document_json())["raw_text_url"], text.encode())
    assert error.kind == kind and says in error.message


def test_a_text_from_elsewhere_is_refused() -> None:
    document = json.loads(document_json())
    error = read_error(reader.read_document, document, "https://www.federalregister.gov/other.txt", b"Text.")
    assert error.kind == "wrong_text"


def test_the_identity_is_number_and_date() -> None:
    keys = {reader.identity_key(SAME_NUMBER, day) for day in SAME_NUMBER_DATES}
    assert keys == {"2010-31094/2010-01-06", "2010-31094/2010-12-10"}


CORRECTION_TEXT = ("In rule document 2012-6554 beginning on page 15943 in the issue of Friday, March 16, 2012, make "
                   "the following correction:")


@pytest.mark.parametrize(("document", "paragraphs", "expected"), [
    ({"document_number": "C1-2012-6554", "title": "United States-Korea Free Trade Agreement; Correction",
      "correction_of": "https://www.federalregister.gov/api/v1/documents/2012-6554.json"},
     [CORRECTION_TEXT], reader.CorrectionOf("2012-6554", date(2012, 3, 16))),
    ({"document_number": "C1-2012-6554", "correction_of": "https://www.federalregister.gov/api/v1/documents/2012-6554.json"},
     [], reader.CorrectionOf("2012-6554", None)),
    ({"document_number": "X-1", "correction_of": "https://x/api/v1/documents/2012-6554.json?publication_date=2012-03-16"},
     [], reader.CorrectionOf("2012-6554", date(2012, 3, 16))),
    ({"document_number": "C2-2012-6554", "correction_of": None}, [CORRECTION_TEXT],
     reader.CorrectionOf("2012-6554", date(2012, 3, 16))),
    ({"document_number": "R1-E9-17800", "correction_of": None}, [], reader.CorrectionOf("E9-17800", None)),
    ({"document_number": "2012-6554", "title": "United States-Korea Free Trade Agreement; Correction",
      "correction_of": None}, ["Preamble.", CORRECTION_TEXT], reader.CorrectionOf("2012-6554", date(2012, 3, 16))),
    ({"document_number": "2012-9999", "title": "United States-Korea Free Trade Agreement; Correction"},
     ["No document named here."], None),
    ({"document_number": "2013-12849", "title": "United States-Korea Free Trade Agreement", "correction_of": None},
     [CORRECTION_TEXT], None),
])
def test_a_correction_is_known_by_its_link_its_number_or_its_title_and_text(
    document: dict[str, Any], paragraphs: list[str], expected: reader.CorrectionOf | None,
) -> None:
    assert reader.correction_of(document, paragraphs) == expected


# Reading through the imitation: what FederalRegister.gov changes by itself is no edit; a patch is one.

@pytest.fixture
def register() -> FederalRegister:
    return korus_register()


@pytest.fixture
def fetch(register: FederalRegister) -> Iterator[Any]:
    with FederalRegisterServer(register) as server, httpx.Client(timeout=10) as client:
        def read(number: str, published: date, *, html: bool = False) -> FetchedStatement:
            url = f"{server.api_url}/documents/{number}.json?publication_date={published.isoformat()}"
            response = client.get(url)
            document = reader.read_document_json(url, response.status_code, response.content)
            text_url = document["body_html_url"] if html else reader.text_url(document)
            return reader.read_document(document, text_url, client.get(text_url).content)
        yield read


RULE = ("2012-6554", date(2012, 3, 16))


@pytest.mark.parametrize("html", [False, True], ids=["raw_text", "body_html"])
def test_self_changing_fields_and_new_corrections_are_no_edit(register: FederalRegister, fetch: Any,
                                                             html: bool) -> None:
    before = fetch(*RULE, html=html)
    register.churn()
    register.correct(*RULE, on=date(2012, 4, 12))
    after = fetch(*RULE, html=html)
    assert after.content_hash() == before.content_hash() and after.body_text == before.body_text
    assert after.fields == before.fields


@pytest.mark.parametrize(("change", "value"), [
    ("title", "United States-Korea Free Trade Agreement (KORUS)"),
    ("abstract", "This document amends the CBP regulations on an interim basis."),
    ("dates", "Interim rule effective March 16, 2012; comments must be received on or before June 15, 2012."),
    ("paragraphs", ["The KORUS entered into force on March 15, 2012.", "A table row that was missing."]),
])
@pytest.mark.parametrize("html", [False, True], ids=["raw_text", "body_html"])
def test_a_patched_title_abstract_dates_or_text_is_an_edit(register: FederalRegister, fetch: Any, change: str,
                                                           value: Any, html: bool) -> None:
    before = fetch(*RULE, html=html)
    register.patch(*RULE, **{change: value})
    after = fetch(*RULE, html=html)
    assert after.content_hash() != before.content_hash()
    assert after.external_id == before.external_id == "2012-6554"


def test_a_document_reads_into_its_fields_and_links(register: FederalRegister, fetch: Any) -> None:
    statement = fetch(*RULE)
    assert (statement.section, statement.published_on, statement.external_id) == ("Rule", date(2012, 3, 16),
                                                                                  "2012-6554")
    assert statement.fields["agencies"] == ["Homeland Security Department", "U.S. Customs and Border Protection",
                                            "Treasury Department"]
    assert statement.fields["docket_ids"] == ["USCBP-2012-0007"]
    assert statement.fields["comments_close_on"] == "2012-05-15" and statement.fields["citation"] == "77 FR 15943"
    assert statement.links == ("http://www.regulations.gov",)
    paragraphs = statement.body_text.split("\n\n")
    assert paragraphs[:2] == [register.document(*RULE).abstract, register.document(*RULE).dates]
    assert "[Federal Register Volume" not in statement.body_text  # GPO's preamble is no part of the document
    json.dumps(statement.fields)  # stored as JSON


def test_the_same_number_reads_as_two_documents_and_a_correction_links_its_original(register: FederalRegister,
                                                                                     fetch: Any) -> None:
    january, december = (fetch(SAME_NUMBER, day) for day in SAME_NUMBER_DATES)
    assert january.external_id == december.external_id and january.title != december.title
    register.correct(SAME_NUMBER, SAME_NUMBER_DATES[1], on=date(2011, 1, 14), kind="same_number")
    correction = fetch(SAME_NUMBER, date(2011, 1, 14))
    assert correction.fields["correction_of"] == {"document_number": SAME_NUMBER, "publication_date": "2010-12-10"}
    register.correct(*RULE, on=date(2012, 4, 12))
    assert fetch("C1-2012-6554", date(2012, 4, 12)).fields["correction_of"] == {
        "document_number": "2012-6554", "publication_date": "2012-03-16"}
    assert december.fields["correction_of"] is None


# Settings

def settings(**values: Any) -> FederalRegisterSettings:
    return FederalRegisterSettings.model_validate({"name": "fr-korus", "since": "2012-03-15", **values})


def test_settings_defaults_and_the_issues_example() -> None:
    example = settings(agencies=["trade-representative-office-of-united-states"],
                       term='KORUS | "Korea Free Trade Agreement"', api_url="http://127.0.0.1:8000/api/v1/")
    assert example.api_url == "http://127.0.0.1:8000/api/v1" and example.since == date(2012, 3, 15)
    assert example.types == list(DOCUMENT_TYPES) == ["RULE", "PRORULE", "NOTICE", "PRESDOCU"]
    assert example.interval_minutes is None
    assert settings(term="KORUS").api_url == "https://www.federalregister.gov/api/v1"


@pytest.mark.parametrize(("values", "says"), [
    ({}, "give agencies, a term or both"),
    ({"term": "  "}, "is empty"),
    ({"agencies": ["Office of the USTR"]}, "is not an agency slug"),
    ({"agencies": ["ustr", "ustr"]}, "names an agency twice"),
    ({"term": "KORUS", "types": ["RULES"]}, "RULE"),
    ({"term": "KORUS", "types": []}, "at least 1"),
    ({"term": "KORUS", "types": ["RULE", "RULE"]}, "names a type twice"),
    ({"term": "KORUS", "since": "1990-01-01"}, "from 1994-01-01 on"),
    ({"term": "KORUS", "since": "March 2012"}, "date"),
    ({"term": "KORUS", "interval_minutes": 0}, "greater than 0"),
    ({"term": "KORUS", "api_url": "ftp://example.org"}, "http:// or https://"),
    ({"term": "KORUS", "name": "fr korus"}, "letters, digits"),
    ({"term": "KORUS", "query": "KORUS"}, "Extra inputs are not permitted"),
])
def test_bad_settings_are_refused_with_the_reason(values: dict[str, Any], says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        settings(**values)


def test_settings_need_a_name_and_a_since() -> None:
    with pytest.raises(ValidationError, match="name"):
        FederalRegisterSettings.model_validate({"term": "KORUS", "since": "2012-03-15"})
    with pytest.raises(ValidationError, match="since"):
        FederalRegisterSettings.model_validate({"name": "fr", "term": "KORUS"})
