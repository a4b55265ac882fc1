"""Faults that must lose no alert and flood none, each reproduced with real processes: killed baselines, a full
disk, the database going away under the service, and a slow failing channel."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from archive.db import Database, downgrade
from archive.models import (
    ChangeEvent,
    CrawlRun,
    EventKind,
    FirstBaseline,
    FirstBaselineListing,
    HealthProblem,
    Statement,
)
from notify.models import Delivery
from testkit.mirror import MirrorServer, MirrorSite, MirrorStatement, generated_site
from testkit.notify_support import channel_toml
from testkit.servers import Reply, WebhookReceiver
from tests import diskfull, pgcluster
from tests.conftest import PACE_OFF, KorusWatch
from tests.diskfull import TmpfsDisk
from tests.pgcluster import PostgresCluster
from tests.serving import Serve, serve_starter

small_disk = diskfull.small_disk
private_postgres = pgcluster.private_postgres

KORUS_PARAGRAPHS = ["Washington, DC – The KORUS Joint Committee met today on the U.S.-Korea Free Trade Agreement."]


def statement_count(db: Database) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count(Statement.id))) or 0


def kill_crawl_when(korus_watch: KorusWatch, condition: Callable[[], bool], what: str) -> None:
    """Starts `korus-watch crawl` and SIGKILLs it as soon as `condition` holds."""
    crawl = subprocess.Popen([sys.executable, "-m", "korus_watch", "crawl"], cwd=korus_watch.config.parent,
                             env=korus_watch.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while not condition():
            assert crawl.poll() is None, f"the crawl ended (status {crawl.returncode}) before {what}"
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.02)
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=10)
    finally:
        crawl.kill()


@pytest.fixture
def site() -> MirrorSite:
    return generated_site(240, seed=7)


def test_baselines_killed_at_several_points_leave_an_archive_that_announces_the_next_new_statement(
    korus_watch: KorusWatch, site: MirrorSite, db: Database
) -> None:
    korus_watch.config.write_text(
        korus_watch.config.read_text(encoding="utf-8") + channel_toml(name="team", type="webhook",
                                                                      url="http://127.0.0.1:9/hook"),
        encoding="utf-8",
    )
    total = len(site.statements)
    kill_crawl_when(korus_watch, lambda: statement_count(db) >= 30, "30 statements archived")
    kill_crawl_when(korus_watch, lambda: statement_count(db) >= 150, "150 statements archived")
    # The last kill comes once everything is archived: one statement page hangs, so the crawl cannot end.
    stuck = site.statements[0]
    site.hang(stuck.path, 60)
    kill_crawl_when(korus_watch, lambda: statement_count(db) >= total - 1, "every other statement archived")
    site.clear_override(stuck.path)

    finished = korus_watch.run("crawl")
    assert "succeeded (baseline)" in finished.stdout
    with db.sessions() as session:
        assert [r.status.value for r in session.scalars(select(CrawlRun).order_by(CrawlRun.id))] == [
            "interrupted", "interrupted", "interrupted", "succeeded"]
        assert session.scalar(select(func.count(ChangeEvent.id))) == 0

    site.new_statement(title="USTR Statement on the KORUS Joint Committee", paragraphs=KORUS_PARAGRAPHS,
                       published=date(2026, 12, 1))
    routine = korus_watch.run("crawl")
    assert "(baseline)" not in routine.stdout and "new 1," in routine.stdout
    with db.sessions() as session:
        (event,) = session.scalars(select(ChangeEvent)).all()
        assert event.kind == EventKind.NEW and event.statement.title == "USTR Statement on the KORUS Joint Committee"
        (delivery,) = session.scalars(select(Delivery)).all()
        assert (delivery.channel, delivery.event_id) == ("team", event.id)
    assert statement_count(db) == total + 1


def first_baseline(db: Database) -> tuple[int, bool]:
    """How many statements the first baseline's listings showed, and whether it read them all."""
    with db.sessions() as session:
        listed = session.scalar(select(func.count()).select_from(FirstBaselineListing)) or 0
        complete = session.scalar(select(FirstBaseline.listings_complete))
        return listed, bool(complete)


def new_events(db: Database) -> set[str]:
    with db.sessions() as session:
        return set(session.scalars(select(Statement.url).join(ChangeEvent).where(ChangeEvent.kind == EventKind.NEW)))


