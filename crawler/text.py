"""Reading a statement's body and date the way a person reads the page."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import lxml.html
import nh3

MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december",
)
_MONTH_NUMBERS = {name: number for number, name in enumerate(MONTHS, start=1)}
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_WRITTEN_DATE = re.compile(r"\b(" + "|".join(MONTHS) + r")\.?\s+(\d{1,2}),?\s+(\d{4})\b", re.IGNORECASE)
# A paragraph that is nothing but a date line ("01/25/2019", "Updated 05/07/2013 12:57 PM").
_DATE_LINE = re.compile(
    r"^(?:updated\s+)?(?:\d{1,2}/\d{1,2}/\d{4}|(?:" + "|".join(MONTHS) + r")\.?\s+\d{1,2},?\s+\d{4})"
    r"(?:\s+\d{1,2}:\d{2}\s*[ap]\.?m\.?)?$",
    re.IGNORECASE,
)
# Added to old pages years after publication: site chrome, not part of the statement. Its two sentences
# may stand in one element or in two.
# Longer than any form of a site's notice (boilerplate such as an archive banner): an element holding this much text
# holds the item too.
_NOTICE_MAX_CHARS = 400
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

_BLOCK_TAGS = frozenset(
    "address article aside blockquote dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header li "
    "main ol p pre section table tbody td tfoot th thead tr ul br hr".split()
)
_SKIPPED_TAGS = frozenset(("script", "style", "noscript", "template", "iframe", "form", "button"))
_ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "em", "h2", "h3", "h4", "h5", "h6", "i", "li", "ol", "p", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}


def parse_date(text: str) -> date | None:
    """The first date in `text`, in any of the formats the press office has used."""
    candidates: list[tuple[int, date]] = []
    for match in _ISO_DATE.finditer(text):
        candidates.extend(_valid(match.start(), *map(int, match.groups())))
    for match in _NUMERIC_DATE.finditer(text):
        month, day, year = map(int, match.groups())
        candidates.extend(_valid(match.start(), year, month, day))
    for match in _WRITTEN_DATE.finditer(text):
        month_name, day_text, year_text = match.groups()
        candidates.extend(_valid(match.start(), int(year_text), _MONTH_NUMBERS[month_name.lower()], int(day_text)))
    return min(candidates)[1] if candidates else None


def _valid(position: int, year: int, month: int, day: int) -> list[tuple[int, date]]:
    try:
        return [(position, date(year, month, day))]
    except ValueError:
        return []


def is_date_line(text: str) -> bool:
    return bool(_DATE_LINE.match(normalise_space(text)))


def normalise_space(text: str) -> str:
    """NFC, single spaces, and no control characters: scraped text reaches terminals and logs."""
    return " ".join(_CONTROL_CHARACTERS.sub(" ", unicodedata.normalize("NFC", text)).split())


@dataclass(frozen=True)
class Body:
    text: str  # paragraphs separated by blank lines
    html: str  # sanitised, links absolute
    links: tuple[str, ...]  # the absolute http(s) URLs it links to, in order, each once


def read_body(fragment: str, page_url: str, notice: re.Pattern[str] | None = None) -> Body:
    """An item's body without a leading date line, nor the site's `notice` (a pattern of boilerplate that a site
    puts in its bodies, such as an archive banner)."""
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for element in list(root.iter(*_SKIPPED_TAGS)):
        element.drop_tree()  # keeps the element's tail text, which belongs to the paragraph around it
    if notice is not None:
        _drop_notice(root, notice)
    # A notice written as bare text in the body, not in a block of its own, still stands as a paragraph.
    paragraphs = [text for text in _paragraphs(root) if notice is None or not _is_notice(text, notice)]
    if paragraphs and is_date_line(paragraphs[0]):
        _drop_first_text_block(root)
        paragraphs = paragraphs[1:]
    root.make_links_absolute(page_url, resolve_base_href=False)
    links = tuple(dict.fromkeys(
        href for href in (anchor.get("href", "").strip() for anchor in root.iter("a"))
        if href.startswith(("http://", "https://"))
    ))
    html = nh3.clean(
        lxml.html.tostring(root, encoding="unicode"),
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return Body(text="\n\n".join(paragraphs), html=html.strip(), links=links)


def _is_notice(text: str, notice: re.Pattern[str]) -> bool:
    return len(text) <= _NOTICE_MAX_CHARS and bool(notice.search(text))


def _drop_notice(root: lxml.html.HtmlElement, notice: re.Pattern[str]) -> None:
    """Drops the blocks that hold nothing but the notice; never the body element itself (root's child)."""
    # One look at the whole body first: most pages carry no notice, and judging every block reads its text again.
    if not notice.search(normalise_space(root.text_content())):
        return
    holders = [
        element for element in root.iter(*_BLOCK_TAGS)
        if element.getparent() not in (None, root) and _is_notice(normalise_space(element.text_content()), notice)
    ]
    for element in holders:
        if not any(other in holders for other in element.iterancestors()):
            element.drop_tree()


def _drop_first_text_block(root: lxml.html.HtmlElement) -> None:
    for element in root.iter():
        if element is not root and element.tag in _BLOCK_TAGS and normalise_space(element.text_content()):
            if is_date_line(element.text_content()):
                element.drop_tree()
            return


def _paragraphs(root: lxml.html.HtmlElement) -> list[str]:
    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = normalise_space("".join(current))
        if text:
            paragraphs.append(text)
        current.clear()

    def walk(element: lxml.html.HtmlElement) -> None:
        block = element.tag in _BLOCK_TAGS
        if block:
            flush()
        if element.text:
            current.append(element.text)
        for child in element:
            if isinstance(child.tag, str):
                walk(child)
            if child.tail:
                current.append(child.tail)
        if block:
            flush()

    walk(root)
    flush()
    return paragraphs
