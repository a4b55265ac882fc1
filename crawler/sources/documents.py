"""Reading a fetched web document, for the sources that read other sites' pages (watched pages, listings): its type,
the part of an HTML page to read (a configured CSS selector, or the page's main content), that part's text with its
links, the page's title, and a PDF's text."""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import Literal

import lxml.etree
import lxml.html
import pypdf
import trafilatura
from cssselect import SelectorError
from lxml.cssselect import CSSSelector
from trafilatura.xpaths import BODY_XPATH
from w3lib.encoding import html_to_unicode

from crawler.sources.dates import read_date
from crawler.sources.errors import ReadError
from crawler.sources.links import absolute_link
from crawler.text import normalise_space, read_body

DocumentType = Literal["html", "pdf"]

# Left out of a read part: chrome (landmarks of navigation, page header and footer, forms, hidden parts, and the
# breadcrumbs and share bars around an article), and the h1, which is the item's title (page_title). Links are
# content here, so nothing is dropped for holding many links (trafilatura's and readability's link-density pruning
# drops a page's list of chapter links).
_LEFT_OUT = CSSSelector(
    "h1, nav, header, footer, aside, form, script, style, noscript, template, iframe, button, "
    "[role=navigation], [role=banner], [role=contentinfo], [role=search], [hidden], [aria-hidden=true], "
    "[class*=breadcrumb], [class*=share-], [class*=social-]"
)
# A line a site changes by itself: "Last updated: November 5, 2026", "Page last reviewed 2026-11-05" (a date must
# follow at once: "Revised text of Article 3 enters into force on January 1, 2019." is content).
_UPDATED_LINE = re.compile(
    r"^(?:this\s+)?(?:page|site|content)?\s*(?:was\s+)?(?:last\s+)?(?:updated|modified|reviewed|revised)\b"
    r"(?:\s+on)?\s*:?\s*(?P<when>(?:\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec).{0,60})$",
    re.IGNORECASE,
)
_UPDATED_LINE_MAX_CHARS = 100
_BLOCK = CSSSelector("p, div, li, span, small, time, dd, dt, td, h2, h3, h4, h5, h6")


@dataclass(frozen=True)
class Region:
    """What was read of a page: paragraphs with each link's URL after its text, the sanitised HTML, the links."""

    text: str
    html: str
    links: tuple[str, ...]


def header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def document_type(url: str, headers: Mapping[str, str], body: bytes) -> DocumentType:
    """HTML or PDF, by the Content-Type, or by the body when the server did not say or said octet-stream."""
    content_type = (header(headers, "Content-Type") or "").split(";")[0].strip().lower()
    if content_type in ("text/html", "application/xhtml+xml"):
        return "html"
    if content_type in ("application/pdf", "application/x-pdf"):
        return "pdf"
    if content_type in ("", "application/octet-stream", "binary/octet-stream"):
        start = body.lstrip()[:256].lower()
        if start.startswith(b"%pdf-"):
            return "pdf"
        if start.startswith((b"<!doctype html", b"<html")):
            return "html"
    raise ReadError("unsupported_type", f"{url} answered {content_type or 'an unnamed type'}, neither HTML nor PDF")


def parse_html(url: str, headers: Mapping[str, str], body: bytes) -> lxml.html.HtmlElement:
    """The page's tree, decoded by its BOM, its header's charset, its meta charset or else UTF-8."""
    _, text = html_to_unicode(header(headers, "Content-Type"), body)
    if not text.strip():
        raise ReadError("empty_page", f"{url} answered an empty page")
    try:
        return lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as error:
        raise ReadError("not_html", f"{url} is not readable as HTML: {error}") from None


def css(selector: str) -> CSSSelector:
    """A compiled CSS selector; ValueError with the reason for one that cannot be (for the settings' checks)."""
    try:
        return CSSSelector(selector)
    except SelectorError as error:
        raise ValueError(f"not a CSS selector lxml can use: {selector!r} ({error})") from None


def selected(root: lxml.html.HtmlElement, selector: str, url: str, what: str) -> list[lxml.html.HtmlElement]:
    """The elements `selector` matches under `root`; a ReadError naming `what` it was for when none."""
    found: list[lxml.html.HtmlElement] = css(selector)(root)
    if not found:
        raise ReadError("selector_matched_nothing", f"{what} selector {selector!r} matched nothing on {url}")
    return found


def main_content(tree: lxml.html.HtmlElement, url: str) -> lxml.html.HtmlElement:
    """The page's main content: the content frame trafilatura's extractor starts from (its article, body and main
    expressions, in its order), read whole; or, on a page without one, trafilatura's own extraction."""
    for expression in BODY_XPATH:
        for frame in expression(tree):
            if normalise_space(frame.text_content()):
                return frame
    extracted = trafilatura.extract(
        copy.deepcopy(tree), url=url, output_format="html", include_links=True, include_tables=True,
        include_comments=False, with_metadata=False,
    )
    if not extracted:
        raise ReadError("no_main_content", f"no main content found on {url}: configure a selector")
    found: lxml.html.HtmlElement = lxml.html.fragment_fromstring(extracted, create_parent="div")
    return found