def publish_meanwhile(site: MirrorSite) -> tuple[MirrorStatement, MirrorStatement]:
    """A statement published today, and one filed into an old month folder, as USTR sometimes does."""
    return (
        site.new_statement(title="USTR Statement on the KORUS Joint Committee", paragraphs=KORUS_PARAGRAPHS),
        site.new_statement(title="KORUS Fact Sheet filed late", paragraphs=KORUS_PARAGRAPHS, section="fact-sheets",
                           published=date(2019, 5, 2)),
    )


def test_a_baseline_killed_after_its_listings_announces_what_was_published_before_it_resumed(
    korus_watch: KorusWatch, site: MirrorSite, mirror: MirrorServer, db: Database
) -> None:
    stuck = site.statements[0]
    site.hang(stuck.path, 60)  # the baseline cannot end before the kill
    kill_crawl_when(korus_watch, lambda: first_baseline(db)[1] and statement_count(db) >= 30,
                    "every listing read and 30 statements archived")
    site.clear_override(stuck.path)
    assert first_baseline(db)[0] == len(site.statements)
    published = publish_meanwhile(site)

    resumed = korus_watch.run("crawl")
    assert "succeeded (baseline)" in resumed.stdout
    # Both are news, the one filed into 2019 too: the first baseline's listings, all read, did not show them.
    assert new_events(db) == {mirror.base_url + statement.href for statement in published}
    assert statement_count(db) == len(site.statements)


def test_a_baseline_killed_while_reading_its_listings_announces_what_was_published_since_the_day_it_began(
    korus_watch: KorusWatch, site: MirrorSite, mirror: MirrorServer, db: Database
) -> None:
    listing = site.statements[0].path.rsplit("/", 1)[0]  # a month folder's listing page
    site.hang(listing, 60)
    kill_crawl_when(korus_watch, lambda: first_baseline(db)[0] > 0, "the first listings recorded")
    site.clear_override(listing)
    assert first_baseline(db)[1] is False and statement_count(db) == 0  # statements wait for the listings
    today, filed_late = publish_meanwhile(site)

    korus_watch.run("crawl")
    # Whether the listings not read showed the statement filed into 2019 is not known: dated before the day the
    # first baseline began, it is archived as the baseline's. The one dated today is news.
    assert new_events(db) == {mirror.base_url + today.href}
    assert statement_count(db) == len(site.statements)


def test_a_first_baseline_with_a_listing_page_it_cannot_read_succeeds_knowing_its_listings_incomplete(
    korus_watch: KorusWatch, site: MirrorSite, db: Database
) -> None:
    listing = site.statements[0].path.rsplit("/", 1)[0]
    site.fault(listing, status=500, times=None)
    # A phase of listing pages only, one failed: the site answered all the others, it is not unreachable.
    assert "succeeded (baseline)" in korus_watch.run("crawl").stdout
    assert first_baseline(db) == (len(site.statements), False)
    assert statement_count(db) == len(site.statements)  # the landing pages list that month's statements too


def test_a_baseline_cut_short_before_the_upgrade_goes_on_from_the_day_it_began(
    korus_watch: KorusWatch, site: MirrorSite, mirror: MirrorServer, db: Database
) -> None:
    stuck = site.statements[0]
    site.hang(stuck.path, 60)
    kill_crawl_when(korus_watch, lambda: statement_count(db) >= 30, "30 statements archived")
    site.clear_override(stuck.path)
    downgrade(db.engine, "0007")  # an archive from before migration 0011: nothing known of its listings
    today, _ = publish_meanwhile(site)

    korus_watch.run("crawl")  # korus-watch upgrades the archive first
    assert new_events(db) == {mirror.base_url + today.href}
    assert statement_count(db) == len(site.statements)


def health_deliveries(db: Database) -> list[tuple[str, bool]]:
    with db.sessions() as session:
        rows = session.execute(
            select(HealthProblem.kind, Delivery.health_resolved).join(Delivery.health_problem).order_by(Delivery.id)
        )
        return [(kind.value, resolved) for kind, resolved in rows]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # a SQLite file on a disk that fills
