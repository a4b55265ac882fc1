"""The imitation sites (testkit/sites) served over HTTP on 127.0.0.1, read by the readers as a finder will: the KORUS
agreement pages and their PDFs, a ministry's press-release board; their mutations, and the malformed answers."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from archive.records import FetchedStatement
from crawler.sources.errors import ReadError
from crawler.sources.listings.reader import ListedItem, ListPage, read_item_page, read_list_page
from crawler.sources.listings.settings import ListingsSettings
from crawler.sources.pages.reader import read_page
from crawler.sources.pages.settings import PagesSettings
from testkit.sites import KorusSite, MinistrySite, SiteServer
from testkit.sites.korus import ANNEXES, CHAPTERS, FINAL_TEXT, LANDING, SIDE_LETTERS
from testkit.sites.ministry import BOARD
from tests.conftest import REPO


@pytest.fixture
def korus() -> Iterator[SiteServer]:
    with SiteServer(KorusSite()) as server:
        yield server


@pytest.fixture
def ministry() -> Iterator[SiteServer]:
    with SiteServer(MinistrySite(page_size=3)) as server:
        yield server


# One client: httpx.get builds a TLS context at every call (~0.1 s).
CLIENT = httpx.Client()


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    answer = CLIENT.get(url)
    return answer.status_code, dict(answer.headers), answer.content


def page(server: SiteServer, url: str, selector: str | None = None) -> FetchedStatement:
    return read_page(url, *fetch(url), PagesSettings(name="korus-fta", urls=[url], selector=selector))


def listing(server: SiteServer, **values: object) -> ListingsSettings:
    return ListingsSettings.model_validate({"name": "motir", "url": server.url(BOARD), "item": "ul.board_list > li",
                               "date": ".date", "next": "a.next", "body": ".view_content", **values})


def list_page(settings: ListingsSettings, url: str | None = None) -> ListPage:
    url = url or settings.url
    return read_list_page(url, *fetch(url), settings)


def mutate(server: SiteServer, name: str, **arguments: object) -> httpx.Response:
    return CLIENT.post(server.url(f"/_site/{name}"), json=arguments)


def test_the_final_text_links_every_chapter_annex_and_side_letter_to_a_pdf_it_serves(korus: SiteServer) -> None:
    final_text = page(korus, korus.url(FINAL_TEXT), ".field--name-body")
    assert len(final_text.links) == len(CHAPTERS) + len(ANNEXES) + len(SIDE_LETTERS) == 32
    titles = [page(korus, link).title for link in final_text.links]
    assert titles[0] == "Chapter 1: Initial Provisions and Definitions"
    assert titles[23] == "Chapter 24: Final Provisions" and titles[24:29] == list(ANNEXES)
    assert f"{titles[5]} <{final_text.links[5]}>" in final_text.body_text.split("\n\n")


@pytest.mark.parametrize("selector", [None, ".field--name-body"])
def test_a_change_of_chrome_only_changes_no_reading_of_the_korus_pages(korus: SiteServer, selector: str | None) -> None:
    urls = [korus.url(LANDING), korus.url(FINAL_TEXT)]
    before = [(fetch(url)[2], page(korus, url, selector)) for url in urls]
    assert mutate(korus, "change_chrome").status_code == 200
    for url, (old_bytes, old_reading) in zip(urls, before, strict=True):
        assert fetch(url)[2] != old_bytes  # the menu, footer, "last updated" line and link parameters changed
        new_reading = page(korus, url, selector)
        assert (new_reading.body_text, new_reading.links, new_reading.title) == \
            (old_reading.body_text, old_reading.links, old_reading.title)
        assert new_reading.content_hash() == old_reading.content_hash()


def test_a_new_annex_link_is_an_edit_of_the_final_text_only(korus: SiteServer) -> None:
    landing, final_text = page(korus, korus.url(LANDING)), page(korus, korus.url(FINAL_TEXT))
    title = "Annex 6-B: Agreed Modification of the Rules of Origin for Certain Goods"
    added = mutate(korus, "add_document", group="annexes", title=title, paragraphs=[title, "Korea shall apply it."])
    pdf_url = korus.url(added.json()["result"])
    edited = page(korus, korus.url(FINAL_TEXT))
    assert edited.content_hash() != final_text.content_hash()
    assert [p for p in edited.body_text.split("\n\n") if p not in final_text.body_text.split("\n\n")] == \
        [f"{title} <{pdf_url}>"]
    assert edited.links == (*final_text.links[:29], pdf_url, *final_text.links[29:])
    assert page(korus, korus.url(LANDING)).content_hash() == landing.content_hash()
    assert page(korus, pdf_url).body_text == f"{title}\n\nKorea shall apply it."


def test_an_edited_sentence_is_an_edit_of_its_page_or_pdf(korus: SiteServer) -> None:
    landing = page(korus, korus.url(LANDING))
    mutate(korus, "edit_page", page="landing", old="at least once a year", new="at least twice a year")
    assert page(korus, korus.url(LANDING)).body_text == landing.body_text.replace("once a year", "twice a year")
    chapter = page(korus, korus.url(FINAL_TEXT)).links[5]
    before = page(korus, chapter)
    path = chapter.removeprefix(korus.base_url)
    assert mutate(korus, "edit_document", path=path, old="confidential", new="business").status_code == 200
    assert page(korus, chapter).body_text == before.body_text.replace("confidential", "business")


def test_the_board_is_read_page_by_page_to_its_end(ministry: SiteServer) -> None:
    settings = listing(ministry)
    site = ministry_site(ministry)
    seen: list[ListedItem] = []
    url: str | None = settings.url
    pages = 0
    while url is not None and pages < settings.max_pages:
        read = list_page(settings, url)
        seen.extend(read.items)
        url, pages = read.next_url, pages + 1
    assert pages == 3 and url is None
    assert [item.title for item in seen] == [release.title for release in site.newest_first()]
    assert all(item.on_host and item.date is not None for item in seen)


def ministry_site(server: SiteServer) -> MinistrySite:
    assert isinstance(server.site, MinistrySite)
    return server.site


def test_a_published_release_is_listed_first_and_an_edit_changes_its_reading(ministry: SiteServer) -> None:
    settings = listing(ministry)
    path = mutate(ministry, "publish", title="Korea and U.S. sign KORUS rules of origin amendment",
                  paragraphs=["The two sides signed the amendment in Washington."], published="2026-11-05").json()
    first = list_page(settings).items[0]
    assert first.title == "Korea and U.S. sign KORUS rules of origin amendment" and first.url.startswith(
        ministry.url(path["result"]))
    read = read_item_page(first.url, *fetch(first.url), settings, first)
    assert read.body_text == "The two sides signed the amendment in Washington."
    mutate(ministry, "edit", path=path["result"], old="Washington", new="Seoul")
    again = read_item_page(first.url, *fetch(first.url), settings, first)
    assert again.body_text == "The two sides signed the amendment in Seoul."
    assert again.content_hash() != read.content_hash()


def test_a_change_of_chrome_only_changes_no_reading_of_the_board(ministry: SiteServer) -> None:
    settings = listing(ministry)
    listed = list_page(settings)
    item = listed.items[0]
    read = read_item_page(item.url, *fetch(item.url), settings, item)
    unlisted = read_item_page(item.url, *fetch(item.url), settings.model_copy(update={"body": None}))
    old_bytes = fetch(settings.url)[2]
    mutate(ministry, "change_chrome")
    assert fetch(settings.url)[2] != old_bytes  # the session ids, the menu and the counters changed
    assert list_page(settings) == listed
    assert read_item_page(item.url, *fetch(item.url), settings, item) == read
    assert read_item_page(item.url, *fetch(item.url), settings.model_copy(update={"body": None})) == unlisted


@pytest.mark.parametrize(("mode", "kind"), [
    ("no_items", "selector_matched_nothing"), ("items_without_links", "item_without_link"),
    ("script_links", "item_without_link"), ("not_html", "unsupported_type"),
])
def test_malformed_list_pages_are_read_errors(ministry: SiteServer, mode: str, kind: str) -> None:
    mutate(ministry, "set_list_mode", mode=mode)
    with pytest.raises(ReadError) as caught:
        list_page(listing(ministry))
    assert caught.value.kind == kind and ministry.url(BOARD) in caught.value.message


def test_a_next_link_off_the_host_is_dropped(ministry: SiteServer) -> None:
    mutate(ministry, "set_list_mode", mode="next_off_host")
    read = list_page(listing(ministry))
    assert read.next_url is None and read.off_host_next is not None
    assert read.off_host_next.startswith("http://other-host.invalid/")


@pytest.mark.parametrize(("style", "order"), [("written", None), ("day_first", "DMY")])
def test_the_boards_date_styles_read_the_same_dates(ministry: SiteServer, style: str, order: str | None) -> None:
    dotted = [item.date for item in list_page(listing(ministry)).items]
    mutate(ministry, "set_date_style", style=style)
    assert [item.date for item in list_page(listing(ministry, date_order=order)).items] == dotted


def test_the_control_api_refuses_unknown_mutations_and_bad_arguments(korus: SiteServer) -> None:
    assert mutate(korus, "respond", path="/", query="").status_code == 404
    assert mutate(korus, "add_document", group="appendices", title="x").status_code == 400
    assert mutate(korus, "edit_page", page="landing", old="not on the page", new="x").status_code == 400
    assert CLIENT.get(korus.url("/no-such-page")).status_code == 404


def test_python_m_testkit_sites_serves_until_stopped() -> None:
    process = subprocess.Popen([sys.executable, "-m", "testkit.sites", "--site", "ministry"], cwd=REPO,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("SITE_URL=http://127.0.0.1:")
        assert "board_list" in CLIENT.get(line.removeprefix("SITE_URL=") + BOARD).text
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