def read_part(tree: lxml.html.HtmlElement, url: str, selector: str | None, what: str) -> Region:
    """The part of the page a source reads: `selector`'s matches (`what` names the setting in errors), or else the
    page's main content; a ReadError when it holds no text."""
    parts = [main_content(tree, url)] if selector is None else selected(tree, selector, url, what)
    region = read_region(parts, url)
    if not region.text:
        where = f"{what} selector {selector!r}" if selector else "its main content"
        raise ReadError("nothing_to_read", f"{url} has no text in {where}")
    return region


def read_region(elements: list[lxml.html.HtmlElement], url: str) -> Region:
    """The text of `elements` (in document order) without chrome, every link's URL written after its text so that a
    new or moved link is an edit; its sanitised HTML; its http(s) links, absolute and cleaned, once each."""
    holder = lxml.html.Element("div")
    for element in elements:
        piece = copy.deepcopy(element)
        piece.tail = None
        holder.append(piece)
    _leave_out(holder)
    links: list[str] = []
    for anchor in holder.iter("a"):
        link = absolute_link(anchor.get("href") or "", url)
        if link is None:
            anchor.attrib.pop("href", None)
            continue
        anchor.set("href", link)
        links.append(link)
    shown = read_body(lxml.html.tostring(holder, encoding="unicode"), url)
    for anchor in holder.iter("a"):
        link = anchor.get("href")
        if link and normalise_space(anchor.text_content()) != link:
            anchor.tail = f" <{link}>" + (anchor.tail or "")
    written = read_body(lxml.html.tostring(holder, encoding="unicode"), url)
    return Region(text=written.text, html=shown.html, links=tuple(dict.fromkeys(links)))


def _leave_out(root: lxml.html.HtmlElement) -> None:
    for element in _LEFT_OUT(root):
        if element.getparent() is not None:
            element.drop_tree()
    for element in _BLOCK(root):
        text = normalise_space(element.text_content())
        if len(text) <= _UPDATED_LINE_MAX_CHARS and _is_updated_line(text) and element.getparent() is not None:
            element.drop_tree()


def _is_updated_line(text: str) -> bool:
    match = _UPDATED_LINE.match(text)
    return match is not None and read_date(match.group("when"), "MDY") is not None


def page_title(tree: lxml.html.HtmlElement) -> str:
    """The page's first h1 outside its header, navigation and footer (a site's logo is often an h1), else its
    <title>; "" when it has neither."""
    for heading in tree.iter("h1"):
        if any(_is_site_chrome(element) for element in (heading, *heading.iterancestors())):
            continue
        text = normalise_space(heading.text_content())
        if text:
            return text
    titles = tree.findall(".//title")
    return normalise_space(titles[0].text_content()) if titles else ""


def _is_site_chrome(element: lxml.html.HtmlElement) -> bool:
    if element.tag in ("header", "nav", "footer"):
        return True
    names = f"{element.get('id') or ''} {element.get('class') or ''}".lower()
    return any(word in names for word in ("header", "logo", "footer"))


@dataclass(frozen=True)
class PdfText:
    title: str  # the document's /Title, else its first line
    text: str  # paragraphs separated by blank lines
    pages: int

    @property
    def html(self) -> str:
        return "\n".join(f"<p>{escape(paragraph)}</p>" for paragraph in self.text.split("\n\n"))


def read_pdf(url: str, body: bytes) -> PdfText:
    """A PDF's text, page by page in pypdf's layout mode (which keeps the blank line between two paragraphs); the
    lines of a paragraph are joined, so that a paragraph re-wrapped by an edit is one changed paragraph."""
    try:
        reader = pypdf.PdfReader(io.BytesIO(body))
        pages = [page.extract_text(extraction_mode="layout") for page in reader.pages]
        metadata_title = (reader.metadata.title if reader.metadata else None) or ""
    except (pypdf.errors.PyPdfError, ValueError, KeyError, TypeError) as error:
        raise ReadError("unreadable_pdf", f"{url} is not a readable PDF: {error}") from None
    paragraphs = [
        paragraph for page in pages for block in re.split(r"\n\s*\n", page)
        if (paragraph := normalise_space(block))
    ]
    if not paragraphs:
        raise ReadError("pdf_without_text", f"{url} is a PDF without extractable text (a scan?)")
    title = normalise_space(metadata_title) or paragraphs[0][:200]
    return PdfText(title=title, text="\n\n".join(paragraphs), pages=len(pages))
