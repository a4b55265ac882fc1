"""The watched-pages reader (crawler/sources/pages/reader.py) and its settings: each ReadError, links kept in the
text, chrome that makes no edit, PDFs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from crawler.sources.errors import ReadError
from crawler.sources.pages.reader import read_page
from crawler.sources.pages.settings import PagesSettings
from testkit.sites.pdf import text_pdf

URL = "https://ustr.gov/trade-agreements/free-trade-agreements/korus-fta/final-text"
HTML = {"Content-Type": "text/html; charset=utf-8"}


def settings(selector: str | None = None) -> PagesSettings:
    return PagesSettings(name="korus-fta", urls=[URL], selector=selector)


def page(content: str, *, chrome: str = "", title: str = "Final Text") -> bytes:
    return (
        f"<!DOCTYPE html><html><head><title>{title} | USTR</title></head><body>"
        f'<header><h1 class="logo">USTR</h1><nav><a href="/about-us">About {chrome}</a></nav></header>'
        f'<main><article><h1>{title}</h1><div class="field--name-body">{content}</div></article></main>'
        f"<footer><p>{chrome} Privacy</p></footer></body></html>"
    ).encode()


def error_of(body: bytes, headers: dict[str, str] = HTML, selector: str | None = None, status: int = 200) -> ReadError:
    with pytest.raises(ReadError) as caught:
        read_page(URL, status, headers, body, settings(selector))
    return caught.value


def test_a_link_is_written_after_its_text_and_listed_absolute() -> None:
    body = page('<ul><li><a href="/files/annex-4.pdf">Annex 4</a></li></ul><p>See <a href="#top">the top</a>.</p>')
    read = read_page(URL, 200, HTML, body, settings(".field--name-body"))
    assert read.body_text == "Annex 4 <https://ustr.gov/files/annex-4.pdf>\n\nSee the top."
    assert read.links == ("https://ustr.gov/files/annex-4.pdf",)
    assert read.title == "Final Text"  # the article's h1, not the logo's in the header
    assert read.section == "page" and read.published_on is None and read.fields == {"format": "html"}


def test_a_new_link_and_a_moved_link_are_edits() -> None:
    before = read_page(URL, 200, HTML, page('<ul><li><a href="/a1.pdf">Annex 1</a></li></ul>'), settings())
    added = read_page(URL, 200, HTML, page(
        '<ul><li><a href="/a1.pdf">Annex 1</a></li><li><a href="/a2.pdf">Annex 2</a></li></ul>'), settings())
    moved = read_page(URL, 200, HTML, page('<ul><li><a href="/a1-rev.pdf">Annex 1</a></li></ul>'), settings())
    assert len({before.content_hash(), added.content_hash(), moved.content_hash()}) == 3
    assert added.body_text.endswith("Annex 2 <https://ustr.gov/a2.pdf>")


def test_chrome_makes_no_edit() -> None:
    content = (
        '<p>KORUS entered into force on March 15, 2012. <a href="/fta?utm_source=x&id=7#part-2">Text</a></p>'
        '<p><a href="/annex;jsessionid=ABC123?fbclid=q">Annex</a></p><p class="meta">Last updated: {when}</p>'
    )
    first = read_page(URL, 200, HTML, page(content.format(when="November 5, 2026"), chrome="v1"), settings())
    second = read_page(URL, 200, HTML, page(
        content.format(when="December 1, 2026").replace("x&", "y&").replace("ABC123", "XYZ789").replace("=q", "=r"),
        chrome="v2",
    ), settings())
    assert first.body_text == second.body_text
    assert first.content_hash() == second.content_hash()
    assert first.links == second.links == ("https://ustr.gov/fta?id=7", "https://ustr.gov/annex")
    assert "Last updated" not in first.body_text


def test_a_dated_revision_sentence_is_content_not_an_updated_line() -> None:
    body = page("<p>Revised text of Article 3 enters into force on January 1, 2019.</p><p>Updated 05/07/2013</p>")
    read = read_page(URL, 200, HTML, body, settings(".field--name-body"))
    assert read.body_text == "Revised text of Article 3 enters into force on January 1, 2019."


def test_a_selector_that_matches_nothing_names_the_selector_and_the_url() -> None:
    error = error_of(page("<p>Text</p>"), selector=".field--name-text")
    assert error.kind == "selector_matched_nothing"
    assert "'.field--name-text'" in error.message and URL in error.message and "\n" not in error.message


def test_a_selector_of_an_empty_part_has_nothing_to_read() -> None:
    assert error_of(page('<div class="empty"> </div>'), selector=".empty").kind == "nothing_to_read"


def test_a_page_without_main_content_asks_for_a_selector() -> None:
    body = b"<html><head><title>Loading</title></head><body><div id='app'></div><script>start()</script></body></html>"
    error = error_of(body)
    assert error.kind == "no_main_content" and "selector" in error.message


def test_the_main_content_without_a_frame_is_trafilaturas_extraction() -> None:
    prose = "The Joint Committee met in Seoul to review the implementation of the agreement and its amendments. " * 3
    body = f"<html><body><div id='top'><a href='/'>Home</a></div><div class='x'><p>{prose}</p></div></body></html>"
    read = read_page(URL, 200, HTML, body.encode(), settings())
    assert read.body_text == prose.strip()


@pytest.mark.parametrize(("content_type", "body"), [
    ("image/png", b"\x89PNG\r\n\x1a\n"), ("application/json", b"{}"), ("", b"plain words"),
])
def test_a_type_other_than_html_or_pdf_is_refused(content_type: str, body: bytes) -> None:
    error = error_of(body, {"Content-Type": content_type} if content_type else {})
    assert error.kind == "unsupported_type" and URL in error.message


def test_an_answer_other_than_200_is_refused() -> None:
    assert error_of(page("<p>x</p>"), status=500).kind == "unexpected_status"


def test_an_empty_page_is_refused() -> None:
    assert error_of(b"   ").kind == "empty_page"
    assert error_of(b"<!-- nothing -->").kind == "not_html"


def test_a_pdf_is_read_by_its_paragraphs() -> None:
    paragraphs = ["Chapter Six: Rules of Origin", "Article 6.1: " + "Each Party shall provide that a good is "
                  "originating where it is wholly obtained or produced entirely in the territory of one or both. " * 3]
    pdf = text_pdf(paragraphs, title="Chapter Six")
    for headers in ({"Content-Type": "application/pdf"}, {"Content-Type": "application/octet-stream"}, {}):
        read = read_page(URL + "/ch6.pdf", 200, headers, pdf, settings(".ignored-for-pdfs"))
        assert read.body_text == "\n\n".join(paragraph.strip() for paragraph in paragraphs)
        assert read.title == "Chapter Six" and read.doc_type == "PDF" and read.fields == {"format": "pdf", "pages": 1}


def test_a_pdf_without_a_title_is_titled_by_its_first_line() -> None:
    read = read_page(URL, 200, {"Content-Type": "application/pdf"}, text_pdf(["Annex 4-A", "Text."]), settings())
    assert read.title == "Annex 4-A"


def test_unreadable_pdfs_are_refused() -> None:
    pdf_headers = {"Content-Type": "application/pdf"}
    assert error_of(b"%PDF-1.4 not really", pdf_headers).kind == "unreadable_pdf"
    assert error_of(text_pdf([]), pdf_headers).kind == "pdf_without_text"


def test_the_etag_and_last_modified_are_kept_for_conditional_requests() -> None:
    headers = {**HTML, "etag": '"abc"', "Last-Modified": "Thu, 05 Nov 2026 10:00:00 GMT"}
    read = read_page(URL, 200, headers, page("<p>x</p>"), settings())
    assert (read.etag, read.last_modified) == ('"abc"', "Thu, 05 Nov 2026 10:00:00 GMT")


@pytest.mark.parametrize(("values", "complaint"), [
    ({"urls": []}, "at least 1 item"),
    ({"urls": ["ftp://ustr.gov/x"]}, "http:// or https://"),
    ({"urls": [URL, URL]}, "lists a URL twice"),
    ({"urls": [URL], "selector": "div[[["}, "not a CSS selector"),
    ({"urls": [URL], "name": "two words"}, "letters, digits"),
    ({"urls": [URL], "interval_minutes": 0}, "greater than 0"),
    ({"urls": [URL], "selectors": ".x"}, "Extra inputs"),
])
def test_bad_settings_are_refused_with_the_reason(values: dict[str, object], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        PagesSettings.model_validate({"name": "korus-fta", **values})
