"""Reading the Federal Register's API: a page of `documents.json` into the documents it lists, and one document's
JSON with its text (`raw_text_url` or `body_html_url`) into a FetchedStatement. Pure functions: no network, no
database, no Scrapy.

What makes an edit is what a reader of the document reads: its title, publication date, abstract, dates and full
text (body_text). The fields that change by themselves (page_views, comment counts, regulations_dot_gov_info, the
growing corrections list) are never read into the version."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import lxml.etree

from archive.records import FetchedStatement
from crawler.sources.errors import ReadError
from crawler.text import Body, normalise_space, parse_date, read_body

EXTRACTOR_VERSION = "1"
# What a finder asks documents.json for (fields[]): the listing's default fields have no json_url.
LISTING_FIELDS = ("document_number", "publication_date", "json_url")

_DOCUMENT_PATH = re.compile(r"/documents/([^/]+)\.json$")
# A correction's own number: C1-2012-6554 corrects 2012-6554; R1- numbers a republication.
_CORRECTION_NUMBER = re.compile(r"^[CR]\d+-(.+)$")
_CORRECTION_TITLE = re.compile(r"\bcorrections?\s*\.?\s*$", re.IGNORECASE)
# How a correction names what it corrects: "In rule document 2012-6554 beginning on page 15943 in the issue of
# Monday, March 19, 2012, make the following correction".
_CORRECTED_ISSUE = re.compile(
    r"\b(?:document|FR Doc\.?)\s+(?P<number>(?:[CR]\d+-)?(?:E\d-|\d{2,4}-)\d+)\b[^.]*?\bissue\s+of\s+"
    r"(?:[A-Z][a-z]+day,\s+)?(?P<date>[A-Z][a-z]+\.?\s+\d{1,2},\s+\d{4})",
)
# The GPO preamble of a raw text ("[Federal Register Volume 89, Number 127 ...]" ... "[FR Doc No: ...]"), ended
# by a rule: GPO's wording of it has changed over the years, which is no edit of the document.
_GPO_PREAMBLE = re.compile(r"^\s*\[Federal Register Volume")
_RULE = re.compile(r"^\s*-{10,}\s*$")
_MARKUP = re.compile(r"^\s*<(?:!doctype|html|\?xml|body|head)\b", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>\"'\]\[{}|\\^`]+", re.IGNORECASE)
_URL_TAIL = ".,;:!?)"
_HREF = re.compile(r'href="([^"]*)"')  # in HTML sanitised by nh3, whose attributes are always double-quoted


@dataclass(frozen=True)
class ListedDocument:
    document_number: str
    publication_date: date
    json_url: str

    @property
    def identity(self) -> str:
        return identity_key(self.document_number, self.publication_date)


@dataclass(frozen=True)
class Listing:
    count: int  # the documents the query matches, all pages together
    total_pages: int  # the API's, capped at 50; 0 for an empty result
    next_page_url: str | None
    documents: tuple[ListedDocument, ...]  # empty for an empty result, or for a page past the last


@dataclass(frozen=True)
class CorrectionOf:
    document_number: str
    publication_date: date | None  # None when the correction does not say

    def as_field(self) -> dict[str, str | None]:
        published = self.publication_date.isoformat() if self.publication_date else None
        return {"document_number": self.document_number, "publication_date": published}


def identity_key(document_number: str, publication_date: date) -> str:
    """A document's identity: the same number has named two documents (2010-31094 on 2010-01-06 and on
    2010-12-10), the pair never has."""
    return f"{document_number}/{publication_date.isoformat()}"


def read_listing(url: str, status: int, body: bytes | str) -> Listing:
    """One page of documents.json, asked for with fields[] = LISTING_FIELDS."""
    answer = _json_object(url, status, body)
    count = answer.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ReadError("missing_field", f"{url}: no count in the answer")
    if "results" not in answer:
        # The API leaves results out of an empty result only.
        if count > 0:
            raise ReadError("missing_field", f"{url}: count is {count} but the answer has no results")
        return Listing(count=0, total_pages=0, next_page_url=None, documents=())
    results = answer["results"]
    if not isinstance(results, list):
        raise ReadError("bad_field", f"{url}: results is not a list")
    total_pages = answer.get("total_pages", 0)
    if not isinstance(total_pages, int):
        raise ReadError("bad_field", f"{url}: total_pages is not a number")
    next_page_url = answer.get("next_page_url")
    if next_page_url is not None and not isinstance(next_page_url, str):
        raise ReadError("bad_field", f"{url}: next_page_url is not a URL")
    documents = tuple(_listed(url, position, result) for position, result in enumerate(results, start=1))
    return Listing(count=count, total_pages=total_pages, next_page_url=next_page_url, documents=documents)


def _listed(url: str, position: int, result: object) -> ListedDocument:
    where = f"{url}: result {position}"
    if not isinstance(result, dict):
        raise ReadError("bad_field", f"{where} is not an object")
    number = _required_text(result, "document_number", where)
    json_url = _required_text(result, "json_url", f"{where} ({number})")
    published = _date_field(result, "publication_date", f"{where} ({number})", required=True)
    assert published is not None
    return ListedDocument(number, published, json_url)


def read_document_json(url: str, status: int, body: bytes | str) -> dict[str, Any]:
    """documents/{number}.json, checked to be the document asked for (its number, and its publication date when the
    URL names one: the same number has named two documents)."""
    document = _json_object(url, status, body)
    number = _required_text(document, "document_number", url)
    published = _date_field(document, "publication_date", url, required=True)
    assert published is not None
    asked = urlsplit(url)
    path = _DOCUMENT_PATH.search(unquote(asked.path))
    if path and path.group(1) != number:
        raise ReadError("wrong_document", f"{url}: answered document {number}")
    asked_date = parse_qs(asked.query).get("publication_date")
    if asked_date and asked_date[0] != published.isoformat():
        raise ReadError("wrong_document", f"{url}: answered the document published {published.isoformat()}")
    return document


def text_url(document: Mapping[str, Any]) -> str:
    """Where a document's full text is read from: its raw text, else its body HTML."""
    for name in ("raw_text_url", "body_html_url"):
        value = document.get(name)
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value
    raise ReadError("missing_field", f"document {document.get('document_number')}: no raw_text_url or body_html_url")


