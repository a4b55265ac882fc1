"""Feeds that catch up (issue 19, item 7): the Atom feeds paged as RFC 5005 pages a feed (rel="next" to older
entries, rel="first" and rel="self"), walked by feedparser to the end while korus-watch records new changes, and the
feed of a search. On the crawled archive of tests.web.conftest, over real HTTP, on both backends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import feedparser
import httpx
import pytest

import web.feed
from testkit.mirror.fixtures import SEED_EDIT, SEED_PATH
from tests.web.conftest import BuiltArchive, serving, web_app

OLD_WORD, NEW_WORD = SEED_EDIT


@pytest.fixture
def client(built: BuiltArchive, monkeypatch: pytest.MonkeyPatch) -> Iterator[httpx.Client]:
    """The web app with pages of one entry, so that the archive's few changes make several pages."""
    monkeypatch.setattr(web.feed, "FEED_SIZE", 1)
    with serving(web_app(built)) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def links(feed: Any) -> dict[str, str]:
    return {link.rel: link.href for link in feed.feed.links}


def fetch(client: httpx.Client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return feed


def walk(client: httpx.Client, url: str, between_pages: Callable[[int], None]) -> list[str]:
    """Every entry id from the first page to the last, following rel="next"; `between_pages` runs after each page."""
    seen: list[str] = []
    pages = 0
    while True:
        feed = fetch(client, url)
        assert links(feed)["self"] == url and "before" not in links(feed)["first"]
        seen += [entry.id for entry in feed.entries]
        pages += 1
        between_pages(pages)
        if "next" not in links(feed):
            return seen
        assert len(feed.entries) == web.feed.FEED_SIZE
        url = links(feed)["next"]


def event_ids(client: httpx.Client, **params: str) -> list[int]:
    return [item["id"] for item in client.get("/api/v1/events", params={"limit": 200, **params}).json()["items"]]


def edit_and_crawl(built: BuiltArchive, old: str, new: str) -> None:
    built.site.edit(SEED_PATH, replace=(old, new))
    built.korus_watch.run("crawl", "--full")


def test_the_events_feed_is_walked_to_its_end_each_entry_once_while_changes_arrive(
    client: httpx.Client, built: BuiltArchive
) -> None:
    before = event_ids(client)
    assert len(before) >= 3

    def a_change_arrives(page: int) -> None:
        if page <= 2:  # an edit recorded while the reader pages back
            edit_and_crawl(built, *(("Washington", "Busan") if page == 1 else ("Busan", "Washington")))

    seen = walk(client, "/feeds/events.atom", a_change_arrives)
    assert len(seen) == len(set(seen)) == len(before)
    assert sorted(int(entry.rsplit("/", 1)[1]) for entry in seen) == sorted(before)
    arrived = sorted(set(event_ids(client)) - set(before))
    assert len(arrived) == 2  # on the first page now, newest first
    first = fetch(client, "/feeds/events.atom")
    assert [entry.id.rsplit("/", 1)[1] for entry in first.entries] == [str(arrived[-1])]


def test_pages_keep_the_filters(client: httpx.Client) -> None:
    edits = event_ids(client, kind="edited")
    seen = walk(client, "/feeds/events.atom?kind=edited", lambda page: None)
    assert sorted(int(entry.rsplit("/", 1)[1]) for entry in seen) == sorted(edits)
    last = fetch(client, f"/feeds/events.atom?kind=edited&before={min(edits)}")
    assert not last.entries and "next" not in links(last)


def test_the_feed_of_a_search_has_the_changes_to_what_says_or_said_it(
    client: httpx.Client, built: BuiltArchive
) -> None:
    new_statement = next(item["id"] for item in client.get("/api/v1/events").json()["items"] if item["kind"] == "new")
    first = fetch(client, f"/feeds/search.atom?q={OLD_WORD}")
    assert first.feed.title.endswith(f"matching “{OLD_WORD}”") and links(first)["first"].startswith("/feeds/search.atom")
    matching_before = walk(client, f"/feeds/search.atom?q={OLD_WORD}", lambda page: None)
    assert matching_before and not [entry for entry in matching_before if entry.endswith(f"/event/{new_statement}")]

    def the_word_comes_back(page: int) -> None:
        if page == 1:  # the edit is undone: a change to a statement that says it again
            edit_and_crawl(built, NEW_WORD, OLD_WORD)

    seen = walk(client, f"/feeds/search.atom?q={OLD_WORD}", the_word_comes_back)
    assert len(seen) == len(set(seen)) and set(seen) == set(matching_before)
    (undone,) = fetch(client, f"/feeds/search.atom?q={OLD_WORD}").entries
    assert undone.id not in seen and f"<ins>{OLD_WORD}</ins>" in undone.content[0].value
    # Each entry is about a version that said the word, before or after the change.
    for entry_id in seen:
        event = client.get(f"/api/v1/events/{entry_id.rsplit('/', 1)[1]}").json()
        texts = [client.get(f"/api/v1/statements/{event['statement_id']}/versions/{number}").json()["body_text"]
                 for number in (event["from_version"], event["to_version"]) if number]
        assert any(OLD_WORD in text.lower() for text in texts)
    # The page of that search links its feed.
    assert 'href="/feeds/search.atom?q=' in client.get("/statements", params={"q": OLD_WORD}).text


@pytest.mark.parametrize("query", ["", "-korus", '""', "a" * 301])
def test_a_search_feed_that_cannot_be_searched_is_refused(client: httpx.Client, query: str) -> None:
    response = client.get("/feeds/search.atom", params={"q": query})
    assert response.status_code == 400 and response.json()["detail"]
    assert client.get("/feeds/search.atom").status_code == 400
