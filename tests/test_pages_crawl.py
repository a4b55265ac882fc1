"""Watched pages end to end: korus-watch processes polling the imitation of the KORUS agreement pages
(testkit.sites.korus) over HTTP into a real archive, SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.db import Database
from archive.models import ChangeEvent, CrawlError, CrawlRun, Statement, Version, VersionOrigin
from testkit.sites import KorusSite, SiteServer
from testkit.sites.korus import FINAL_TEXT, LANDING
from tests.conftest import PACE_OFF, KorusWatch
from tests.site_sources import last_run, mutate, open_problems

SOURCE = "korus-fta"


@pytest.fixture
def korus() -> Iterator[SiteServer]:
    with SiteServer(KorusSite(), etags=True) as server:
        yield server


def pages_config(tmp_path: Path, korus: SiteServer, *, selector: str | None = ".field--name-body",
                 extra_urls: tuple[str, ...] = ()) -> Path:
    urls = [korus.url(LANDING), korus.url(FINAL_TEXT), *extra_urls]
    config = tmp_path / "korus-watch.toml"
    config.write_text(
        f"[crawl]\n{PACE_OFF}timeout_seconds = 5\nretry_times = 0\n\n"
        f"[[sources.pages]]\nname = \"{SOURCE}\"\nurls = {json.dumps(urls)}\n"
        + (f"selector = \"{selector}\"\n" if selector else ""),
        encoding="utf-8",
    )
    return config


@pytest.fixture
def watch(tmp_path: Path, database_url: str, korus: SiteServer) -> KorusWatch:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KORUS_WATCH_")},
        "KORUS_WATCH_CONFIG": str(pages_config(tmp_path, korus)),
        "KORUS_WATCH_DATABASE__URL": database_url,
    }
    return KorusWatch(config=tmp_path / "korus-watch.toml", env=env)


def crawl(watch: KorusWatch, *, check: bool = True) -> str:
    result = watch.run("crawl", "--source", SOURCE, check=check)
    return result.stdout + result.stderr


def events(db: Database) -> list[tuple[str, str]]:
    with db.sessions() as session:
        rows = session.execute(select(ChangeEvent.kind, Statement.url).join(Statement).order_by(ChangeEvent.id))
        return [(kind.value, url) for kind, url in rows]


def statement_id(db: Database, url: str) -> int:
    with db.sessions() as session:
        found = session.scalar(select(Statement.id).where(Statement.url == url))
        assert found is not None, f"{url} is not archived"
        return found


def test_baseline_then_nothing_changed_costs_a_304_per_page_and_no_event(
    watch: KorusWatch, korus: SiteServer, db: Database
) -> None:
    output = crawl(watch)
    assert "(baseline) of korus-fta: new 2," in output
    assert events(db) == []
    with db.sessions() as session:
        pages = {s.url: s for s in session.scalars(select(Statement).where(Statement.source == SOURCE))}
        final_text = session.scalars(
            select(Version).where(Version.statement_id == pages[korus.url(FINAL_TEXT)].id)
        ).one()
    assert set(pages) == {korus.url(LANDING), korus.url(FINAL_TEXT)}
    assert final_text.title == "KORUS FTA Final Text"
    # Its links are part of its text, cleaned of session ids and tracking parameters; the chrome is not.
    pdf_link = korus.url("/sites/default/files/uploads/agreements/fta/korus/asset_upload_file586_12700.pdf")
    assert f"Chapter 6: Rules of Origin and Origin Procedures <{pdf_link}>" in final_text.body_text
    assert "Page last updated" not in final_text.body_text and "Careers" not in final_text.body_text

    asked = len(korus.requests)
    output = crawl(watch)
    assert "unchanged 2, requests 3, 304s 2, errors 0" in output  # robots.txt, and the two pages answered 304
    assert len(korus.requests) - asked == 3
    assert events(db) == []

    # A page whose chrome changed (menu, footer, "last updated", link parameters) is fetched again but not edited.
    mutate(korus, "change_chrome")
    output = crawl(watch)
    assert "unchanged 2, requests 3, 304s 0, errors 0" in output
    assert events(db) == []


def test_a_text_edit_and_a_new_chapter_link_are_edits_with_their_word_diffs(
    watch: KorusWatch, korus: SiteServer, db: Database
) -> None:
    crawl(watch)
    mutate(korus, "edit_page", page="landing", old="at least once a year", new="at least twice a year")
    new_pdf = mutate(korus, "add_document", group="chapters", title="Chapter 25: Digital Trade")
    output = crawl(watch)
    assert "new 0, edited 2, removed 0" in output
    assert sorted(events(db)) == [("edited", korus.url(LANDING)), ("edited", korus.url(FINAL_TEXT))]

    landing_diff = json.loads(watch.run("diff", str(statement_id(db, korus.url(LANDING))), "--json").stdout)
    changed = [(s["op"], s["text"].strip()) for s in landing_diff["body_segments"] if s["op"] != "equal"]
    assert changed == [("delete", "once"), ("insert", "twice")]
    final_diff = json.loads(watch.run("diff", str(statement_id(db, korus.url(FINAL_TEXT))), "--json").stdout)
    changed = [(s["op"], s["text"].strip()) for s in final_diff["body_segments"] if s["op"] != "equal"]
    assert changed == [("insert", f"Chapter 25: Digital Trade <{korus.url(str(new_pdf))}>")]


def test_a_watched_pdf_is_read_by_its_text_and_its_edit_is_an_edit(
    tmp_path: Path, watch: KorusWatch, korus: SiteServer, db: Database
) -> None:
    pdf = "/sites/default/files/uploads/agreements/fta/korus/asset_upload_file586_12700.pdf"
    pages_config(tmp_path, korus, extra_urls=(korus.url(pdf),))
    crawl(watch)
    with db.sessions() as session:
        statement = session.scalars(select(Statement).where(Statement.url == korus.url(pdf))).one()
        assert statement.title == "Chapter 6: Rules of Origin and Origin Procedures"
        assert statement.fields == {"format": "pdf", "pages": 1}
    mutate(korus, "edit_document", path=pdf, old="confidential information", new="business information")
    output = crawl(watch)
    assert "edited 1," in output
    assert events(db) == [("edited", korus.url(pdf))]
    diff = watch.run("diff", str(statement_id(db, korus.url(pdf)))).stdout.replace("\n", " ")
    assert "[-confidential-]{+business+} information" in diff


def test_a_url_added_to_the_source_is_watched_from_then_on_not_announced(
    tmp_path: Path, watch: KorusWatch, korus: SiteServer, db: Database
) -> None:
    crawl(watch)
    pdf = korus.url("/sites/default/files/uploads/agreements/fta/korus/asset_upload_file581_12700.pdf")
    pages_config(tmp_path, korus, extra_urls=(pdf,))
    output = crawl(watch)
    assert "new 1, edited 0" in output and events(db) == []
    assert statement_id(db, pdf)


def test_a_watched_url_that_was_never_there_is_a_health_problem(
    tmp_path: Path, watch: KorusWatch, korus: SiteServer, db: Database
) -> None:
    mistyped = korus.url(LANDING + "-typo")
    pages_config(tmp_path, korus, extra_urls=(mistyped,))
    result = watch.run("crawl", "--source", SOURCE, check=False)
    assert result.returncode != 0 and "new 2," in result.stdout
    assert open_problems(db) == [("page_unreadable", SOURCE, f"{mistyped} answered HTTP 404: the watched page is not "
                                                             "there (is its URL right?)")]


def test_a_page_gone_is_removed_only_after_two_checks(
    tmp_path: Path, watch: KorusWatch, korus: SiteServer, db: Database
) -> None:
    pdf = "/sites/default/files/uploads/agreements/fta/korus/asset_upload_file605_12700.pdf"
    pages_config(tmp_path, korus, extra_urls=(korus.url(pdf),))
    crawl(watch)
    mutate(korus, "remove_document", path=pdf)
    crawl(watch)
    assert [kind for kind, _ in events(db)] == ["edited"]  # the final-text page lost the link: that is an edit
    crawl(watch)
    assert events(db)[1:] == [("removed", korus.url(pdf))]


def test_a_redesign_the_selector_misses_is_a_health_problem_and_no_edit(
    tmp_path: Path, watch: KorusWatch, korus: SiteServer, db: Database
) -> None:
    crawl(watch)
    mutate(korus, "redesign")  # the text moves out of .field--name-body
    result = watch.run("crawl", "--source", SOURCE, check=False)
    assert result.returncode != 0
    assert events(db) == []
    (problem,) = open_problems(db)
    assert problem[:2] == ("page_unreadable", SOURCE)
    assert "selector '.field--name-body' matched nothing" in problem[2] and "(and 1 more pages)" in problem[2]
    with db.sessions() as session:
        errors = session.scalars(select(CrawlError).where(CrawlError.crawl_run_id == last_run(db).id)).all()
    assert sorted((e.kind, e.url) for e in errors) == [
        ("selector_matched_nothing", korus.url(LANDING)), ("selector_matched_nothing", korus.url(FINAL_TEXT)),
    ]
    assert watch.run("status", check=False).returncode == 4

    pages_config(tmp_path, korus, selector=".text-content")  # mended: the same text, read from its new place
    crawl(watch)
    assert open_problems(db) == [] and events(db) == []
    assert last_run(db).unchanged == 2


def test_a_dead_server_is_unreachable_and_changes_nothing(
    watch: KorusWatch, korus: SiteServer, db: Database
) -> None:
    crawl(watch)
    korus.stop()
    result = watch.run("crawl", "--source", SOURCE, check=False)
    assert result.returncode != 0
    run = last_run(db)
    assert run.status.value == "failed" and run.errors == 2
    assert [p[:2] for p in open_problems(db)] == [("unreachable", SOURCE)]
    assert events(db) == []
    with db.sessions() as session:
        assert {s.status.value for s in session.scalars(select(Statement))} == {"active"}


def test_pages_on_a_dead_site_are_errors_of_their_own_and_the_other_sites_pages_are_read(
    tmp_path: Path, watch: KorusWatch, korus: SiteServer, db: Database
) -> None:
    with SiteServer(KorusSite(), etags=True) as other:
        pages_config(tmp_path, korus, extra_urls=(other.url(LANDING),))
        crawl(watch)
    # The other site is gone: its page cannot be fetched; the first site's answer as before.
    result = watch.run("crawl", "--source", SOURCE, check=False)
    run = last_run(db)
    assert (run.unchanged, run.not_modified, run.errors) == (2, 2, 1)
    assert [kind for kind, _ in _errors(db, run)] == ["connection_refused"]
    assert open_problems(db) == [] and events(db) == [] and result.returncode == 0


def _errors(db: Database, run: CrawlRun) -> list[tuple[str, str]]:
    with db.sessions() as session:
        return [(e.kind, e.url) for e in session.scalars(select(CrawlError).where(CrawlError.crawl_run_id == run.id))]


def test_a_new_selector_rereads_the_stored_pages_before_the_poll_and_records_no_events(
    tmp_path: Path, watch: KorusWatch, korus: SiteServer, db: Database
) -> None:
    crawl(watch)
    pages_config(tmp_path, korus, selector=".field--name-body p")  # the prose alone: the final text's lists go
    output = crawl(watch)
    assert "re-reading korus-fta before its poll" in output and "1 readings differ, 1 versions recorded" in output
    assert "edited 0," in output and events(db) == []
    with db.sessions() as session:
        reread = session.scalars(select(Version).where(Version.origin == VersionOrigin.REEXTRACTION)).one()
        assert reread.statement_id == statement_id(db, korus.url(FINAL_TEXT))
        assert "Chapter 1" not in reread.body_text and reread.snapshot_id is not None
    # Read with the source's reading already: nothing to re-read.
    result = watch.run("reextract", "--source", SOURCE)
    assert "2 items read, 0 readings differ, 0 versions recorded" in result.stdout
    assert events(db) == []