def test_a_full_disk_stops_the_crawl_at_once_and_floods_no_false_new_events(
    korus_watch: KorusWatch, site: MirrorSite, small_disk: TmpfsDisk
) -> None:
    database = small_disk.mountpoint / "archive.sqlite3"
    korus_watch.env["KORUS_WATCH_DATABASE__URL"] = f"sqlite:///{database}"
    # Room for what the first baseline reads first, every listing page (about 0.9 MB of them are kept, a few MB with
    # SQLite's log), but not for its statements: about 6.5 MB of text, twice that with their search index.
    small_disk.grow("6m")
    for index in range(400):
        site.new_statement(title=f"Statement on trade policy {index}", paragraphs=[f"Paragraph {index}. " * 400],
                           published=date(2025, 1 + index % 12, 1 + index % 28))
    first = korus_watch.run("crawl", check=False)
    assert first.returncode == 1
    # Stopped at the first lasting failure, said once, not page by page.
    assert first.stderr.count("level=error logger=crawler.pipelines") == 1, first.stderr
    assert "Traceback" not in first.stderr
    db = Database(f"sqlite:///{database}")
    try:
        stored = statement_count(db)
        assert 0 < stored < len(site.statements)
        # Whether the run's end still fits depends on where the disk filled (the space SQLite's log had taken): it
        # is recorded as failed with the problem, or the command says in one line that not even that could be.
        if "crawl 1 failed (baseline)" in first.stdout:
            status = korus_watch.run("status", check=False)
            assert "HEALTH PROBLEM archive_unwritable" in status.stdout and "the disk is full" in status.stdout
        else:
            assert "Error: the crawl stopped: the archive cannot be written (the disk is full" in first.stderr

        small_disk.grow("64m")
        second = korus_watch.run("crawl")
        # Still a baseline: nothing stored before the disk filled is announced as new.
        assert "succeeded (baseline)" in second.stdout
        assert statement_count(db) == len(site.statements)
        with db.sessions() as session:
            assert session.scalar(select(func.count(ChangeEvent.id))) == 0
            assert [r.status.value for r in session.scalars(select(CrawlRun).order_by(CrawlRun.id))][1:] == [
                "succeeded"]
        assert "health: ok" in korus_watch.run("status").stdout
    finally:
        db.dispose()


@pytest.fixture
def served_on_private_postgres(private_postgres: PostgresCluster, mirror: MirrorServer, receiver: WebhookReceiver,
                               tmp_path: Path) -> Iterator[Callable[[], Serve]]:
    """`serve` on a PostgreSQL cluster of the test's own, polling every 3 s, with an instant channel and an admin
    channel on the webhook receiver."""
    config = tmp_path / "korus-watch.toml"
    config.write_text(
        f"[crawl]\n{PACE_OFF}timeout_seconds = 5\nretry_times = 1\nguard_min_pages = 5\n"
        f"interval_minutes = {3 / 60}\n"
        "[service]\npoll_jitter_seconds = 0\ndelivery_sweep_seconds = 1\nleader_check_seconds = 1\n"
        "shutdown_grace_seconds = 10\n"
        "[notify]\ntimeout_seconds = 2\nbackoff_seconds = 0.5\nsite_down_alert_minutes = 0\n"
        + channel_toml(name="team", type="webhook", url=receiver.url("/team"), max_per_hour=1000)
        + channel_toml(name="admins", type="webhook", url=receiver.url("/admins"), admin=True, events=[]),
        encoding="utf-8",
    )
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("KORUS_WATCH_")},
           "KORUS_WATCH_CONFIG": str(config), "KORUS_WATCH_DATABASE__URL": private_postgres.url,
           "KORUS_WATCH_CRAWL__BASE_URL": mirror.base_url}
    yield from serve_starter(KorusWatch(config=config, env=env))


def posted(receiver: WebhookReceiver, path: str) -> list[object]:
    return [request.json for request in receiver.requests(path)]


SUCCEEDED_POLL, FAILED_POLL = re.compile(r"crawl run \d+ succeeded"), re.compile(r"poll of press-office failed \(")


def wait_for_two_more_polls(service: Serve, said: re.Pattern[str]) -> None:
    """Two more polls logged as `said`, and so the delivery pass after the first: what would be sent twice, or too
    early, has been by then."""
    def logged() -> int:
        return sum(bool(said.search(line)) for line in service.lines)

    before = logged()
    service.wait_until(lambda: logged() >= before + 2, f"two more polls ({said.pattern})", 30)


