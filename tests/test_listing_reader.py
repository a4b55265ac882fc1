"""The listings reader (crawler/sources/listings/reader.py) and its settings: listed items and the next page, each
ReadError, dates in the forms sites write them, links kept on the listing's host, item pages."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from crawler.sources.errors import ReadError
from crawler.sources.listings.reader import ListedItem, read_item_page, read_list_page
from crawler.sources.listings.settings import ListingsSettings
from testkit.sites.pdf import text_pdf

URL = "https://english.motir.go.kr/eng/article/EATCL0512e0b48"
HTML = {"Content-Type": "text/html; charset=utf-8"}


def settings(**values: object) -> ListingsSettings:
    return ListingsSettings.model_validate({"name": "motir", "url": URL, "item": "ul.board_list > li", "date": ".date",
                               "next": "a.next", "body": ".view_content", **values})


def board(*rows: str, pager: str = "") -> bytes:
    return f'<html><body><ul class="board_list">{"".join(rows)}</ul>{pager}</body></html>'.encode()


def row(href: str, title: str = "KORUS Joint Committee meets", when: str = "2026.11.05") -> str:
    return f'<li><span class="category">Press</span><a href="{href}">{title}</a><span class="date">{when}</span></li>'


def list_error(body: bytes, **values: object) -> ReadError:
    with pytest.raises(ReadError) as caught:
        read_list_page(URL, 200, HTML, body, settings(**values))
    assert "\n" not in caught.value.message
    return caught.value


def test_items_are_read_with_absolute_links_titles_and_dates() -> None:
    page = read_list_page(URL, 200, HTML, board(
        row("/eng/article/EATCL0512e0b48/108/view;jsessionid=A1?pageIndex=1", "Minister meets USTR", "2026.11.05"),
        row("108/view", "Exports rise", "Nov 4, 2026"),
        row("/eng/article/EATCL0512e0b48/108/view;jsessionid=B2?pageIndex=1", "Listed twice", "2026.11.05"),
        pager='<a class="next" href="?pageIndex=2">Next</a>',
    ), settings())
    assert page.items == (
        ListedItem(URL + "/108/view?pageIndex=1", "Minister meets USTR", date(2026, 11, 5), "2026.11.05", True),
        ListedItem("https://english.motir.go.kr/eng/article/108/view", "Exports rise", date(2026, 11, 4),
                   "Nov 4, 2026", True),
    )
    assert page.next_url == URL + "?pageIndex=2" and page.off_host_next is None


def test_a_page_in_a_legacy_korean_encoding_is_decoded_by_its_meta_charset() -> None:
    body = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=euc-kr"></head><body>'
            '<ul class="board_list"><li><a href="/v/1">한미 FTA 공동위원회 개최</a></li></ul></body></html>')
    page = read_list_page(URL, 200, {"Content-Type": "text/html"}, body.encode("euc-kr"), settings(date=None))
    assert page.items[0].title == "한미 FTA 공동위원회 개최"


def test_the_link_setting_picks_the_items_link() -> None:
    body = board('<li><a href="/category/press">Press</a><a class="title" href="/view/9">Title</a></li>')
    assert read_list_page(URL, 200, HTML, body, settings(date=None)).items[0].title == "Press"
    chosen = read_list_page(URL, 200, HTML, body, settings(date=None, link="a.title")).items[0]
    assert (chosen.url, chosen.title) == ("https://english.motir.go.kr/view/9", "Title")


def test_a_base_href_is_where_relative_links_start() -> None:
    body = b'<html><head><base href="https://english.motir.go.kr/eng/"></head><body><ul class="board_list">' \
           b'<li><a href="view/7">A</a></li></ul></body></html>'
    assert read_list_page(URL, 200, HTML, body, settings(date=None)).items[0].url == \
        "https://english.motir.go.kr/eng/view/7"


def test_a_link_off_the_listings_host_is_marked_and_a_next_link_off_it_is_dropped() -> None:
    page = read_list_page(URL, 200, HTML, board(
        row("https://www.korea.kr/news/1"), row("http://english.motir.go.kr/eng/2"),
        pager='<a class="next" href="https://elsewhere.example/list?page=2">Next</a>',
    ), settings())
    assert [item.on_host for item in page.items] == [False, True]  # http and https of one host are one host
    assert page.next_url is None and page.off_host_next == "https://elsewhere.example/list?page=2"


def test_the_last_page_has_no_next_page() -> None:
    assert read_list_page(URL, 200, HTML, board(row("/1")), settings()).next_url is None
    to_itself = board(row("/1"), pager=f'<a class="next" href="{URL}#">Next</a>')
    assert read_list_page(URL, 200, HTML, to_itself, settings()).next_url is None
    assert read_list_page(URL, 200, HTML, board(row("/1"), pager='<a class="next" href="?p=2">N</a>'),
                          settings(next=None)).next_url is None


@pytest.mark.parametrize(("written", "order", "read"), [
    ("2026.11.05", None, date(2026, 11, 5)),
    ("2026. 11. 5.", "DMY", date(2026, 11, 5)),  # the year first is always year, month, day
    ("2026-11-05", None, date(2026, 11, 5)),
    ("Nov 5, 2026", None, date(2026, 11, 5)),
    ("5 November 2026", None, date(2026, 11, 5)),
    ("Date : 2026.11.05  Hit 35", None, date(2026, 11, 5)),
    ("05/11/2026", "DMY", date(2026, 11, 5)),
    ("05/11/2026", "MDY", date(2026, 5, 11)),
])
def test_dates_are_read_in_the_forms_sites_write_them(written: str, order: str | None, read: date) -> None:
    page = read_list_page(URL, 200, HTML, board(row("/1", when=written)), settings(date_order=order))
    assert (page.items[0].date, page.items[0].date_text) == (read, " ".join(written.split()))


def test_a_numeric_date_with_the_year_last_needs_a_date_order() -> None:
    error = list_error(board(row("/1", when="05/11/2026")))
    assert error.kind == "ambiguous_date" and "date_order" in error.message


def test_one_unreadable_date_leaves_its_item_undated_but_none_readable_is_an_error() -> None:
    page = read_list_page(URL, 200, HTML, board(row("/1", when="2026.11.05"), row("/2", when="today")), settings())
    assert [item.date for item in page.items] == [date(2026, 11, 5), None]
    error = list_error(board(row("/1", when="Press"), row("/2", when="")))
    assert error.kind == "date_unreadable" and "'.date'" in error.message and URL in error.message


def test_an_item_selector_that_matches_nothing_names_it() -> None:
    error = list_error(b"<html><body><table class='board'><tr><td>x</td></tr></table></body></html>")
    assert error.kind == "selector_matched_nothing" and "'ul.board_list > li'" in error.message


@pytest.mark.parametrize("item", [
    "<li><span>No link here</span></li>", '<li><a name="anchor">No href</a></li>',
    "<li><a href=\"javascript:fn_view('12')\">Script</a></li>", '<li><a href="mailto:press@motir.go.kr">Mail</a></li>',
])
def test_an_item_without_an_http_link_is_an_error(item: str) -> None:
    assert list_error(board(row("/1"), item), date=None).kind == "item_without_link"


def test_a_list_page_must_be_an_html_200_answer() -> None:
    for status, headers, body, kind in (
        (200, {"Content-Type": "application/json"}, b"{}", "unsupported_type"),
        (200, {"Content-Type": "application/pdf"}, text_pdf(["A list"]), "unsupported_type"),
        (503, HTML, board(row("/1")), "unexpected_status"),
        (200, HTML, b"", "empty_page"),
    ):
        with pytest.raises(ReadError) as caught:
            read_list_page(URL, status, headers, body, settings())
        assert caught.value.kind == kind


ITEM = URL + "/108/view"


def item_page(text: str = "<p>The two sides met in Seoul.</p>", when: str = "2026.11.05") -> bytes:
    return (
        '<html><head><title>Minister meets USTR | MOTIR</title></head><body><div id="header"><h1 class="logo">'
        f'MOTIR</h1></div><h3 class="view_title">Minister meets USTR</h3><span class="date">{when}</span>'
        f'<div class="view_content">{text}</div><div id="footer">Visitors 7001</div></body></html>'
    ).encode()


def test_an_item_page_is_read_with_the_listings_title_and_date() -> None:
    listed = ListedItem(ITEM, "Minister meets USTR to discuss KORUS", date(2026, 11, 4), "2026.11.04", True)
    read = read_item_page(ITEM, 200, HTML, item_page('<p>Met <a href="/eng/109">again</a>.</p>'), settings(), listed)
    assert (read.title, read.published_on, read.published_text) == (listed.title, listed.date, "2026.11.04")
    assert read.body_text == "Met again <https://english.motir.go.kr/eng/109>."
    assert read.links == ("https://english.motir.go.kr/eng/109",)
    assert read.section == "listing" and read.fields == {"listing": URL}


def test_an_item_page_without_the_listing_takes_the_pages_title_and_date() -> None:
    read = read_item_page(ITEM, 200, HTML, item_page(), settings())
    assert read.title == "Minister meets USTR | MOTIR"  # the logo's h1 in the header is not the title
    assert read.published_on == date(2026, 11, 5)


def test_an_item_pages_body_selector_that_matches_nothing_names_it() -> None:
    with pytest.raises(ReadError) as caught:
        read_item_page(ITEM, 200, HTML, item_page(), settings(body=".board_view"))
    assert caught.value.kind == "selector_matched_nothing" and "body selector '.board_view'" in caught.value.message


def test_an_item_that_is_a_pdf_is_read_by_its_text() -> None:
    pdf = text_pdf(["Joint Statement on the KORUS FTA", "The two sides met in Seoul."], title="Joint Statement")
    read = read_item_page(ITEM + ".pdf", 200, {"Content-Type": "application/pdf"}, pdf, settings())
    assert (read.title, read.published_on) == ("Joint Statement", None)
    assert read.body_text == "Joint Statement on the KORUS FTA\n\nThe two sides met in Seoul."
    listed = ListedItem(ITEM + ".pdf", "Joint statement (PDF)", date(2026, 11, 4), "2026.11.04", True)
    read = read_item_page(ITEM + ".pdf", 200, {"Content-Type": "application/pdf"}, pdf, settings(), listed)
    assert (read.title, read.published_on) == ("Joint statement (PDF)", date(2026, 11, 4))


def test_an_item_page_must_be_an_html_or_pdf_200_answer() -> None:
    with pytest.raises(ReadError, match="unsupported_type"):
        read_item_page(ITEM, 200, {"Content-Type": "image/jpeg"}, b"\xff\xd8", settings())
    with pytest.raises(ReadError, match="unexpected_status"):
        read_item_page(ITEM, 404, HTML, item_page(), settings())


@pytest.mark.parametrize(("values", "complaint"), [
    ({"pages": 5, "max_pages": 3}, "must not exceed max_pages"),
    ({"pages": 0}, "greater than or equal to 1"),
    ({"item": "li:hover::before"}, "not a CSS selector"),
    ({"next": "a["}, "not a CSS selector"),
    ({"url": "english.motir.go.kr/eng"}, "http:// or https://"),
    ({"date_order": "YMD"}, "'MDY' or 'DMY'"),
    ({"item": None}, "valid string"),
])
def test_bad_settings_are_refused_with_the_reason(values: dict[str, object], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        settings(**values)


def test_the_defaults_are_the_issues() -> None:
    defaults = ListingsSettings(name="motir", url=URL, item="li")
    assert (defaults.link, defaults.date, defaults.next, defaults.body) == ("a[href]", None, None, None)
    assert (defaults.pages, defaults.max_pages, defaults.interval_minutes, defaults.date_order) == (2, 20, None, None)