def read_document(document: Mapping[str, Any], fetched_url: str, text: bytes | str) -> FetchedStatement:
    """One document: its JSON (from read_document_json) and its text as fetched from `fetched_url`, which must be
    its raw_text_url or its body_html_url (see text_url)."""
    number = _required_text(document, "document_number", "document")
    where = f"document {number}"
    published = _date_field(document, "publication_date", where, required=True)
    title = normalise_space(_required_text(document, "title", where))
    doc_type = normalise_space(_required_text(document, "type", where))
    html_url = _required_text(document, "html_url", where)
    abstract = normalise_space(_optional_text(document, "abstract", where) or "")
    dates = normalise_space(_optional_text(document, "dates", where) or "")

    if fetched_url == document.get("raw_text_url"):
        paragraphs = _raw_text_paragraphs(_decoded(text), where)
        text_html = "".join(f"<p>{html.escape(paragraph)}</p>" for paragraph in paragraphs)
        links = _urls(paragraphs)
    elif fetched_url == document.get("body_html_url"):
        body = _body_html(_decoded(text), fetched_url, where)
        paragraphs = body.text.split("\n\n") if body.text else []
        text_html = body.html
        links = _urls([*paragraphs, *(html.unescape(href) for href in _HREF.findall(body.html))])
    else:
        raise ReadError("wrong_text", f"{where}: {fetched_url} is neither its raw_text_url nor its body_html_url")
    if not paragraphs:
        raise ReadError("empty_text", f"{where}: its text at {fetched_url} is empty")

    heading = [paragraph for paragraph in (abstract, dates) if paragraph]
    corrected = correction_of(document, paragraphs)
    return FetchedStatement(
        url=html_url,
        section=doc_type,
        title=title,
        published_on=published,
        published_text=document["publication_date"],
        doc_type=normalise_space(_optional_text(document, "subtype", where) or "") or None,
        body_text="\n\n".join([*heading, *paragraphs]),
        body_html="".join(f"<p>{html.escape(paragraph)}</p>" for paragraph in heading) + text_html,
        external_id=number,
        fields={
            "document_number": number,
            "type": doc_type,
            "agencies": _agency_names(document, where),
            "citation": _optional_text(document, "citation", where),
            "effective_on": _iso(_date_field(document, "effective_on", where)),
            "comments_close_on": _iso(_date_field(document, "comments_close_on", where)),
            "docket_ids": _text_list(document, "docket_ids", where),
            "html_url": html_url,
            "pdf_url": _optional_text(document, "pdf_url", where),
            "correction_of": corrected.as_field() if corrected else None,
            "publication_date": _iso(published),
        },
        links=links,
    )


def correction_of(document: Mapping[str, Any], paragraphs: Sequence[str] = ()) -> CorrectionOf | None:
    """What `document` corrects, or None when it is no correction: its correction_of (the original's API URL), or
    its own C1-/R1- number, or a title ending in "Correction" whose text names the document and issue it corrects
    (a correction printed under the original's own number has no correction_of). The corrected document's date
    comes from the correction's text ("... in the issue of Monday, March 19, 2012") when `paragraphs` say it."""
    number = document.get("document_number")
    where = f"document {number}"
    link = _optional_text(document, "correction_of", where)
    if link:
        path = _DOCUMENT_PATH.search(unquote(urlsplit(link).path))
        if not path:
            raise ReadError("bad_field", f"{where}: correction_of {link} names no document")
        linked_date = parse_qs(urlsplit(link).query).get("publication_date")
        original = path.group(1)
        published = date.fromisoformat(linked_date[0]) if linked_date else _corrected_issue(original, paragraphs)
        return CorrectionOf(original, published)
    renumbered = _CORRECTION_NUMBER.match(number) if isinstance(number, str) else None
    if renumbered:
        return CorrectionOf(renumbered.group(1), _corrected_issue(renumbered.group(1), paragraphs))
    title = document.get("title")
    if isinstance(title, str) and _CORRECTION_TITLE.search(title):
        for paragraph in paragraphs:
            match = _CORRECTED_ISSUE.search(paragraph)
            if match:
                return CorrectionOf(match.group("number"), parse_date(match.group("date")))
    return None


