"""Reading a press-office statement page into an item: its title, date, document type, body and Drupal node id.

A pure function of the page's URL, HTML and section, so that a stored page and its expected reading are a test
(tests/golden/press_office)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin

from parsel import Selector

from archive.records import FetchedStatement
from crawler.sources.errors import ReadError
from crawler.sources.reading import Reading
from crawler.text import normalise_space, parse_date, read_body

# Changed whenever a page reads differently than before (issue 17 re-reads the archived pages then).
EXTRACTOR_VERSION = "1"

# The banner USTR puts on its archived pages: never part of a statement.
ARCHIVE_BANNER = re.compile(r"archived webpage is not updated|current ustr\.gov website", re.IGNORECASE)
_NODE_PATH = re.compile(r"/node/(\d+)(?:$|[/?#])")
_TITLE = "h1.pageTitle, .title-underline, h1.page-title"
_BODY = (
    ".field--name-body, div.field-name-body div.field-item.even, "
    "article.node--type-general div.field--type-text-with-summary"
)


def read_statement(url: str, html: str, section: str) -> Reading:
    """The statement on a page; raises ReadError when the page holds none."""
    page = Selector(text=html)
    title_element = page.css(_TITLE)
    body_element = page.css(_BODY)
    title = normalise_space(title_element[0].xpath("string()").get() or "") if title_element else ""
    if not title or not body_element:
        missing = " and ".join(part for part, found in (("title", title), ("body", body_element)) if not found)
        raise ReadError("extraction_failed", f"no {missing} found on the statement page")
    body = read_body(body_element[0].get(), url, notice=ARCHIVE_BANNER)
    if not body.text:
        raise ReadError("empty_body", "the statement body is empty")
    published_text = _date_text(page, title_element[0], body_element[0])
    published_on = parse_date(published_text) if published_text else None
    warnings = [] if published_on else [("missing_date", "no publication date found; archived without one")]
    statement = FetchedStatement(
        url=url,
        section=section,
        title=title,
        published_on=published_on,
        published_text=published_text,
        doc_type=normalise_space(page.css(".field--name-field-document-type ::text").get() or "") or None,
        body_text=body.text,
        body_html=body.html,
        external_id=_node_id(page, url),
        links=body.links,
        canonical_url=page.css("link[rel=canonical]::attr(href)").get(),
    )
    return Reading(statement, warnings)


def _date_text(page: Selector, title: Selector, body: Selector) -> str | None:
    """The date as the page shows it: a <time>, the line after the title, or the first paragraph."""
    for text in _date_candidates(page, title, body):
        text = normalise_space(text or "")
        if text and len(text) < 120 and parse_date(text):
            return text
    return None


def _date_candidates(page: Selector, title: Selector, body: Selector) -> Iterator[str | None]:
    # A generator: each kind of candidate is looked up only when the ones before it held no date.
    yield from page.css("article time[datetime]::attr(datetime), .node time[datetime]::attr(datetime)").getall()
    yield title.xpath("string(following-sibling::*[1])").get()
    yield from title.xpath("(following::p)[position() <= 3]").xpath("string()").getall()
    yield from body.xpath("(.//p)[position() <= 3]").xpath("string()").getall()


def _node_id(page: Selector, url: str) -> str | None:
    """The Drupal node id the page's shortlink or canonical link names."""
    for href in page.css("link[rel=shortlink]::attr(href), link[rel=canonical]::attr(href)").getall():
        match = _NODE_PATH.search(urljoin(url, href))
        if match:
            return match.group(1)
    return None