def test_serve_lives_through_a_postgresql_outage_and_resumes_without_a_restart(
    served_on_private_postgres: Callable[[], Serve], private_postgres: PostgresCluster, site: MirrorSite,
    receiver: WebhookReceiver,
) -> None:
    service = served_on_private_postgres()
    service.wait_until(lambda: "crawl run 1 succeeded" in service.log(), "the baseline poll")

    site.new_statement(title="USTR Statement on the KORUS Joint Committee", paragraphs=KORUS_PARAGRAPHS,
                       published=date(2026, 12, 1))
    private_postgres.crash()
    service.wait_until(lambda: (service.health() or (200, {}))[0] == 503, "/healthz to report the outage", 30)
    _, health = service.health() or (0, {})
    assert "database unreachable" in str(health["reason"])
    assert health["database"] == f"postgresql+psycopg://postgres@127.0.0.1:{private_postgres.port}/postgres"
    assert "korus_watch_database_up 0.0" in service.metrics()
    # The outage's length, a part of the scenario (no state of the service marks it): leader checks and delivery
    # sweeps meet the dead database meanwhile.
    time.sleep(8)
    assert service.process is not None and service.process.poll() is None, service.log()

    private_postgres.start()
    service.wait_until(lambda: posted(receiver, "/team"), "the new statement's alert after the outage", 60)
    service.wait_until(lambda: (service.health() or (0, {}))[0] == 200, "/healthz to recover", 30)
    wait_for_two_more_polls(service, SUCCEEDED_POLL)
    (alert,) = posted(receiver, "/team")
    assert "KORUS Joint Committee" in json.dumps(alert)
    outage_lines = [line for line in service.lines if "database unreachable" in line]
    assert len(outage_lines) == 1, outage_lines
    assert sum("answers again" in line for line in service.lines) == 1
    assert service.stop() == 0


def test_a_baseline_cut_short_by_a_database_outage_announces_what_was_published_during_it(
    served_on_private_postgres: Callable[[], Serve], private_postgres: PostgresCluster, site: MirrorSite,
    mirror: MirrorServer, receiver: WebhookReceiver,
) -> None:
    stuck = site.statements[0]
    site.hang(stuck.path, 60)  # the baseline cannot end before the outage
    archive = Database(private_postgres.url)
    service = served_on_private_postgres()
    service.wait_until(lambda: first_baseline(archive)[1] and statement_count(archive) >= 30,
                       "every listing read and 30 statements archived")
    archive.dispose()
    private_postgres.crash()
    service.wait_until(lambda: (service.health() or (200, {}))[0] == 503, "/healthz to report the outage", 30)
    published = publish_meanwhile(site)
    site.clear_override(stuck.path)

    private_postgres.start()
    service.wait_until(lambda: len(posted(receiver, "/team")) >= 2, "the alerts of what was published meanwhile", 90)
    archive = Database(private_postgres.url)
    try:
        service.wait_until(lambda: statement_count(archive) == len(site.statements), "the baseline to go on", 30)
        assert new_events(archive) == {mirror.base_url + statement.href for statement in published}
        with archive.sessions() as session:
            # Announced by the baseline that went on after the one the outage cut short (recorded as failed, or as
            # interrupted when the service could not record its end).
            first, resumed = session.scalars(select(CrawlRun).order_by(CrawlRun.id).limit(2)).all()
            assert first.baseline and first.status.value in ("failed", "interrupted")
            assert resumed.baseline and {e.crawl_run_id for e in session.scalars(select(ChangeEvent))} == {resumed.id}
    finally:
        archive.dispose()
    alerts = json.dumps(posted(receiver, "/team"))
    assert "KORUS Joint Committee" in alerts and "KORUS Fact Sheet filed late" in alerts
    assert len(posted(receiver, "/team")) == 2
    assert service.stop() == 0


