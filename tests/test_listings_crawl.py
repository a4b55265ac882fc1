"""Other sites' listings end to end: korus-watch processes polling the imitation of a ministry's press-release board
(testkit.sites.ministry) over HTTP into a real archive, SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.db import Database
from archive.models import ChangeEvent, CrawlError, Statement, Version, VersionOrigin
from testkit.servers.webhook import WebhookReceiver
from testkit.sites import MinistrySite, SiteServer
from testkit.sites.ministry import BOARD
from tests.conftest import PACE_OFF, KorusWatch
from tests.site_sources import last_run, mutate, open_problems

SOURCE = "motir"


@pytest.fixture
def site() -> MinistrySite:
    return MinistrySite(page_size=3)  # seven releases: three list pages


@pytest.fixture
def ministry(site: MinistrySite) -> Iterator[SiteServer]:
    with SiteServer(site, etags=True) as server:
        yield server


def listing_config(tmp_path: Path, ministry: SiteServer, receiver: WebhookReceiver, **values: object) -> None:
    settings = {"name": SOURCE, "url": ministry.url(BOARD), "item": "ul.board_list > li", "date": ".date",
                "next": "a.next", "body": ".view_content", **values}
    (tmp_path / "korus-watch.toml").write_text(
        f"[crawl]\n{PACE_OFF}timeout_seconds = 5\nretry_times = 0\n\n"
        "[[sources.listings]]\n" + "".join(f"{key} = {_toml(value)}\n" for key, value in settings.items())
        + f'\n[[channels]]\nname = "ingest"\ntype = "webhook"\nurl = "{receiver.url("/hook")}"\nmode = "instant"\n'
        "topics = []\n",
        encoding="utf-8",
    )


def _toml(value: object) -> str:
    return str(value) if isinstance(value, int) else f'"{value}"'


@pytest.fixture
def watch(tmp_path: Path, database_url: str, ministry: SiteServer, receiver: WebhookReceiver) -> KorusWatch:
    listing_config(tmp_path, ministry, receiver)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KORUS_WATCH_")},
        "KORUS_WATCH_CONFIG": str(tmp_path / "korus-watch.toml"),
        "KORUS_WATCH_DATABASE__URL": database_url,
    }
    return KorusWatch(config=tmp_path / "korus-watch.toml", env=env)


def crawl(watch: KorusWatch, *, check: bool = True) -> str:
    result = watch.run("crawl", "--source", SOURCE, check=check)
    return result.stdout + result.stderr


def asked_since(server: SiteServer, before: int) -> list[str]:
    return [path for path in server.requests[before:] if path != "/robots.txt"]


def list_pages(paths: list[str]) -> list[str]:
    return [path for path in paths if path.startswith(BOARD) and "/view" not in path]


def events(db: Database) -> list[tuple[str, str]]:
    with db.sessions() as session:
        rows = session.execute(select(ChangeEvent.kind, Statement.title).join(Statement).order_by(ChangeEvent.id))
        return [(kind.value, title) for kind, title in rows]


def run_errors(db: Database) -> list[tuple[str, str]]:
    with db.sessions() as session:
        errors = session.scalars(select(CrawlError).where(CrawlError.crawl_run_id == last_run(db).id))
        return sorted((error.kind, error.message) for error in errors)


def archived(db: Database) -> dict[str, Statement]:
    with db.sessions() as session:
        return {s.title: s for s in session.scalars(select(Statement).where(Statement.source == SOURCE))}


def test_baseline_reads_every_list_page_and_item_then_nothing_changed_costs_304s(
    watch: KorusWatch, ministry: SiteServer, site: MinistrySite, db: Database
) -> None:
    output = crawl(watch)
    assert "(baseline) of motir: new 7," in output and events(db) == []
    asked = asked_since(ministry, 0)
    assert list_pages(asked) == [BOARD, f"{BOARD}?pageIndex=2", f"{BOARD}?pageIndex=3"]
    items = archived(db)
    assert set(items) == {release.title for release in site.releases}
    newest = site.newest_first()[0]
    statement = items[newest.title]
    assert statement.url == ministry.url(f"{newest.path}?pageIndex=1")  # the session id cleaned off
    assert statement.published_on == newest.published and statement.section == "listing"
    with db.sessions() as session:
        version = session.scalars(select(Version).where(Version.statement_id == statement.id)).one()
    assert version.body_text == "\n\n".join(newest.paragraphs)  # the item page's .view_content, no chrome
    assert version.published_text == f"{newest.published:%Y.%m.%d}"

    before = len(ministry.requests)
    output = crawl(watch)
    assert "new 0, edited 0, removed 0" in output and events(db) == []
    asked = asked_since(ministry, before)
    # The first list page (a 304, answered from its stored body) names no new item: the poll reads no further, and
    # re-checks the items it names, and the rotation's due items, each answered 304.
    assert list_pages(asked) == [BOARD]
    run = last_run(db)
    assert run.not_modified == len(asked) and run.unchanged == len(asked) - 1 >= 3


def test_a_new_release_is_a_new_event_and_an_alert_and_an_edit_is_an_edit(
    watch: KorusWatch, ministry: SiteServer, receiver: WebhookReceiver, db: Database
) -> None:
    crawl(watch)
    path = mutate(ministry, "publish", title="Korea and U.S. sign KORUS rules of origin amendment",
                  paragraphs=["The two sides signed the amendment in Washington."], published="2026-11-20")
    output = crawl(watch)
    assert "new 1, edited 0" in output
    assert events(db) == [("new", "Korea and U.S. sign KORUS rules of origin amendment")]
    assert "sent 1," in watch.run("deliver").stdout
    (alert,) = receiver.requests("/hook")
    (event,) = alert.json["events"]
    assert event["kind"] == "new" and event["title"] == "Korea and U.S. sign KORUS rules of origin amendment"
    assert event["url"] == ministry.url(f"{path}?pageIndex=1")

    mutate(ministry, "edit", path=path, old="in Washington", new="in Seoul")
    output = crawl(watch)
    assert "new 0, edited 1" in output
    assert events(db)[1:] == [("edited", "Korea and U.S. sign KORUS rules of origin amendment")]
    diff = watch.run("diff", str(archived(db)["Korea and U.S. sign KORUS rules of origin amendment"].id)).stdout
    assert "in [-Washington-]{+Seoul+}." in diff


def test_a_routine_poll_reads_on_while_list_pages_name_new_items_up_to_its_pages(
    tmp_path: Path, watch: KorusWatch, ministry: SiteServer, receiver: WebhookReceiver, db: Database
) -> None:
    listing_config(tmp_path, ministry, receiver, pages=3, max_pages=20)
    crawl(watch)
    for day in range(1, 5):  # four new releases: the first list page and one of the second
        mutate(ministry, "publish", title=f"Release of November {day}", paragraphs=[f"Text of November {day}."],
               published=f"2026-11-0{day}")
    before = len(ministry.requests)
    output = crawl(watch)
    assert "new 4," in output
    # The second page named a new item, so the third was read; it named none, so no fourth.
    assert list_pages(asked_since(ministry, before)) == [BOARD, f"{BOARD}?pageIndex=2", f"{BOARD}?pageIndex=3"]
    assert sorted(title for kind, title in events(db) if kind == "new") == [f"Release of November {d}" for d in
                                                                           range(1, 5)]


def test_a_baseline_reads_max_pages_list_pages_at_most(
    tmp_path: Path, watch: KorusWatch, ministry: SiteServer, receiver: WebhookReceiver, db: Database
) -> None:
    listing_config(tmp_path, ministry, receiver, pages=1, max_pages=2)
    output = crawl(watch)
    assert "(baseline) of motir: new 6," in output
    assert list_pages(asked_since(ministry, 0)) == [BOARD, f"{BOARD}?pageIndex=2"]


@pytest.mark.parametrize(("mode", "said"), [
    ("no_items", "item selector 'ul.board_list > li' matched nothing on {url}"),
    ("items_without_links", "an item on {url} has no link matching 'a[href]'"),
    ("not_html", "{url} answered application/json, neither HTML nor PDF"),
])
def test_an_unreadable_list_page_is_a_health_problem_and_removes_nothing(
    watch: KorusWatch, ministry: SiteServer, db: Database, mode: str, said: str
) -> None:
    crawl(watch)
    mutate(ministry, "set_list_mode", mode=mode)
    result = watch.run("crawl", "--source", SOURCE, check=False)
    assert result.returncode != 0 and events(db) == []
    ((kind, source, message),) = open_problems(db)
    assert (kind, source) == ("listings_unreadable", SOURCE)
    assert said.format(url=ministry.url(BOARD)) in message
    assert {s.status.value for s in archived(db).values()} == {"active"}
    assert watch.run("status", check=False).returncode == 4

    mutate(ministry, "set_list_mode", mode="normal")
    crawl(watch)
    assert open_problems(db) == [] and events(db) == []


def test_links_off_the_listing_host_are_named_and_not_followed(
    watch: KorusWatch, ministry: SiteServer, site: MinistrySite, db: Database
) -> None:
    site.off_host = "http://169.254.169.254"  # a cloud's metadata address, link-local
    mutate(ministry, "set_list_mode", mode="item_off_host")
    crawl(watch)
    first = site.newest_first()[0]
    assert first.title not in archived(db) and len(archived(db)) == 6
    # Named, and never asked for: no connection error, no timeout.
    assert run_errors(db) == [("off_host_link", "a listed item leads off the listing's host, not followed: "
                                                f"http://169.254.169.254{first.path}?pageIndex=1")]

    site.off_host = "http://other-host.invalid"
    mutate(ministry, "set_list_mode", mode="next_off_host")
    mutate(ministry, "publish", title="Release of November 1", paragraphs=["Text."], published="2026-11-01")
    before = len(ministry.requests)
    output = crawl(watch)
    assert "errors 1" in output
    assert list_pages(asked_since(ministry, before)) == [BOARD]
    ((kind, message),) = run_errors(db)
    assert kind == "off_host_link"
    assert "next page link leads off the listing's host, not followed: http://other-host.invalid" in message


def test_a_dead_server_is_unreachable_and_changes_nothing(
    watch: KorusWatch, ministry: SiteServer, db: Database
) -> None:
    crawl(watch)
    ministry.stop()
    result = watch.run("crawl", "--source", SOURCE, check=False)
    assert result.returncode != 0
    assert [p[:2] for p in open_problems(db)] == [("unreachable", SOURCE)]
    assert events(db) == [] and {s.status.value for s in archived(db).values()} == {"active"}


def test_reextract_with_a_new_body_selector_records_versions_and_no_events(
    tmp_path: Path, watch: KorusWatch, ministry: SiteServer, receiver: WebhookReceiver, site: MinistrySite,
    db: Database,
) -> None:
    crawl(watch)
    listing_config(tmp_path, ministry, receiver, body=".view_content p:first-child")
    result = watch.run("reextract", "--source", SOURCE)
    assert "7 items read, 7 readings differ, 7 versions recorded" in result.stdout
    assert events(db) == []
    newest = site.newest_first()[0]
    with db.sessions() as session:
        reread = session.scalars(
            select(Version).where(Version.origin == VersionOrigin.REEXTRACTION, Version.title == newest.title)
        ).one()
    # The listing's title and date stay; only the text is read anew.
    assert reread.body_text == newest.paragraphs[0] and reread.published_on == newest.published
    output = crawl(watch)
    assert "edited 0," in output and events(db) == []
