"""The crawler end to end: korus-watch processes crawling the local mirror into a real archive."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date

from sqlalchemy import func, select, text

from archive.db import Database
from archive.identity import url_key
from archive.models import (
    ChangeEvent,
    CrawlError,
    CrawlRun,
    HealthProblem,
    Statement,
    StatementKey,
    StatementStatus,
    Version,
)
from testkit.mirror import MirrorServer, MirrorSite, MirrorStatement
from tests.conftest import KorusWatch

SEED_SLUG = "statement-conclusion-us-korea-korus-0"


def by_slug(site: MirrorSite, slug: str) -> MirrorStatement:
    (statement,) = [s for s in site.statements if s.slug == slug]
    return statement


def archived(db: Database, statement: MirrorStatement) -> Statement:
    with db.sessions() as session:
        found = session.scalar(
            select(Statement).where(Statement.keys.any(StatementKey.key == url_key(statement.path)))
        )
        assert found is not None, f"{statement.path} is not archived"
        return found


def events(db: Database) -> list[tuple[str, str]]:
    with db.sessions() as session:
        rows = session.execute(select(ChangeEvent.kind, Statement.url).join(Statement).order_by(ChangeEvent.id))
        return [(kind.value, url) for kind, url in rows]


def last_run(db: Database) -> CrawlRun:
    with db.sessions() as session:
        return session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).one()


def baseline(korus_watch: KorusWatch, site: MirrorSite, db: Database) -> None:
    korus_watch.run("crawl")
    with db.sessions() as session:
        assert session.scalar(select(func.count(Statement.id))) == len(site.statements)
    assert events(db) == []


def test_baseline_archives_every_statement_without_announcing_them(
    korus_watch: KorusWatch, site: MirrorSite, db: Database, mirror: MirrorServer
) -> None:
    result = korus_watch.run("crawl")
    assert "(baseline)" in result.stdout and f"new {len(site.statements)}," in result.stdout
    assert events(db) == []
    run = last_run(db)
    assert run.baseline and run.full and run.status.value == "succeeded" and run.errors == 0

    seed = archived(db, by_slug(site, SEED_SLUG))
    with db.sessions() as session:
        version = session.scalars(select(Version).where(Version.statement_id == seed.id)).one()
        korus = {r.topic: r for r in version.relevance}["korus"]
    assert seed.title == "Statement on the Conclusion of US-Korea (Korus) FTA Meetings in Seoul"
    assert seed.external_id == str(by_slug(site, SEED_SLUG).node_id)
    assert seed.section == "fact-sheets"
    assert version.published_on == by_slug(site, SEED_SLUG).published
    paragraphs = version.body_text.split("\n\n")
    assert paragraphs[0].startswith("Seoul, Korea -- Officials from the United States")
    assert "Background:" in paragraphs and "initiated" in version.body_text
    assert (
        "NOT UPDATED" not in version.body_text
        and "Office of the United States Trade Representative ·" not in version.body_text
    )
    assert "<p>" in version.body_html and "<script" not in version.body_html
    assert korus.relevant and "KORUS" in " ".join(korus.matched_terms).upper()


def test_every_statement_gets_its_title_date_and_body(korus_watch: KorusWatch, site: MirrorSite, db: Database) -> None:
    korus_watch.run("crawl")
    for expected in site.statements:
        statement = archived(db, expected)
        with db.sessions() as session:
            version = session.scalars(select(Version).where(Version.statement_id == statement.id)).one()
        assert version.title == expected.title, expected.path
        assert version.published_on == expected.published, (expected.path, version.published_text)
        paragraphs = [" ".join(p.split()) for p in expected.paragraphs]
        assert version.body_text.split("\n\n") == paragraphs + ([] if paragraphs[-1] == "###" else ["###"])
        assert statement.external_id == (str(expected.node_id) if expected.node_id is not None else None)


def test_url_variants_are_one_statement_and_reused_slugs_are_two(
    korus_watch: KorusWatch, site: MirrorSite, db: Database
) -> None:
    korus_watch.run("crawl")
    reused = [s for s in site.statements if s.slug == "opening-statement-ustr-robert"]
    assert len(reused) == 2
    assert archived(db, reused[0]).id != archived(db, reused[1]).id
    curly = [s for s in site.statements if "’" in s.slug]
    assert curly and archived(db, curly[0]).title == curly[0].title
    moved = [s for s in site.statements if s.prefix == "about"]
    assert moved, "the fixture needs a 2026 statement under /about/"
    with db.sessions() as session:
        assert session.scalar(select(func.count(Statement.id))) == len(site.statements)


def test_unchanged_poll_costs_304s(
    korus_watch: KorusWatch, site: MirrorSite, db: Database, mirror: MirrorServer
) -> None:
    baseline(korus_watch, site, db)
    mirror.clear_log()
    korus_watch.run("crawl")
    run = last_run(db)
    assert (run.new, run.edited, run.removed, run.errors) == (0, 0, 0, 0)
    assert run.not_modified > 0 and run.unchanged > 0
    served = [r for r in mirror.requests if r.path != "/robots.txt"]
    full_bodies = [r for r in served if r.status == 200]
    assert len(full_bodies) <= 2 * 3, full_bodies
    assert all(r.if_none_match for r in served if r.status == 304)
    assert events(db) == []


def test_new_statement_pushes_another_to_page_two(
    korus_watch: KorusWatch, site: MirrorSite, db: Database, mirror: MirrorServer
) -> None:
    baseline(korus_watch, site, db)
    press = [s for s in site.statements if s.section == "press-releases"]
    newest = sorted(press, key=lambda s: s.published, reverse=True)
    pushed = newest[site.page_size - 1]  # the last item of page 1 moves to page 2
    added = site.new_statement(
        title="USTR Statement on the KORUS Joint Committee Meeting",
        paragraphs=["Washington, DC – The KORUS Joint Committee met today.", "###"],
        published=max(newest[0].published, date.today()),
    )
    korus_watch.run("crawl")
    assert events(db) == [("new", mirror.base_url + added.href)]
    assert archived(db, pushed).status == StatementStatus.ACTIVE
    shown = json.loads(korus_watch.run("events", "--json", "--topic", "korus").stdout)
    assert [(e["kind"], e["title"]) for e in shown] == [("new", added.title)]


def test_one_word_edit_is_an_edited_event_with_a_word_diff(
    korus_watch: KorusWatch, site: MirrorSite, db: Database
) -> None:
    baseline(korus_watch, site, db)
    seed = by_slug(site, SEED_SLUG)
    site.edit(seed.path, replace=("initiated", "launched"))
    korus_watch.run("crawl", "--full")
    assert [kind for kind, _ in events(db)] == ["edited"]
    statement = archived(db, seed)

    diff = json.loads(korus_watch.run("diff", str(statement.id), "--json").stdout)
    changes = [(s["op"], s["text"]) for s in diff["body_segments"] if s["op"] != "equal"]
    assert changes == [("delete", "initiated"), ("insert", "launched")]
    assert not diff["title_changed"] and not diff["date_changed"]
    text = korus_watch.run("diff", str(statement.id)).stdout
    assert "[-initiated-]{+launched+}" in text
    unified = korus_watch.run("diff", str(statement.id), "--unified").stdout
    assert "-At the direction of President Trump" in unified and "+At the direction" in unified
    history = json.loads(korus_watch.run("history", str(statement.id), "--json").stdout)
    assert [v["number"] for v in history["versions"]] == [1, 2]
    assert [(e["kind"], e["from_version"], e["to_version"]) for e in history["events"]] == [("edited", 1, 2)]


def test_chrome_banner_and_markup_changes_are_not_edits(
    korus_watch: KorusWatch, site: MirrorSite, db: Database, mirror: MirrorServer
) -> None:
    baseline(korus_watch, site, db)
    site.set_chrome("USTR · a new footer, a new navigation bar")
    for statement in site.statements[:4]:
        site.set_banner(statement.path, "inside" if statement.banner != "inside" else "outside")
    mirror.clear_log()
    korus_watch.run("crawl", "--full")
    assert sum(1 for r in mirror.requests if r.status == 200) > len(site.statements) // 2  # pages really changed
    assert events(db) == []
    assert last_run(db).unchanged == len(site.statements)


def test_removal_needs_two_consecutive_misses_and_restoration_is_an_event(
    korus_watch: KorusWatch, site: MirrorSite, db: Database
) -> None:
    baseline(korus_watch, site, db)
    gone = by_slug(site, SEED_SLUG)
    site.remove(gone.path)
    korus_watch.run("crawl", "--full")
    assert events(db) == [] and archived(db, gone).missing_checks == 1
    korus_watch.run("crawl")  # a pending removal is re-checked on the next poll, full or not
    assert [kind for kind, _ in events(db)] == ["removed"]
    assert archived(db, gone).status == StatementStatus.REMOVED
    site.restore(gone.path)
    korus_watch.run("crawl")
    assert [kind for kind, _ in events(db)] == ["removed", "restored"]
    assert archived(db, gone).status == StatementStatus.ACTIVE


def test_server_errors_never_remove_anything(korus_watch: KorusWatch, site: MirrorSite, db: Database) -> None:
    baseline(korus_watch, site, db)
    flaky = by_slug(site, SEED_SLUG)
    for _ in range(3):
        site.fault(flaky.path, status=503, times=5)
        result = korus_watch.run("crawl", "--full")
        assert "errors 1" in result.stdout
    assert events(db) == []
    assert archived(db, flaky).status == StatementStatus.ACTIVE and archived(db, flaky).missing_checks == 0
    with db.sessions() as session:
        assert {e.kind for e in session.scalars(select(CrawlError))} == {"http_503"}


# A database that refuses one statement's version (a constraint of the operator's, a bad value): one write fails.
REFUSE_POISONED = {
    "sqlite": [
        "CREATE TRIGGER refuse_poisoned BEFORE INSERT ON versions WHEN NEW.title LIKE '%Poisoned%' "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_poisoned() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$",
        "CREATE TRIGGER refuse_poisoned BEFORE INSERT ON versions FOR EACH ROW "
        "WHEN (NEW.title LIKE '%Poisoned%') EXECUTE FUNCTION refuse_poisoned()",
    ],
}


def test_a_statement_the_archive_refuses_is_an_error_of_the_run_and_found_again_by_the_next_poll(
    korus_watch: KorusWatch, site: MirrorSite, db: Database, mirror: MirrorServer
) -> None:
    baseline(korus_watch, site, db)
    with db.engine.begin() as connection:
        for statement in REFUSE_POISONED[db.engine.dialect.name]:
            connection.execute(text(statement))
    newest = max(s.published for s in site.statements)
    refused = site.new_statement(title="Poisoned KORUS statement", paragraphs=["The KORUS FTA text."],
                                 published=max(newest, date.today()))
    accepted = site.new_statement(title="KORUS Joint Committee meets", paragraphs=["The KORUS FTA met."],
                                  published=max(newest, date.today()))
    result = korus_watch.run("crawl")
    assert "new 1," in result.stdout and "errors 1" in result.stdout, result.stdout
    assert "could not archive FetchedStatement" in result.stderr and "refused by the test" in result.stderr
    assert events(db) == [("new", mirror.base_url + accepted.href)]
    with db.sessions() as session:
        (error,) = session.scalars(select(CrawlError)).all()
        assert (error.kind, error.url) == ("archive_error", mirror.base_url + refused.href)
        assert "refused by the test" in error.message

    with db.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER refuse_poisoned" + (" ON versions" if db.engine.dialect.name ==
                                                                   "postgresql" else "")))
    korus_watch.run("crawl")
    assert events(db)[1:] == [("new", mirror.base_url + refused.href)]
    assert archived(db, refused).status == StatementStatus.ACTIVE


def test_transient_503_recovers_on_retry(korus_watch: KorusWatch, site: MirrorSite, db: Database) -> None:
    baseline(korus_watch, site, db)
    seed = by_slug(site, SEED_SLUG)
    site.edit(seed.path, replace=("initiated", "began"))
    site.fault(seed.path, status=503, times=1)  # retry_times = 1 in the tests' config
    result = korus_watch.run("crawl", "--full")
    assert "errors 0" in result.stdout
    assert [kind for kind, _ in events(db)] == ["edited"]


def test_redesign_records_one_health_problem_and_no_events(
    korus_watch: KorusWatch, site: MirrorSite, db: Database
) -> None:
    baseline(korus_watch, site, db)
    site.redesign()
    result = korus_watch.run("crawl", "--full", check=False)
    assert result.returncode == 1
    assert events(db) == []
    status = json.loads(korus_watch.run("status", "--json", check=False).stdout)
    assert [p["kind"] for p in status["health_problems"]] == ["redesign"]
    assert "HEALTH PROBLEM redesign" in korus_watch.run("status", check=False).stdout

    site.redesign(on=False)
    korus_watch.run("crawl", "--full")
    assert events(db) == []
    assert json.loads(korus_watch.run("status", "--json").stdout)["health_problems"] == []
    with db.sessions() as session:
        assert session.scalars(select(HealthProblem)).one().resolved_at is not None


def test_implausible_mass_edit_is_held_back(korus_watch: KorusWatch, site: MirrorSite, db: Database) -> None:
    baseline(korus_watch, site, db)
    for statement in site.statements:
        site.edit(statement.path, paragraphs=[*statement.paragraphs, "Share this page on social media."])
    result = korus_watch.run("crawl", "--full", check=False)
    assert result.returncode == 1 and "changed at once" in result.stderr
    assert events(db) == []
    status = json.loads(korus_watch.run("status", "--json", check=False).stdout)
    assert [p["kind"] for p in status["health_problems"]] == ["mass_change"]


def test_rotation_rechecks_every_statement_within_the_window(
    korus_watch: KorusWatch, site: MirrorSite, db: Database, mirror: MirrorServer
) -> None:
    baseline(korus_watch, site, db)
    # Polls every 15 minutes and a one-hour window: four polls must re-check everything, spread out.
    korus_watch.env.update(KORUS_WATCH_CRAWL__INTERVAL_MINUTES="15", KORUS_WATCH_CRAWL__FULL_REVISIT_HOURS="1")
    requested: Counter[str] = Counter()
    per_poll = []
    for _ in range(4):
        mirror.clear_log()
        korus_watch.run("crawl")
        paths = {r.path for r in mirror.requests}
        per_poll.append(sum(1 for s in site.statements if s.path in paths))
        requested.update(paths)
    missed = [s.path for s in site.statements if s.path not in requested]
    assert missed == []
    assert max(per_poll) < len(site.statements)


def test_cli_listings(korus_watch: KorusWatch, site: MirrorSite, db: Database) -> None:
    baseline(korus_watch, site, db)
    korus = json.loads(korus_watch.run("statements", "--topic", "korus", "--json").stdout)
    seed = by_slug(site, SEED_SLUG)
    assert seed.title in [row["title"] for row in korus]
    assert all("korus" in [match["topic"] for match in row["topics"]] for row in korus)
    everything = json.loads(korus_watch.run("statements", "--json").stdout)
    assert len(everything) == len(site.statements) > len(korus)
    dates = [row["published_on"] for row in everything if row["published_on"]]
    assert dates == sorted(dates, reverse=True)
    recent = json.loads(korus_watch.run("statements", "--since", "2026-01-01", "--json").stdout)
    assert recent and all(row["published_on"] >= "2026-01-01" for row in recent)

    shown = json.loads(korus_watch.run("show", seed.path, "--json").stdout)
    relevance = {score["topic"]: score for score in shown["current"]["relevance"]}
    assert shown["title"] == seed.title and relevance["korus"]["relevant"]
    assert korus_watch.run("show", "999999", check=False).returncode != 0
    status = json.loads(korus_watch.run("status", "--json").stdout)
    assert status["statements"]["active"] == len(site.statements) and status["health_problems"] == []
    assert re.search(r"^last successful crawl: \d{4}-\d\d-\d\d \d\d:\d\d UTC$", korus_watch.run("status").stdout, re.M)
    help_text = korus_watch.run("--help").stdout
    for command in ("crawl", "statements", "show", "history", "diff", "events", "status"):
        assert command in help_text


def test_configured_sections_robots_txt_and_user_agent(
    korus_watch: KorusWatch, site: MirrorSite, db: Database, mirror: MirrorServer
) -> None:
    robots = "User-agent: *\nDisallow: /about-us/policy-offices/press-office/fact-sheets\n"
    site.set_raw("/robots.txt", robots.encode(), "text/plain")
    korus_watch.env.update(
        KORUS_WATCH_CRAWL__SECTIONS='["press-releases", "fact-sheets"]',
        KORUS_WATCH_CRAWL__USER_AGENT="korus-watch-test (+https://example.org/contact)",
    )
    korus_watch.run("crawl")
    with db.sessions() as session:
        sections = set(session.scalars(select(Statement.section)))
        errors = session.scalars(select(CrawlError)).all()
    assert sections == {"press-releases"}
    assert [(e.kind, e.url) for e in errors] == [
        ("robots_forbidden", mirror.base_url + "/about-us/policy-offices/press-office/fact-sheets")
    ]
    assert not any("fact-sheets" in r.path or "speeches" in r.path for r in mirror.requests)
    assert {r.user_agent for r in mirror.requests} == {"korus-watch-test (+https://example.org/contact)"}


def test_a_statement_moved_to_a_new_url_is_not_removed(korus_watch: KorusWatch, site: MirrorSite, db: Database) -> None:
    baseline(korus_watch, site, db)
    seed = by_slug(site, SEED_SLUG)
    moved = site.move(seed.path, "statement-conclusion-us-korea-korus-seoul")
    for _ in range(3):
        korus_watch.run("crawl", "--full")
    assert events(db) == []
    statement = archived(db, moved)
    assert statement.status == StatementStatus.ACTIVE and statement.url.endswith(moved.href)


def test_a_new_node_at_a_known_url_is_a_new_statement(
    korus_watch: KorusWatch, site: MirrorSite, db: Database, mirror: MirrorServer
) -> None:
    baseline(korus_watch, site, db)
    seed = by_slug(site, SEED_SLUG)
    site.replace_node(
        seed.path,
        title="A different statement at the same path",
        paragraphs=["Washington, DC – Something else entirely.", "###"],
    )
    korus_watch.run("crawl", "--full")
    assert sorted(kind for kind, _ in events(db)) == ["new", "removed"]
    assert archived(db, seed).title == "A different statement at the same path"
    assert last_run(db).errors == 0


def test_unreadable_landings_fail_the_run_and_keep_the_next_one_a_baseline(
    korus_watch: KorusWatch, site: MirrorSite, db: Database
) -> None:
    maintenance = b"<html><body><h1>Down for maintenance</h1></body></html>"
    landings = [
        f"/about-us/policy-offices/press-office/{s}" for s in ("press-releases", "fact-sheets", "speeches-and-remarks")
    ]
    for path in landings:
        site.set_raw(path, maintenance)
    result = korus_watch.run("crawl", check=False)
    assert result.returncode == 1 and "landing pages could be read" in result.stderr
    for path in landings:
        site.clear_override(path)
    korus_watch.run("crawl")
    assert last_run(db).baseline and events(db) == []


def test_a_few_unreadable_pages_among_304s_do_not_trip_the_guard(korus_watch: KorusWatch, site: MirrorSite,
                                                                 db: Database) -> None:
    baseline(korus_watch, site, db)
    seed = by_slug(site, SEED_SLUG)
    site.edit(seed.path, replace=("initiated", "launched"))
    for statement in [s for s in site.statements if s.slug != SEED_SLUG][:5]:
        site.set_raw(statement.path, b"<html><body><p>Temporarily unavailable</p></body></html>")
    result = korus_watch.run("crawl", "--full")
    assert "errors 5" in result.stdout
    assert [kind for kind, _ in events(db)] == ["edited"]
    assert json.loads(korus_watch.run("status", "--json").stdout)["health_problems"] == []
