"""Bad pages and misbehaving servers: a clear error on the run, never a crash, never a lost statement."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import date

from sqlalchemy import func, select

from archive.db import Database
from archive.models import CrawlError, CrawlRun, Statement, StatementStatus, TopicRelevance, Version
from testkit.mirror import MirrorServer, MirrorSite
from testkit.mirror.fixtures import (
    IPEF_PATH,
    KOREAN_TEXT_PATH,
    NORTH_KOREA_PATH,
    SEED_PATH,
)
from tests.conftest import KorusWatch
from tests.test_crawl import archived, baseline, events, last_run

_OFFICE = "/about-us/policy-offices/press-office"


def errors_by_url(db: Database, base_url: str) -> dict[str, tuple[str, str]]:
    with db.sessions() as session:
        return {
            e.url.removeprefix(base_url): (e.kind, e.message)
            for e in session.scalars(select(CrawlError).where(CrawlError.crawl_run_id == last_run(db).id))
        }


def test_bad_pages_are_recorded_and_known_statements_survive(
    korus_watch: KorusWatch, site: MirrorSite, db: Database, mirror: MirrorServer
) -> None:
    baseline(korus_watch, site, db)
    known = [s for s in site.statements if s.section == "speeches-and-remarks"][:5]
    huge, loop, off_host, hanging, garbage = (s.path for s in known)
    site.set_raw(huge, b"<html><body>" + b"<p>padding</p>" * 40_000 + b"</body></html>")
    site.redirect(loop, f"{_OFFICE}/loop-b")
    site.redirect(f"{_OFFICE}/loop-b", loop)
    site.redirect(off_host, "http://example.invalid/elsewhere")
    site.hang(hanging, 4)
    site.set_raw(garbage, b"\x00\xff\xfe binary \x89PNG", "application/octet-stream")

    today = date.today()
    malformed = site.new_statement(title="Malformed KORUS page", paragraphs=["x"], published=today)
    site.set_raw(malformed.path, (
        "<html><head><title>t</title><body><h1 class='pageTitle'>USTR Statement on KORUS <b>talks</h1>"
        "<div class='field field-name-body'><div class='field-items'><div class='field-item even'>"
        "<p>11/02/2026<p>Washington, DC – The KORUS FTA <i>Joint Committee met.<p>###"
    ).encode())
    latin = site.new_statement(title="Latin-1 page", paragraphs=["x"], published=today)
    site.set_raw(latin.path, (
        "<html><head><meta charset='windows-1252'></head><body><h1 class='pageTitle'>Café trade talks</h1>"
        "<div class='field-name-body'><div class='field-items'><div class='field-item even'>"
        "<p>11/02/2026</p><p>Délégation “KORUS” € met.</p></div></div></div></body></html>"
    ).encode("cp1252"), "text/html")
    undated = site.new_statement(title="Undated statement", paragraphs=["x"], published=today)
    site.set_raw(undated.path, (
        b"<html><body><h1 class='pageTitle'>Undated statement</h1><div class='field-name-body'>"
        b"<div class='field-items'><div class='field-item even'><p>Washington, DC \xff\xfe -- text.</p>"
        b"</div></div></div></body></html>"
    ))

    korus_watch.env.update(KORUS_WATCH_CRAWL__TIMEOUT_SECONDS="1.5", KORUS_WATCH_CRAWL__MAX_PAGE_BYTES="262144")
    result = korus_watch.run("crawl", "--full")
    assert "errors 6" in result.stdout, result.stderr

    errors = errors_by_url(db, mirror.base_url)
    assert errors[huge][0] == "download_too_large"
    assert errors[loop][0] == "redirect_loop"
    assert errors[off_host] == ("off_host_redirect", "redirect to another host not followed: http://example.invalid/elsewhere")
    assert errors[hanging][0] == "timeout"
    assert errors[garbage][0] == "not_html"
    assert errors[undated.href if undated.href in errors else undated.path][0] == "missing_date"
    for path in (huge, loop, off_host, hanging, garbage):
        statement = archived(db, site.statement(path))
        assert statement.status == StatementStatus.ACTIVE and statement.missing_checks == 0
    assert sorted(url.removeprefix(mirror.base_url) for kind, url in events(db)) == sorted(
        s.href for s in (malformed, latin, undated)
    )

    with db.sessions() as session:
        def latest(path: str) -> Version:
            return session.scalars(select(Version).where(Version.statement_id == archived(db, site.statement(path)).id)
                                   .order_by(Version.number.desc()).limit(1)).one()

        assert latest(malformed.path).title == "USTR Statement on KORUS talks"
        assert latest(malformed.path).body_text.startswith("Washington, DC – The KORUS FTA Joint Committee met.")
        assert latest(latin.path).title == "Café trade talks"
        assert "Délégation “KORUS” € met." in latest(latin.path).body_text
        assert latest(undated.path).published_on is None
        assert "\ufffd" in latest(undated.path).body_text  # undecodable bytes are replaced, not fatal


def test_relevance_is_stored_with_reasons(korus_watch: KorusWatch, site: MirrorSite, db: Database) -> None:
    korus_watch.run("crawl")
    with db.sessions() as session:
        def korus(path: str) -> TopicRelevance:
            statement = archived(db, site.statement(path))
            return session.scalars(
                select(TopicRelevance).join(Version)
                .where(Version.statement_id == statement.id, TopicRelevance.topic == "korus")
            ).one()

        assert korus(SEED_PATH).relevant and korus(SEED_PATH).score >= 3
        assert korus(KOREAN_TEXT_PATH).relevant
        assert not korus(NORTH_KOREA_PATH).relevant and korus(NORTH_KOREA_PATH).matched_terms == []
        assert not korus(IPEF_PATH).relevant


def test_dead_server_fails_the_run_and_removes_nothing(korus_watch: KorusWatch, site: MirrorSite, db: Database,
                                                      mirror: MirrorServer) -> None:
    baseline(korus_watch, site, db)
    mirror.stop()  # connections are now refused
    for _ in range(2):
        result = korus_watch.run("crawl", "--full", check=False)
        assert result.returncode == 1, result.stdout
    assert events(db) == []
    status = json.loads(korus_watch.run("status", "--json", check=False).stdout)
    assert [p["kind"] for p in status["health_problems"]] == ["unreachable"]
    assert status["statements"] == {"active": len(site.statements), "removed": 0}
    assert {kind for _, (kind, _) in errors_by_url(db, mirror.base_url).items()} == {"connection_refused"}


def test_killed_crawl_loses_nothing_and_the_next_run_finishes_the_baseline(
    korus_watch: KorusWatch, site: MirrorSite, db: Database
) -> None:
    stuck = site.statements[-1]
    site.hang(stuck.path, 60)
    crawl = subprocess.Popen([sys.executable, "-m", "korus_watch", "crawl"], cwd=korus_watch.config.parent,
                             env=korus_watch.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with db.sessions() as session:
                if (session.scalar(select(func.count(Statement.id))) or 0) >= len(site.statements) // 2:
                    break
            time.sleep(0.2)
        else:
            raise AssertionError("the crawl stored nothing within a minute")
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=10)
    finally:
        crawl.kill()
    site.clear_override(stuck.path)

    korus_watch.run("crawl")
    with db.sessions() as session:
        runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
        assert [(r.status.value, r.baseline) for r in runs] == [("interrupted", True), ("succeeded", True)]
        assert session.scalar(select(func.count(Statement.id))) == len(site.statements)
        assert all(len(s.versions) == 1 for s in session.scalars(select(Statement)))
    assert events(db) == []


def any_run(db: Database) -> bool:
    with db.sessions() as session:
        return session.scalars(select(CrawlRun.id).limit(1)).first() is not None


def test_a_second_crawl_of_the_same_archive_is_refused(korus_watch: KorusWatch, site: MirrorSite, db: Database) -> None:
    # The first crawl waits out a 15 s answer, time enough for a second process to start on a busy machine (new
    # statements are read first, so the hung page comes early in the crawl and a timeout would end it soon after).
    site.hang(site.statements[-1].path, 15, times=1)
    first = subprocess.Popen([sys.executable, "-m", "korus_watch", "crawl"],
                             env={**korus_watch.env, "KORUS_WATCH_CRAWL__TIMEOUT_SECONDS": "30"},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not any_run(db) and time.monotonic() < deadline:
            time.sleep(0.1)
        second = korus_watch.run("crawl", check=False)
        assert second.returncode == 1
        assert "another crawl" in second.stderr and "is running" in second.stderr
        stdout, _ = first.communicate(timeout=60)
    finally:
        first.kill()
    assert first.returncode == 0 and "(baseline)" in stdout
    with db.sessions() as session:
        assert [r.status.value for r in session.scalars(select(CrawlRun))] == ["succeeded"]
