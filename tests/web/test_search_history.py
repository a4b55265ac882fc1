"""Search through history and the search box's language (issue 19, item 6), and excerpts and snippets that keep
whole words and their spaces (item 5): on the crawled archive, over real HTTP, through the CLI, on both backends."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import feedparser
import httpx
import pytest

from archive.read.query import SearchQuery
from testkit.mirror.fixtures import SEED_EDIT
from tests.web.conftest import BuiltArchive

OLD_WORD, NEW_WORD = SEED_EDIT


@pytest.fixture(scope="module")
def client(web_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=web_url, timeout=30) as client:
        yield client


def api_search(client: httpx.Client, query: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/statements", params={"q": query, "limit": 200, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def text_of(pieces: list[dict[str, Any]]) -> str:
    return "".join(piece["text"] for piece in pieces)


def version_text(client: httpx.Client, statement_id: int, number: int) -> str:
    version = client.get(f"/api/v1/statements/{statement_id}/versions/{number}").json()
    return f"{version['title']}\n\n{version['body_text']}"


def words(text: str) -> str:
    return " ".join(text.split())


def whole_words_of(fragment: str, text: str) -> bool:
    """Whether `fragment` is in `text` and starts and ends where words do."""
    return re.search(rf"(?<!\w){re.escape(words(fragment))}(?!\w)", words(text)) is not None


def test_the_language_of_the_search_box() -> None:
    assert SearchQuery.parse("launched OR initiated").groups == (("launched", "initiated"),)
    korus = SearchQuery.parse('korus -steel -"free trade"')
    assert (korus.groups, korus.excluded) == ((("korus",),), ("steel", "free trade"))
    assert SearchQuery.parse("a b OR c d").groups == (("a",), ("b", "c"), ("d",))
    # A dash inside a word, a lone dash, a lowercase or dangling OR: text, as before.
    assert SearchQuery.parse("U.S.-Korea - trade").groups == (("U",), ("S",), ("Korea",), ("trade",))
    assert SearchQuery.parse("OR korus or").groups == (("korus",), ("or",))
    assert SearchQuery.parse('"launched OR -initiated"').groups == (("launched OR initiated",),)


def test_a_statement_is_found_by_what_it_once_said_with_that_version_shown_and_linked(
    client: httpx.Client, built: BuiltArchive
) -> None:
    seed = built.statement_id(built.edited)
    (once,) = [hit for hit in api_search(client, OLD_WORD) if hit["id"] == seed]
    assert once["matched_version"] == 1 and once["matched_past"] is True
    assert OLD_WORD in [piece["text"].lower() for piece in once["snippet"] if piece["hit"]]
    assert OLD_WORD not in version_text(client, seed, 2)  # the statement no longer says it
    (now,) = [hit for hit in api_search(client, NEW_WORD) if hit["id"] == seed]
    assert now["matched_version"] == 2 and now["matched_past"] is False
    # Sorted by date too, and on the page: the past version named and linked.
    assert seed in [hit["id"] for hit in api_search(client, OLD_WORD, sort="date")]
    page = client.get("/statements", params={"q": OLD_WORD}).text
    assert f'href="/statements/{seed}/versions/1">version 1</a>' in page
    assert f'href="/statements/{seed}/versions/' not in client.get("/statements", params={"q": NEW_WORD}).text


def test_or_matches_either_and_a_dash_leaves_out(client: httpx.Client, built: BuiltArchive) -> None:
    old, new = ({hit["id"] for hit in api_search(client, word)} for word in SEED_EDIT)
    either = api_search(client, f"{OLD_WORD} OR {NEW_WORD}")
    assert {hit["id"] for hit in either} == old | new
    seed = built.statement_id(built.edited)
    assert [hit["matched_past"] for hit in either if hit["id"] == seed] == [False]  # it says one of them now
    korus, steel = ({hit["id"] for hit in api_search(client, query)} for query in ("korus", "korus steel"))
    without_steel = api_search(client, "korus -steel")
    assert steel and {hit["id"] for hit in without_steel} == korus - steel
    for hit in without_steel:
        assert "steel" not in version_text(client, hit["id"], hit["matched_version"]).lower()


def test_a_search_that_cannot_be_searched_is_refused(client: httpx.Client) -> None:
    for path in ("/api/v1/statements", "/statements"):
        response = client.get(path, params={"q": "-korus"})
        assert response.status_code == 400 and "only leaves words out" in response.text


def test_the_cli_searches_as_the_api_does(client: httpx.Client, built: BuiltArchive) -> None:
    for query in (OLD_WORD, "korus -steel", f"{OLD_WORD} OR {NEW_WORD}"):
        cli = json.loads(built.korus_watch.run("search", query, "--limit", "200", "--json").stdout)
        assert cli == api_search(client, query)
    seed = built.statement_id(built.edited)
    listing = built.korus_watch.run("search", OLD_WORD).stdout
    (line,) = [line for line in listing.splitlines() if line.lstrip().startswith(f"{seed} ")]
    assert "v1 (past)" in line and f"[{OLD_WORD}]" in listing
    refused = built.korus_watch.run("search", "--", "-korus", check=False)  # `--`: not an option
    assert refused.returncode == 2 and "only leaves words out" in refused.stderr


def test_snippets_start_and_end_on_whole_words_with_spaced_ellipses(client: httpx.Client) -> None:
    checked = 0
    for query in ("Lighthizer", "talks", "agreement", OLD_WORD, "Korea"):
        for hit in api_search(client, query):
            snippet = text_of(hit["snippet"])
            text = version_text(client, hit["id"], hit["matched_version"])
            assert not re.search(r"…\S|\S…", snippet), snippet
            for fragment in filter(str.strip, snippet.split("…")):
                assert whole_words_of(fragment.strip(), text), (fragment, query)
                checked += 1
    assert checked > 10


def test_the_feeds_diff_excerpt_keeps_words_whole_and_apart(client: httpx.Client, built: BuiltArchive) -> None:
    feed = feedparser.parse(client.get("/feeds/events.atom").content)
    assert not feed.bozo, feed.bozo_exception
    (edited,) = [entry for entry in feed.entries if entry.title.startswith("Edited:")]
    content = edited.content[0].value
    assert f"Lighthizer <del>{OLD_WORD}</del> <ins>{NEW_WORD}</ins> talks" in content
    excerpt = content.split("</strong></p>", 1)[1]  # after the summary: the excerpt of the body
    assert "…" in excerpt, "the seed statement is long enough to be cut"
    now = html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<del>.*?</del>", "", excerpt)))
    body = version_text(client, built.statement_id(built.edited), 2)
    assert not re.search(r"…\S|\S…", now)
    for fragment in filter(str.strip, now.split("…")):
        assert whole_words_of(fragment.strip(), body), fragment