def test_a_read_only_database_is_one_admin_alert_and_a_recovery_once_it_takes_writes(
    served_on_private_postgres: Callable[[], Serve], private_postgres: PostgresCluster, site: MirrorSite,
    receiver: WebhookReceiver,
) -> None:
    service = served_on_private_postgres()
    service.wait_until(lambda: "crawl run 1 succeeded" in service.log(), "the baseline poll")

    set_read_only(private_postgres, True)
    site.new_statement(title="USTR Statement on the KORUS Joint Committee", paragraphs=KORUS_PARAGRAPHS,
                       published=date(2026, 12, 1))
    service.wait_until(lambda: "refuses writes" in str((service.health() or (0, {"reason": ""}))[1]["reason"]),
                       "/healthz to report the refused writes", 30)
    assert service.health()[0] == 503  # type: ignore[index]
    wait_for_two_more_polls(service, FAILED_POLL)
    assert posted(receiver, "/team") == []

    set_read_only(private_postgres, False)
    service.wait_until(lambda: len(posted(receiver, "/admins")) >= 2, "the problem's alert and its recovery", 60)
    service.wait_until(lambda: posted(receiver, "/team"), "the new statement's alert", 30)
    wait_for_two_more_polls(service, SUCCEEDED_POLL)
    admins = [json.dumps(body) for body in posted(receiver, "/admins")]
    assert len(admins) == 2 and all("archive_unwritable" in body for body in admins), admins
    assert len(posted(receiver, "/team")) == 1
    assert service.stop() == 0


def set_read_only(cluster: PostgresCluster, read_only: bool) -> None:
    """The whole database refuses (or takes) writes from now on, for sessions open and new."""
    with psycopg.connect(cluster.url, autocommit=True) as admin:
        admin.execute("SET default_transaction_read_only = off")
        admin.execute(f"ALTER DATABASE postgres SET default_transaction_read_only = {'on' if read_only else 'off'}")
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE pid <> pg_backend_pid() AND datname = 'postgres'")


def test_slow_failing_webhooks_never_hold_up_the_polls(
    served_on_private_postgres: Callable[[], Serve], site: MirrorSite, receiver: WebhookReceiver,
) -> None:
    for path in ("/team",):
        receiver.set_default(path, Reply(status=503, delay=1.5))
    service = served_on_private_postgres()
    service.wait_until(lambda: "crawl run 1 succeeded" in service.log(), "the baseline poll")
    for n in range(4):
        site.new_statement(title=f"KORUS Joint Committee statement {n}", paragraphs=KORUS_PARAGRAPHS,
                           published=date(2026, 12, 1))
    started = time.monotonic()
    service.wait_until(lambda: sum("crawl run" in line and "succeeded" in line for line in service.lines) >= 6,
                       "five more polls while the channel fails slowly", 40)
    # Polls kept their 3 s schedule (a second or two late at most) while every send took 1.5 s and failed.
    assert time.monotonic() - started <= 5 * 3 + 10
    assert len(receiver.requests("/team")) >= 2
    assert (service.health() or (0, {}))[0] == 200
    assert service.stop() == 0


def test_a_stalled_database_stalls_neither_the_health_endpoint_nor_the_running_crawl(
    served_on_private_postgres: Callable[[], Serve], private_postgres: PostgresCluster, mirror: MirrorServer,
) -> None:
    mirror.latency = 0.1  # the baseline of 240 statements takes a few seconds at 8 requests in flight
    service = served_on_private_postgres()
    service.wait_until(lambda: "crawl run 1 started" in service.log(), "the baseline poll to start")
    with psycopg.connect(private_postgres.url) as blocker:
        # Every write of the crawl waits behind this lock for as long as the transaction holds it.
        blocker.execute("LOCK TABLE statements IN ACCESS EXCLUSIVE MODE")
        waiting = "SELECT count(*) FROM pg_locks WHERE relation = 'statements'::regclass AND NOT granted"
        fetched_when_stalled: int | None = None
        answers = []
        deadline = time.monotonic() + 60
        # Until a write of the crawl waits behind the lock and ten more pages have been fetched since.
        while fetched_when_stalled is None or len(mirror.request_log.entries()) - fetched_when_stalled < 10:
            assert time.monotonic() < deadline, (
                "no write waited behind the lock" if fetched_when_stalled is None else
                "the crawl stopped fetching while the database was stalled")
            asked = time.monotonic()
            assert service.health() is not None
            answers.append(time.monotonic() - asked)
            if fetched_when_stalled is None and (blocker.execute(waiting).fetchone() or (0,))[0]:
                fetched_when_stalled = len(mirror.request_log.entries())
            time.sleep(0.1)
        blocker.rollback()
    assert max(answers) < 1.0, answers
    service.wait_until(lambda: "crawl run 1 succeeded" in service.log(), "the baseline to finish", 60)
    assert service.stop() == 0
