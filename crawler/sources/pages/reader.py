"""Reads a watched page (HTML or PDF) into an item: pure, no network (crawler/sources contract).

An HTML page's watched part is the `selector`'s matches, or else its main content; its text keeps every link as
"text <URL>" so that a new chapter or annex link, or a link that leads elsewhere, is an edit. Chrome never is:
navigation, header, footer, forms and hidden parts are dropped, and so are "last updated" lines, tracking
parameters, session ids and fragments in links (crawler.sources.documents, crawler.sources.links)."""

from __future__ import annotations

from collections.abc import Mapping

from archive.records import FetchedStatement
from crawler.sources.documents import (
    document_type,
    header,
    page_title,
    parse_html,
    read_part,
    read_pdf,
)
from crawler.sources.errors import ReadError
from crawler.sources.pages.settings import PagesSettings

EXTRACTOR_VERSION = "1"
SECTION = "page"


def read_page(
    url: str, status: int, headers: Mapping[str, str], body: bytes, settings: PagesSettings,
) -> FetchedStatement:
    """The watched page at `url` as fetched (a 200 answer; the finder deals with 304s, 404s and redirects).

    ReadError kinds: unexpected_status, unsupported_type, empty_page, not_html, selector_matched_nothing,
    no_main_content, nothing_to_read, unreadable_pdf, pdf_without_text."""
    if status != 200:
        raise ReadError("unexpected_status", f"{url} answered HTTP {status}")
    links: tuple[str, ...] = ()
    if document_type(url, headers, body) == "pdf":
        pdf = read_pdf(url, body)
        title, doc_type, text, html = pdf.title, "PDF", pdf.text, pdf.html
        fields = {"format": "pdf", "pages": pdf.pages}
    else:
        tree = parse_html(url, headers, body)
        region = read_part(tree, url, settings.selector, "watched part")
        title, doc_type, text, html = page_title(tree) or url, None, region.text, region.html
        fields, links = {"format": "html"}, region.links
    return FetchedStatement(
        url=url, section=SECTION, title=title, published_on=None, published_text=None, doc_type=doc_type,
        body_text=text, body_html=html, fields=fields, links=links,
        etag=header(headers, "ETag"), last_modified=header(headers, "Last-Modified"),
    )
