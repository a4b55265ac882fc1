"""Reads another site's listing: a list page into its listed items and its next page, an item page into an item.
Pure, no network (crawler/sources contract).

A listing never leads off its own host: an item link elsewhere is marked (`ListedItem.on_host`), a next link
elsewhere is dropped and reported (`ListPage.off_host_next`); the finder follows neither."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import htmldate
import lxml.html

from archive.records import FetchedStatement
from crawler.sources.dates import AmbiguousDate, read_date
from crawler.sources.documents import (
    css,
    document_type,
    header,
    page_title,
    parse_html,
    read_part,
    read_pdf,
    selected,
)
from crawler.sources.errors import ReadError
from crawler.sources.links import absolute_link, same_host
from crawler.sources.listings.settings import ListingsSettings
from crawler.text import normalise_space

EXTRACTOR_VERSION = "1"
SECTION = "listing"
# htmldate's default latest date is today's: a pure reading must not depend on the day it runs.
_LATEST_PAGE_DATE = "2200-01-01"


@dataclass(frozen=True)
class ListedItem:
    url: str  # absolute, without fragment, session ids or tracking parameters: the item's identity
    title: str  # the link's text
    date: date | None  # None when no date is configured, or this item's could not be read
    date_text: str | None  # the date as the listing writes it
    on_host: bool  # False: the link leads off the listing's host, and the finder must not follow it


@dataclass(frozen=True)
class ListPage:
    items: tuple[ListedItem, ...]  # in the listing's order, each URL once
    next_url: str | None  # the next list page on the listing's host; None on the last page
    off_host_next: str | None = None  # a next link that led off the listing's host, dropped


def read_list_page(
    url: str, status: int, headers: Mapping[str, str], body: bytes, settings: ListingsSettings,
) -> ListPage:
    """One list page of the listing (its first page, settings.url, or one reached by `next`).

    ReadError kinds: unexpected_status, unsupported_type (a PDF included), empty_page, not_html,
    selector_matched_nothing (no item), item_without_link, ambiguous_date, date_unreadable."""
    tree = _list_page_tree(url, status, headers, body)
    base = _base_url(tree, url)
    items: dict[str, ListedItem] = {}
    for element in selected(tree, settings.item, url, "item"):
        item = _listed_item(element, base, url, settings)
        items.setdefault(item.url, item)
    if settings.date is not None and not any(item.date for item in items.values()):
        raise ReadError(
            "date_unreadable", f"date selector {settings.date!r} gave no readable date in any item on {url}",
        )
    next_url, off_host_next = _next_page(tree, base, url, settings)
    return ListPage(items=tuple(items.values()), next_url=next_url, off_host_next=off_host_next)


def read_item_page(
    url: str, status: int, headers: Mapping[str, str], body: bytes, settings: ListingsSettings,
    listed: ListedItem | None = None,
) -> FetchedStatement:
    """One listed item's page, HTML or PDF. The title and date are the listing's when `listed` carries them (what the
    configured selectors point at), else the page's (an HTML page's first h1 or <title> and its published date as
    htmldate finds it in the markup; a PDF's /Title or first line). A re-check without the listing at hand passes the
    archived title and date as `listed`, so that they stay.

    ReadError kinds: unexpected_status, unsupported_type, empty_page, not_html, selector_matched_nothing (body),
    no_main_content, nothing_to_read, unreadable_pdf, pdf_without_text."""
    if status != 200:
        raise ReadError("unexpected_status", f"{url} answered HTTP {status}")
    published_on, published_text = (listed.date, listed.date_text) if listed is not None else (None, None)
    links: tuple[str, ...] = ()
    if document_type(url, headers, body) == "pdf":
        pdf = read_pdf(url, body)
        own_title, text, html = pdf.title, pdf.text, pdf.html
    else:
        tree = parse_html(url, headers, body)
        region = read_part(tree, url, settings.body, "body")
        own_title, text, html, links = page_title(tree), region.text, region.html, region.links
        if published_on is None:
            found = htmldate.find_date(tree, extensive_search=False, original_date=True, max_date=_LATEST_PAGE_DATE)
            published_on, published_text = (date.fromisoformat(found), found) if found else (None, None)
    return FetchedStatement(
        url=url, section=SECTION, title=(listed.title if listed is not None else "") or own_title or url,
        published_on=published_on, published_text=published_text, doc_type=None, body_text=text, body_html=html,
        fields={"listing": settings.url}, links=links,
        etag=header(headers, "ETag"), last_modified=header(headers, "Last-Modified"),
    )


def _list_page_tree(url: str, status: int, headers: Mapping[str, str], body: bytes) -> lxml.html.HtmlElement:
    if status != 200:
        raise ReadError("unexpected_status", f"{url} answered HTTP {status}")
    if document_type(url, headers, body) != "html":
        raise ReadError("unsupported_type", f"{url} answered a PDF, not an HTML list page")
    return parse_html(url, headers, body)


def _base_url(tree: lxml.html.HtmlElement, url: str) -> str:
    """Where the page's relative links start: its <base href>, resolved against its URL, else its URL."""
    bases = tree.xpath("//base[@href]")
    base = absolute_link(bases[0].get("href"), url) if bases else None
    return base or url


def _listed_item(
    element: lxml.html.HtmlElement, base: str, url: str, settings: ListingsSettings,
) -> ListedItem:
    text = normalise_space(" ".join(element.itertext()))  # its parts' texts apart: "Press Release Korea and"
    anchors = [anchor for anchor in css(settings.link)(element) if anchor.get("href") is not None]
    if not anchors:
        raise ReadError(
            "item_without_link", f"an item on {url} has no link matching {settings.link!r}: {text[:80]!r}",
        )
    href = anchors[0].get("href")
    link = absolute_link(href, base)
    if link is None:
        raise ReadError("item_without_link", f"an item's link on {url} is not an http(s) URL: {href[:80]!r}")
    title = normalise_space(anchors[0].text_content()) or normalise_space(anchors[0].get("title") or "")
    item_date, date_text = _item_date(element, url, settings)
    return ListedItem(
        url=link, title=title or text[:200], date=item_date, date_text=date_text,
        on_host=same_host(link, settings.url),
    )


def _item_date(
    element: lxml.html.HtmlElement, url: str, settings: ListingsSettings,
) -> tuple[date | None, str | None]:
    if settings.date is None:
        return None, None
    found = css(settings.date)(element)
    text = normalise_space(found[0].text_content()) if found else ""
    if not text:
        return None, None
    try:
        return read_date(text, settings.date_order), text
    except AmbiguousDate as error:
        raise ReadError("ambiguous_date", f"a listed date on {url}: {error}") from None


def _next_page(
    tree: lxml.html.HtmlElement, base: str, url: str, settings: ListingsSettings,
) -> tuple[str | None, str | None]:
    """The next list page, and a next link dropped for leading off the listing's host. No match is the last page."""
    if settings.next is None:
        return None, None
    hrefs = [anchor.get("href") for anchor in css(settings.next)(tree) if anchor.get("href") is not None]
    link = absolute_link(hrefs[0], base) if hrefs else None
    if link is None or link == absolute_link(url, url):
        return None, None
    if not same_host(link, settings.url):
        return None, link
    return link, None
