"""Golden files: stored Federal Register API answers (tests/golden/federal_register/), each read by the reader and
compared with the reading stored beside it (expected.json).

The stored answers are the imitation's (testkit/federal_register), shaped after the API's code, with its address
rewritten to www.federalregister.gov, plus hand-made faulty ones; none was captured from the real API. Regenerate
the expected readings only deliberately, and read their diff: KORUS_WATCH_REGENERATE_GOLDEN=1 writes them and fails."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from crawler.sources.errors import ReadError
from crawler.sources.federal_register import reader

GOLDEN = Path(__file__).parent / "golden" / "federal_register"
REGENERATE = os.environ.get("KORUS_WATCH_REGENERATE_GOLDEN") == "1"


def cases(kind: str) -> list[Path]:
    return sorted(path for path in (GOLDEN / kind).iterdir() if path.is_dir())


def body(case: Path, stem: str) -> bytes | None:
    found = sorted(case.glob(f"{stem}.*"))
    return found[0].read_bytes() if found else None


def listing_reading(case: Path) -> dict[str, Any]:
    meta = json.loads((case / "meta.json").read_text())
    response = body(case, "response")
    assert response is not None, case
    try:
        listing = reader.read_listing(meta["url"], meta["status"], response)
    except ReadError as error:
        return {"error": {"kind": error.kind, "message": error.message}}
    return {
        "count": listing.count,
        "total_pages": listing.total_pages,
        "next_page_url": listing.next_page_url,
        "documents": [
            {"identity": d.identity, "document_number": d.document_number,
             "publication_date": d.publication_date.isoformat(), "json_url": d.json_url}
            for d in listing.documents
        ],
    }


def document_reading(case: Path) -> dict[str, Any]:
    meta = json.loads((case / "meta.json").read_text())
    document_body = body(case, "document")
    assert document_body is not None, case
    try:
        document = reader.read_document_json(meta["document_url"], meta["status"], document_body)
        text_url = reader.text_url(document)
        text = body(case, "text")
        assert text is not None and text_url == meta["text_url"], case
        statement = reader.read_document(document, text_url, text)
    except ReadError as error:
        return {"error": {"kind": error.kind, "message": error.message}}
    assert statement.published_on is not None
    corrected = reader.correction_of(document, statement.body_text.split("\n\n"))
    return {
        "identity": reader.identity_key(statement.fields["document_number"], statement.published_on),
        "correction_of": corrected.as_field() if corrected else None,
        "statement": {
            "url": statement.url,
            "section": statement.section,
            "title": statement.title,
            "published_on": statement.published_on.isoformat(),
            "published_text": statement.published_text,
            "doc_type": statement.doc_type,
            "external_id": statement.external_id,
            "fields": statement.fields,
            "links": list(statement.links),
            "body_paragraphs": statement.body_text.split("\n\n"),
            "body_html": statement.body_html,
            "content_hash": statement.content_hash(),
        },
    }


def check(case: Path, reading: dict[str, Any]) -> None:
    expected_file = case / "expected.json"
    if REGENERATE:
        expected_file.write_text(json.dumps(reading, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        pytest.fail(f"regenerated {expected_file.relative_to(GOLDEN)}: review its diff, then run without the variable")
    assert reading == json.loads(expected_file.read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", cases("listing"), ids=lambda path: path.name)
def test_listing_pages_read_as_stored(case: Path) -> None:
    check(case, listing_reading(case))


@pytest.mark.parametrize("case", cases("document"), ids=lambda path: path.name)
def test_documents_read_as_stored(case: Path) -> None:
    check(case, document_reading(case))


def test_the_golden_set_covers_the_readings_and_errors_it_should() -> None:
    readings = {case.name: json.loads((case / "expected.json").read_text()) for case in cases("listing")}
    readings |= {case.name: json.loads((case / "expected.json").read_text()) for case in cases("document")}
    errors = {reading["error"]["kind"] for reading in readings.values() if "error" in reading}
    assert errors >= {"not_json", "truncated_json", "missing_field", "refused", "http_status", "not_found",
                      "wrong_document", "not_text"}
    assert readings["empty"]["count"] == 0 and readings["empty"]["documents"] == []
    assert readings["past_last_page"]["count"] > 0 and readings["past_last_page"]["documents"] == []
    assert readings["missing_results"]["error"]["kind"] == "missing_field"
    assert readings["correction_c1"]["correction_of"] == {"document_number": "2012-6554",
                                                          "publication_date": "2012-03-16"}
    same = readings["correction_same_number"]
    assert same["correction_of"] == {"document_number": "2010-31094", "publication_date": "2010-12-10"}
    assert same["identity"] != readings["same_number_december"]["identity"]
