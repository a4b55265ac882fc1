"""Full-text search over a crawled archive on both backends: ranking, snippets, triggers, backfill, hostile input."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import Session

import archive.read.searching
from archive.db import Database, downgrade
from archive.read.cursors import BadCursor
from archive.read.query import MAX_QUERY_LENGTH, MAX_TERMS, BadSearch, SearchQuery
from archive.read.schemas import StatementHit
from archive.read.statements import StatementFilters, list_statements
from testkit.mirror import MirrorSite
from testkit.mirror.fixtures import SEED_EDIT, SEED_PATH
from tests.conftest import KorusWatch
from tests.web.conftest import BuiltArchive


@pytest.fixture
def session(built: BuiltArchive) -> Iterator[Session]:
    with built.db.sessions() as session:
        yield session


def search(session: Session, text: str, limit: int = 50, **filters: Any) -> list[StatementHit]:
    return list_statements(session, StatementFilters(search=SearchQuery.parse(text), **filters), limit=limit).items


def hit_words(pieces: list | None) -> set[str]:
    return {piece.text.lower() for piece in pieces or [] if piece.hit}


def test_a_body_word_finds_its_statements_ranked_with_marked_snippets(built: BuiltArchive, session: Session) -> None:
    hits = search(session, "Lighthizer")
    assert hits, "the fixture site has statements by Ambassador Lighthizer"
    expected = {s.title for s in built.site.statements if "Lighthizer" in s.title + " ".join(s.paragraphs)}
    assert {h.title for h in hits} == expected
    ranks = [h.rank for h in hits]
    assert None not in ranks and ranks == sorted(ranks)  # type: ignore[type-var]
    for hit in hits:
        assert "lighthizer" in hit_words(hit.snippet) | hit_words(hit.title_highlighted)
        assert "".join(p.text for p in hit.title_highlighted or []) == hit.title


def test_a_title_match_outranks_a_body_mention(session: Session) -> None:
    hits = search(session, "Operating Status")
    assert "Operating Status" in hits[0].title


def test_an_edit_is_searchable_at_once_and_the_old_word_finds_the_past_version(
    built: BuiltArchive, session: Session
) -> None:
    old_word, new_word = SEED_EDIT
    seed_id = built.statement_id(built.edited)
    (now,) = [h for h in search(session, new_word) if h.id == seed_id]
    assert (now.matched_version, now.matched_past) == (2, False)
    (once,) = [h for h in search(session, old_word) if h.id == seed_id]
    assert (once.matched_version, once.matched_past) == (1, True)
    assert old_word in hit_words(once.snippet)


def test_phrases_match_words_in_order_only(session: Session) -> None:
    in_order = {h.id for h in search(session, '"free trade agreement"')}
    assert in_order
    reversed_order = {h.id for h in search(session, '"agreement trade free"')}
    assert reversed_order < in_order or not reversed_order


def test_every_word_must_match(session: Session) -> None:
    korus = {h.id for h in search(session, "KORUS")}
    both = {h.id for h in search(session, "KORUS steel")}
    assert both and both < korus


def test_korean_text_is_searchable(session: Session) -> None:
    assert search(session, "한미")


@pytest.mark.parametrize(
    "query",
    [
        '"unclosed phrase korus', "korus\"", "NEAR(korus steel)", "korus AND OR NOT", "title:korus",
        "body:tariffs", "korus*", "^korus", "(korus", "korus)", "{korus}", "korus + steel", "'; DROP TABLE statements; --",
        "korus\x00steel", "k\u200borus", "KORUS 🇰🇷 FTA", "\\korus\\", "%_korus%", "a" * 200, "<script>alert(1)</script>",
        "U.S.-Korea", "korus:*", "korus & steel | tariffs", "!korus", "korus <-> steel", "@@ korus", "korus \ud800",
    ],
)
def test_any_query_is_searched_as_text(session: Session, query: str) -> None:
    hits = search(session, query)
    assert all(isinstance(h.id, int) for h in hits)


@pytest.mark.parametrize("query", ["", "   ", '"', '""', "***", '" "', "()", "-- ; :", "\x00", "\ud800", "OR"])
def test_a_query_without_words_is_refused_with_a_reason(query: str) -> None:
    with pytest.raises(BadSearch, match="no words"):
        SearchQuery.parse(query)


@pytest.mark.parametrize("query", ["-korus", '-"free trade"', "-korus -steel", "-korus OR -steel"])
def test_a_query_that_only_leaves_words_out_is_refused_with_a_reason(query: str) -> None:
    with pytest.raises(BadSearch, match="only leaves words out"):
        SearchQuery.parse(query)


def test_overlong_queries_are_refused_with_a_reason() -> None:
    with pytest.raises(BadSearch, match=f"at most {MAX_QUERY_LENGTH}"):
        SearchQuery.parse("korus " * 100)
    with pytest.raises(BadSearch, match=f"at most {MAX_TERMS}"):
        SearchQuery.parse(" ".join(f"w{n}" for n in range(MAX_TERMS + 1)))


def test_operators_and_punctuation_only_separate_words() -> None:
    assert SearchQuery.parse('NEAR(korus "free trade" title:steel*').terms == ("NEAR", "korus", "free trade", "title", "steel")


def test_filters_narrow_a_search(built: BuiltArchive, session: Session) -> None:
    everything = search(session, "korus")
    fact_sheets = search(session, "korus", section="fact-sheets")
    assert fact_sheets and {h.section for h in fact_sheets} == {"fact-sheets"} and len(fact_sheets) < len(everything)
    in_2018 = search(session, "korus", year=2018)
    assert in_2018 and all(h.published_on and h.published_on.year == 2018 for h in in_2018)
    relevant = search(session, "korea", topic="korus")
    assert relevant and all("korus" in {t.topic for t in h.topics} for h in relevant)
    assert len(relevant) < len(search(session, "korea"))
    removed_id = built.statement_id(built.removed)
    assert [h.id for h in search(session, "Indo-Pacific", status="removed")] == [removed_id]


def test_a_broad_search_ranks_its_newest_matches(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    newest = search(session, "korus", sort="date")
    monkeypatch.setattr(archive.read.searching, "CANDIDATES", 3)
    monkeypatch.setattr(archive.read.searching, "VERSION_CANDIDATES", 3)
    ranked = search(session, "korus")
    # The newest three by date, and the statements of the three most recently archived matching versions.
    assert len(newest) > 3 and {h.id for h in newest[:3]} <= {h.id for h in ranked} and len(ranked) <= 6
    ranks = [h.rank for h in ranked]
    assert None not in ranks and ranks == sorted(ranks)  # type: ignore[type-var]


def page_through(session: Session, filters: StatementFilters, limit: int) -> list[StatementHit]:
    seen: list[StatementHit] = []
    cursor = None
    while True:
        page = list_statements(session, filters, limit=limit, cursor=cursor)
        seen += page.items
        if page.next_cursor is None:
            return seen
        assert len(page.items) == limit
        cursor = page.next_cursor


def test_cursors_page_through_every_statement_once_in_order(built: BuiltArchive, session: Session) -> None:
    by_date = page_through(session, StatementFilters(), limit=4)
    assert len(by_date) == len({h.id for h in by_date}) == len(built.site.statements) + 1  # and the removed one
    keys = [(h.published_on is None, -(h.published_on.toordinal() if h.published_on else 0), -h.id) for h in by_date]
    assert keys == sorted(keys)
    all_at_once = list_statements(session, StatementFilters(search=SearchQuery.parse("korus")), limit=500).items
    by_rank = page_through(session, StatementFilters(search=SearchQuery.parse("korus")), limit=3)
    assert [h.id for h in by_rank] == [h.id for h in all_at_once]
    korus_by_date = page_through(session, StatementFilters(search=SearchQuery.parse("korus"), sort="date"), limit=3)
    assert sorted(h.id for h in korus_by_date) == sorted(h.id for h in all_at_once)


@pytest.mark.parametrize("cursor", ["garbage", "", "eyJ4IjoxfQ", "eyJvZmZzZXQiOi0xfQ", "%%%", "eyJwdWJsaXNoZWRfb24iOiJ4IiwiaWQiOjF9"])
def test_a_foreign_cursor_is_refused(session: Session, cursor: str) -> None:
    with pytest.raises(BadCursor):
        list_statements(session, StatementFilters(search=SearchQuery.parse("korus")), limit=3, cursor=cursor or "=")
    with pytest.raises(BadCursor):
        list_statements(session, StatementFilters(), limit=3, cursor=cursor or "=")


def test_the_migration_indexes_an_existing_archive_and_triggers_follow_the_crawler(
    korus_watch: KorusWatch, site: MirrorSite, database_url: str
) -> None:
    korus_watch.run("crawl")
    db = Database(database_url)
    try:
        downgrade(db.engine, "0003")
        assert "statement_search" not in inspect(db.engine).get_table_names()
        site.edit(SEED_PATH, replace=SEED_EDIT)
        korus_watch.run("crawl", "--full")  # korus-watch upgrades the archive first: the backfill
        with db.sessions() as session:
            listed = list_statements(session, StatementFilters(), limit=500).items
            assert len(listed) == len(site.statements)
            seed = [h for h in search(session, SEED_EDIT[1]) if "Korus" in h.title]
            assert len(seed) == 1 and not seed[0].matched_past
            # The version before the edit, indexed by the upgrade: found by the word it had.
            assert [h.matched_version for h in search(session, SEED_EDIT[0]) if h.id == seed[0].id] == [1]
        site.edit(SEED_PATH, title="Statement on the Conclusion of the Zanzibar Meetings")
        korus_watch.run("crawl", "--full")  # a version after the backfill: the triggers index it
        with db.sessions() as session:
            assert [h.id for h in search(session, "Zanzibar")] == [seed[0].id]
    finally:
        db.dispose()
