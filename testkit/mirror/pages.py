"""HTML for each kind of page, in the markup variants ustr.gov has used."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from testkit.mirror.site import MirrorStatement

PRESS_OFFICE = "policy-offices/press-office"
SITE_NAME = "Office of the United States Trade Representative"
KORUS_FTA_PAGE = "/trade-agreements/free-trade-agreements/korus-fta"
ARCHIVE_BANNER = (
    "Content on this archived webpage is NOT UPDATED, and external links may not function. "
    "This page is kept for historical reference. Click here to go to the CURRENT USTR.GOV WEBSITE"
)
# A short paragraph ending in a colon is a heading ("Background:", "KORUS Joint Committee Background:").
_HEADING = re.compile(r"[^.!?:]{1,60}:")


def listing_path(section: str, year: int | None = None, month: str | None = None) -> str:
    # The 2026 theme moved the press office under /about/; the landings stayed under /about-us/.
    prefix = "about" if year is not None and year >= 2026 else "about-us"
    parts = [f"/{prefix}/{PRESS_OFFICE}/{section}", str(year) if year else "", month or ""]
    return "/".join(part for part in parts if part)


def _text(text: str) -> str:
    return escape(text, quote=False)


def _document(chrome: str, title: str, main: str, *, body_class: str, head: str = "", banner: str = "") -> bytes:
    nav = "".join(
        f'<li class="menu-item"><a href="{href}">{label}</a></li>'
        for href, label in (
            ("/about-us", "About Us"), ("/trade-agreements", "Trade Agreements"),
            ("/countries-regions", "Countries &amp; Regions"), (f"/about-us/{PRESS_OFFICE}", "Press Office"),
        )
    )
    return (
        '<!DOCTYPE html>\n<html lang="en" dir="ltr">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_text(title)} | {SITE_NAME}</title>\n{head}</head>\n<body class=\"{body_class}\">\n"
        f'<header id="header"><div class="site-name"><a href="/" rel="home">{SITE_NAME}</a></div>\n'
        f'<nav id="main-menu" aria-label="Main navigation"><ul class="menu">{nav}'
        f'<li class="menu-item menu-notice">{_text(chrome)}</li></ul></nav></header>\n'
        f'{banner}<main id="main-content">\n{main}\n</main>\n'
        f'<footer id="footer"><p class="footer-notice">{_text(chrome)}</p>'
        '<p><a href="/about-us/privacy">Privacy</a> | <a href="/accessibility">Accessibility</a></p></footer>\n'
        "</body>\n</html>\n"
    ).encode()


def _banner() -> str:
    lead, _, _ = ARCHIVE_BANNER.partition("Click here")
    return (
        f'<div class="archive-banner"><strong>{lead}</strong>Click <a href="https://ustr.gov/">here</a> '
        "to go to the CURRENT USTR.GOV WEBSITE</div>\n"
    )


def _body(paragraphs: Sequence[str]) -> str:
    rendered = []
    for text in paragraphs:
        if _HEADING.fullmatch(text):
            rendered.append(f"<p><strong>{_text(text)}</strong></p>")
        elif text.endswith("click here."):
            rendered.append(f'<p>{_text(text.removesuffix("here."))}<a href="{KORUS_FTA_PAGE}">here</a>.</p>')
        else:
            rendered.append(f"<p>{_text(text)}</p>")
    rendered.append("<p>###</p>")
    return "\n".join(rendered)


def statement_page(chrome: str, statement: MirrorStatement, *, redesigned: bool) -> bytes:
    s = statement
    head = ""
    if s.node_id is not None:
        head = f'<link rel="shortlink" href="/node/{s.node_id}">\n<link rel="canonical" href="{s.href}">\n'
    inside = _banner() if s.banner == "inside" else ""
    outside = _banner() if s.banner == "outside" else ""
    title, when, body = _text(s.title), _text(s.date_text), _body(s.paragraphs)
    if redesigned:
        main = (
            f'<div class="statement-shell"><h1 class="statement-shell__headline">{title}</h1>\n'
            f'<span class="statement-shell__when">{when}</span>\n'
            f'<section class="statement-shell__copy">{inside}{body}</section></div>'
        )
    elif s.theme == "d7":
        date_line = f"<p>{when}</p>\n"
        main = (
            f'<div class="content"><h1 class="pageTitle">{title}</h1>\n{"" if s.date_in_body else date_line}'
            '<div class="field field-name-body field-type-text-with-summary field-label-hidden">'
            '<div class="field-items"><div class="field-item even" property="content:encoded">\n'
            f'{inside}{date_line if s.date_in_body else ""}{body}\n</div></div></div></div>'
        )
    else:
        main = (
            '<article role="article" class="node node--type-general node--view-mode-full">\n'
            f'<h1 class="title-underline">{title}</h1>\n<div class="field field--name-field-date">{when}</div>\n'
            '<div class="clearfix text-formatted field field--name-body field--type-text-with-summary '
            f'field--label-hidden field__item">\n{inside}{body}\n</div>\n</article>'
        )
    if s.caption:
        main += f'\n<figure class="statement-photo"><figcaption>{_text(s.caption)}</figcaption></figure>'
    body_class = "statement" if redesigned else {"d7": "html not-front page-node", "d8": "path-node"}[s.theme]
    return _document(chrome, s.title, main, body_class=body_class, head=head, banner=outside)


def landing_page(
    chrome: str, section: str, heading: str, rows: Sequence[MirrorStatement], *,
    style: str, page: int, page_count: int, years: Sequence[int],
) -> bytes:
    if style == "views":
        items = '<div class="view view-press-office"><div class="view-content">\n' + "".join(
            '<div class="views-row">'
            f'<div class="views-field views-field-title"><span class="field-content"><a href="{s.href}" hreflang="en">'
            f"{_text(s.title)}</a></span></div>"
            f'<div class="views-field views-field-field-document-type"><div class="field-content">{_text(s.doc_type)}'
            "</div></div>"
            f'<div class="views-field views-field-field-date"><div class="field-content">'
            f'<time datetime="{s.published.isoformat()}T12:00:00Z" class="datetime">{s.published:%m/%d/%Y}</time>'
            "</div></div></div>\n"
            for s in rows
        ) + "</div>\n" + _pager(page, page_count) + "</div>"
    else:
        items = _listing(rows) + _pager(page, page_count)
    year_links = "".join(
        f'<li><a class="child" href="{quote(listing_path(section, year))}">{year}</a></li>' for year in years
    )
    sidebar = f'<nav class="sidebar"><ul class="menu">{year_links}</ul></nav>'
    main = f'<h1 class="pageTitle">{_text(heading)}</h1>\n{items}\n{sidebar}'
    return _document(chrome, heading, main, body_class="page-view-press-office")


def _pager(page: int, page_count: int) -> str:
    def item(css: str, target: int, label: str) -> str:
        return f'<li class="pager__item{css}"><a href="?page={target}">{label}</a></li>'

    last = page_count - 1
    items = []
    if page > 0:
        items += [item(" pager__item--first", 0, "« First"), item(" pager__item--previous", page - 1, "‹ Previous")]
    # Drupal's full pager shows a window of nine page numbers around the current page.
    for number in range(max(0, page - 4), min(page_count, page + 5)):
        items.append(item(" is-active" if number == page else "", number, str(number + 1)))
    if page < last:
        items += [item(" pager__item--next", page + 1, "Next ›"), item(" pager__item--last", last, "Last »")]
    return f'<nav class="pager" role="navigation"><ul class="pager__items js-pager__items">{"".join(items)}</ul></nav>'


def _listing(statements: Sequence[MirrorStatement]) -> str:
    items = "".join(f'<li>{s.published:%m/%d/%Y} <a href="{s.href}">{_text(s.title)}</a></li>\n' for s in statements)
    return f'<ul class="listing">\n{items}</ul>'


def year_page(chrome: str, section: str, heading: str, year: int, months: Sequence[str]) -> bytes:
    links = "".join(
        f'<li><a class="child" href="{quote(listing_path(section, year, month))}">{month.capitalize()} {year}</a></li>'
        for month in months
    )
    main = f'<h1 class="pageTitle">{_text(heading)} {year}</h1>\n<ul class="menu">{links}</ul>'
    return _document(chrome, f"{heading} {year}", main, body_class="page-year")


def month_page(chrome: str, heading: str, statements: Sequence[MirrorStatement]) -> bytes:
    return _document(chrome, heading, f'<h1 class="pageTitle">{_text(heading)}</h1>\n{_listing(statements)}',
                     body_class="page-month")


def not_found_page(chrome: str) -> bytes:
    main = '<h1>Page not found</h1>\n<p>The requested page could not be found.</p>'
    return _document(chrome, "Page not found", main, body_class="page-404")


def error_page(status: int) -> bytes:
    phrase = HTTPStatus(status).phrase
    return f"<html><head><title>{status} {phrase}</title></head><body><h1>{phrase}</h1></body></html>\n".encode()
