"""Links as the readers of other sites keep them (crawler/sources/links.py): what changes by itself goes, what names
the resource stays, byte for byte."""

from __future__ import annotations

import pytest

from crawler.sources.links import absolute_link, clean_link, item_key, same_host


@pytest.mark.parametrize(("url", "clean"), [
    ("https://a.kr/view.do;jsessionid=0A1B?bbs_cd_n=2&bbs_seq_n=15", "https://a.kr/view.do?bbs_cd_n=2&bbs_seq_n=15"),
    ("https://a.kr/v?utm_source=x&id=7&UTM_Medium=y&fbclid=z#top", "https://a.kr/v?id=7"),
    ("https://a.kr/v?PHPSESSID=abc&q=KORUS%20FTA&sid=3", "https://a.kr/v?q=KORUS%20FTA&sid=3"),
    ("https://a.kr/v?b=2&a=1&uid=9", "https://a.kr/v?b=2&a=1&uid=9"),  # order kept; uid, sid may name the item
    ("https://a.kr/v?gclid=1", "https://a.kr/v"),
])
def test_chrome_parameters_go_and_the_rest_stays_as_written(url: str, clean: str) -> None:
    assert clean_link(url) == clean


@pytest.mark.parametrize(("href", "absolute"), [
    ("../files/annex.pdf", "https://ustr.gov/korus/files/annex.pdf"),
    ("//cdn.ustr.gov/a.pdf", "https://cdn.ustr.gov/a.pdf"),
    ("  /x  ", "https://ustr.gov/x"),
    ("#chapter-2", None), ("mailto:press@ustr.eop.gov", None), ("javascript:void(0)", None), ("http://[::1", None),
    ("", None),
])
def test_links_are_resolved_against_the_page(href: str, absolute: str | None) -> None:
    assert absolute_link(href, "https://ustr.gov/korus/final-text/page") == absolute


def test_one_host_is_one_host_whatever_the_scheme_but_not_the_port() -> None:
    assert same_host("https://Motir.go.kr/a", "http://motir.go.kr:80/b")
    assert not same_host("https://motir.go.kr/a", "https://motir.go.kr:8443/a")
    assert not same_host("https://english.motir.go.kr/a", "https://motir.go.kr/a")


def test_an_items_key_is_its_host_path_and_query_without_what_changes_by_itself() -> None:
    article = "https://english.motie.go.kr/en/pc/pressreleases/bbs/bbsView.do?bbs_cd_n=2&bbs_seq_n=15"
    assert item_key(article) == "english.motie.go.kr/en/pc/pressreleases/bbs/bbsview.do?bbs_cd_n=2&bbs_seq_n=15"
    # The same article however it was linked; the next article is another item.
    assert item_key("https://www.english.motie.go.kr/en/pc/pressreleases/bbs/bbsView.do;jsessionid=0A1B"
                    "?bbs_cd_n=2&bbs_seq_n=15&utm_source=x#top") == item_key(article)
    assert item_key(article.replace("bbs_seq_n=15", "bbs_seq_n=16")) != item_key(article)
    assert item_key("http://127.0.0.1:8080/korus-fta/") == "127.0.0.1:8080/korus-fta"