def _corrected_issue(original: str, paragraphs: Iterable[str]) -> date | None:
    for paragraph in paragraphs:
        for match in _CORRECTED_ISSUE.finditer(paragraph):
            if match.group("number") == original:
                return parse_date(match.group("date"))
    return None


def _json_object(url: str, status: int, body: bytes | str) -> dict[str, Any]:
    text = _decoded(body)
    if status != 200:
        raise _refusal(url, status, text)
    try:
        answer = json.loads(text)
    except json.JSONDecodeError as error:
        stripped = text.rstrip()
        if stripped.startswith(("{", "[")) and (error.pos >= len(stripped) or error.msg.startswith("Unterminated")):
            raise ReadError("truncated_json", f"{url}: the JSON answer ends early, after {len(text)} characters") from None
        raise ReadError("not_json", f"{url}: the answer is not JSON (it begins {_opening(text)})") from None
    if not isinstance(answer, dict):
        raise ReadError("not_json", f"{url}: the answer is JSON but not an object")
    return answer


def _refusal(url: str, status: int, text: str) -> ReadError:
    """A 4xx or 5xx answer, with what the API said of it when it said it in JSON."""
    try:
        answer = json.loads(text)
    except json.JSONDecodeError:
        answer = None
    if status == 404:
        return ReadError("not_found", f"{url}: no such document (404)")
    if status == 400 and isinstance(answer, dict):
        errors = answer.get("errors")
        if isinstance(errors, dict) and errors:
            said = "; ".join(f"{key}: {value}" for key, value in errors.items())
        else:
            said = str(answer.get("message") or "bad request")
        return ReadError("refused", f"{url}: the API refused the query: {normalise_space(said)}")
    return ReadError("http_status", f"{url}: HTTP {status}")


def _opening(text: str) -> str:
    opening = normalise_space(text[:40])
    return repr(opening) if opening else "empty"


def _decoded(body: bytes | str) -> str:
    return body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body


def _raw_text_paragraphs(text: str, where: str) -> list[str]:
    if _MARKUP.match(text):
        raise ReadError("not_text", f"{where}: its raw text is markup (it begins {_opening(text)})")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and _GPO_PREAMBLE.match(lines[0]):
        rule = next((index for index, line in enumerate(lines) if _RULE.match(line)), None)
        if rule is not None:
            lines = lines[rule + 1:]
    blocks = re.split(r"\n[ \t]*\n", "\n".join(lines))
    paragraphs = (normalise_space(block) for block in blocks)
    return [paragraph for paragraph in paragraphs if paragraph and not _RULE.match(paragraph)]


def _body_html(text: str, url: str, where: str) -> Body:
    if not text.strip():
        raise ReadError("empty_text", f"{where}: its text at {url} is empty")
    try:
        return read_body(text, url)
    except (ValueError, lxml.etree.ParserError) as error:
        raise ReadError("not_html", f"{where}: its body HTML cannot be read ({error})") from None


def _urls(texts: Iterable[str]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for text in texts:
        for match in _URL.finditer(text):
            found[match.group(0).rstrip(_URL_TAIL)] = None
    return tuple(found)


def _agency_names(document: Mapping[str, Any], where: str) -> list[str]:
    agencies = document.get("agencies") or []
    if not isinstance(agencies, list):
        raise ReadError("bad_field", f"{where}: agencies is not a list")
    names = []
    for agency in agencies:
        # An agency the API could not match has only its raw_name.
        name = (agency.get("name") or agency.get("raw_name")) if isinstance(agency, dict) else None
        if not isinstance(name, str):
            raise ReadError("bad_field", f"{where}: an agency has no name")
        names.append(normalise_space(name))
    return names


def _required_text(mapping: Mapping[str, Any], name: str, where: str) -> str:
    value = mapping.get(name)
    if value is None or value == "":
        raise ReadError("missing_field", f"{where}: no {name}")
    if not isinstance(value, str):
        raise ReadError("bad_field", f"{where}: {name} is not text")
    return value


def _optional_text(mapping: Mapping[str, Any], name: str, where: str) -> str | None:
    value = mapping.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ReadError("bad_field", f"{where}: {name} is not text")
    return value


def _text_list(mapping: Mapping[str, Any], name: str, where: str) -> list[str]:
    value = mapping.get(name) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ReadError("bad_field", f"{where}: {name} is not a list of text")
    return value


def _date_field(mapping: Mapping[str, Any], name: str, where: str, *, required: bool = False) -> date | None:
    value = _required_text(mapping, name, where) if required else _optional_text(mapping, name, where)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ReadError("bad_field", f"{where}: {name} {value!r} is not a date") from None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
