"""`korus-watch serve` as a real process against the mirror, an SMTP server and a webhook receiver."""

from __future__ import annotations

import json
import re
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from archive.db import Database
from archive.models import CrawlRun, RunStatus, Statement
from notify.models import Delivery, DeliveryStatus
from testkit.mirror import MirrorServer, MirrorSite
from testkit.notify_support import channel_toml
from testkit.servers import Reply, WebhookReceiver
from tests.conftest import KorusWatch
from tests.serving import Serve, serve_starter

SECRET_PATH = "/slack/T0/B0/service-secret-part"
INTERVAL_SECONDS = 3.0


@pytest.fixture
def service_config(korus_watch: KorusWatch, receiver: WebhookReceiver) -> KorusWatch:
    with korus_watch.config.open("a", encoding="utf-8") as config:
        config.write(
            f"interval_minutes = {INTERVAL_SECONDS / 60}\n"
            "[service]\npoll_jitter_seconds = 0\ndelivery_sweep_seconds = 1\nleader_check_seconds = 1\n"
            "shutdown_grace_seconds = 10\n"
            "[notify]\ntimeout_seconds = 2\nbackoff_seconds = 0.5\n"
            "[logging]\nformat = \"json\"\n"
            + channel_toml(name="team-chat", type="slack", url=receiver.url(SECRET_PATH), max_per_hour=1000)
        )
    return korus_watch


@pytest.fixture
def serve(service_config: KorusWatch) -> Iterator[Callable[[], Serve]]:
    yield from serve_starter(service_config)


def runs(db: Database) -> list[CrawlRun]:
    with db.sessions() as session:
        return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))


def succeeded_polls(db: Database) -> int:
    return sum(run.status == RunStatus.SUCCEEDED for run in runs(db))


def add_korus_statement(site: MirrorSite, n: int) -> None:
    site.new_statement(title=f"KORUS Joint Committee statement {n}",
                       paragraphs=["The U.S.-Korea Free Trade Agreement (KORUS FTA) Joint Committee met on trade."])


def test_serve_alerts_within_one_poll_and_stops_cleanly(serve: Callable[[], Serve], db: Database, site: MirrorSite,
                                                       receiver: WebhookReceiver, service_config: KorusWatch) -> None:
    service = serve()
    service.wait_until(lambda: succeeded_polls(db) >= 1, "the baseline poll")
    status, health = service.health() or (0, {})
    assert status == 200 and health["role"] == "leader"
    assert health["sources"]["press-office"]["last_successful_poll"] and health["sources"]["press-office"]["fresh"]

    add_korus_statement(site, 1)
    added = time.time()
    (alert,) = receiver.wait_for(1, timeout=INTERVAL_SECONDS + 10)
    assert alert.received_at - added <= INTERVAL_SECONDS + 5
    assert "KORUS Joint Committee statement 1" in alert.body.decode()

    # The archive's figures are read off the event loop after each pass and every few seconds.
    sent = 'korus_watch_deliveries{channel="team-chat",status="sent"} 1.0'
    service.wait_until(lambda: sent in service.metrics(), "the sent delivery in /metrics", timeout=10)
    metrics = service.metrics()
    assert 'korus_watch_polls_total{source="press-office",status="succeeded"}' in metrics
    assert "korus_watch_last_successful_poll_timestamp_seconds" in metrics

    # Stopped between polls (right after one), so that `status` below reads a last crawl that succeeded: one cut
    # short by the stop would make it exit 3.
    polls = succeeded_polls(db)
    service.wait_until(lambda: succeeded_polls(db) > polls, "a poll to end")
    assert service.stop(signal.SIGTERM) == 0
    records = [json.loads(line) for line in service.lines if line.startswith("{")]
    assert records and all({"ts", "level", "logger", "msg"} <= set(record) for record in records)
    messages = [record["msg"] for record in records]
    assert any(m.startswith("crawl run") and "succeeded" in m for m in messages)
    assert "service stopped" in messages
    assert SECRET_PATH not in "\n".join(service.lines)
    assert all(run.status != RunStatus.RUNNING for run in runs(db))

    status_text = service_config.run("status").stdout
    assert "deliveries: 0 pending, 0 sending, 0 held for digests, 0 held for quiet hours, 0 failed" in status_text
    assert "job poll:press-office: next run 20" in status_text and "job housekeeping: next run" in status_text


def test_sigterm_in_the_middle_of_a_crawl_stops_it_at_a_clean_point(serve: Callable[[], Serve], db: Database,
                                                                   site: MirrorSite) -> None:
    service = serve()
    service.wait_until(lambda: succeeded_polls(db) >= 1, "the baseline poll")
    slow = site.statements[0].path
    site.hang(slow, 30)
    add_korus_statement(site, 2)
    site.edit(slow, replace=("the", "THE"))
    service.wait_until(lambda: any(r.status == RunStatus.RUNNING for r in runs(db)) and site.hung(slow),
                       "a poll to be held up on the slow page")
    started = time.monotonic()
    assert service.stop(signal.SIGTERM) == 0
    # A clean stop waits for the request in flight up to its timeout (5 s), never for the 30 s answer, and within
    # the shutdown grace (10 s): the process's exit comes on top.
    assert time.monotonic() - started < 15
    assert not any("still running after" in line for line in service.lines), service.log()
    last = runs(db)[-1]
    assert last.status == RunStatus.INTERRUPTED and last.finished_at is not None
    with db.sessions() as session:
        assert all(statement.versions for statement in session.scalars(select(Statement)))


def test_a_second_signal_exits_at_once_and_the_next_start_carries_on(serve: Callable[[], Serve], db: Database,
                                                                     site: MirrorSite,
                                                                     receiver: WebhookReceiver) -> None:
    service = serve()
    service.wait_until(lambda: succeeded_polls(db) >= 1, "the baseline poll")
    for statement in site.statements:
        site.hang(statement.path, 30)  # a clean stop then waits for requests in flight (up to their 5 s timeout)
    service.wait_until(lambda: any(r.status == RunStatus.RUNNING for r in runs(db))
                       and any(site.hung(statement.path) for statement in site.statements),
                       "a poll to be held up on a page")
    assert service.process is not None
    service.process.send_signal(signal.SIGTERM)
    service.wait_until(lambda: any("stopping" in line for line in service.lines), "the first signal to be taken")
    started = time.monotonic()
    assert service.stop(signal.SIGTERM, timeout=5) == 128 + signal.SIGTERM
    assert time.monotonic() - started < 2

    for statement in site.statements:
        site.clear_override(statement.path)
    add_korus_statement(site, 3)
    serve().wait_until(lambda: any(b"statement 3" in r.body for r in receiver.requests()), "the alert after the restart")
    # The crawl cut short by the exit was marked interrupted by the next start, which then polled normally.
    cut_short = [run for run in runs(db) if run.message == "process ended during the crawl"]
    assert len(cut_short) == 1 and cut_short[0].status == RunStatus.INTERRUPTED


def test_a_killed_service_restarts_losing_and_duplicating_nothing(serve: Callable[[], Serve], db: Database,
                                                                 site: MirrorSite, receiver: WebhookReceiver) -> None:
    receiver.set_default(SECRET_PATH, Reply.slow(0.3))
    first = serve()
    first.wait_until(lambda: succeeded_polls(db) >= 1, "the baseline poll")
    for n in range(12):
        add_korus_statement(site, n)
    receiver.wait_for(3, timeout=30)
    first.stop(signal.SIGKILL)
    assert len(receiver.requests()) < 12, "everything was sent before the kill"

    second = serve()
    second.wait_until(lambda: len({r.headers["Idempotency-Key"] for r in receiver.requests()}) >= 12,
                      "every alert", timeout=60)
    assert second.stop() == 0
    with db.sessions() as session:
        keys = {d.idempotency_key for d in session.scalars(select(Delivery))}
        assert all(d.status == DeliveryStatus.SENT for d in session.scalars(select(Delivery)))
    received = Counter(r.headers["Idempotency-Key"] for r in receiver.requests())
    assert set(received) == keys and len(keys) == 12
    assert sum(count - 1 for count in received.values()) <= 1  # only the send in flight at the kill, same key


def held_for_quiet_hours(db: Database) -> int:
    with db.sessions() as session:
        return len(session.scalars(select(Delivery).where(Delivery.status == DeliveryStatus.QUIET)).all())


def test_a_restart_inside_quiet_hours_loses_nothing(serve: Callable[[], Serve], service_config: KorusWatch,
                                                    db: Database, site: MirrorSite, receiver: WebhookReceiver) -> None:
    now = datetime.now(UTC)
    quiet = f"{now - timedelta(hours=1):%H:%M}-{now + timedelta(hours=1):%H:%M}"
    with service_config.config.open("a", encoding="utf-8") as config:
        config.write(channel_toml(name="night", type="webhook", url=receiver.url("/night"), quiet_hours=quiet))
    first = serve()
    first.wait_until(lambda: succeeded_polls(db) >= 1, "the baseline poll")
    add_korus_statement(site, 1)
    receiver.wait_for(1, SECRET_PATH, timeout=INTERVAL_SECONDS + 10)  # a channel without quiet hours has it now
    first.wait_until(lambda: held_for_quiet_hours(db) == 1, "the night channel's alert held")
    first.stop(signal.SIGKILL)

    second = serve()
    polls = succeeded_polls(db)
    # Two polls after the restart, each followed by a delivery pass, and the sweeps in between: still quiet.
    second.wait_until(lambda: succeeded_polls(db) >= polls + 2, "two polls after the restart")
    assert receiver.requests("/night") == [] and held_for_quiet_hours(db) == 1
    assert second.stop() == 0

    # Restarted with quiet hours that have ended: the held alert goes out, once, as a summary.
    ended = f"{now - timedelta(hours=3):%H:%M}-{now - timedelta(hours=2):%H:%M}"
    service_config.config.write_text(service_config.config.read_text(encoding="utf-8").replace(quiet, ended),
                                     encoding="utf-8")
    third = serve()
    (summary,) = receiver.wait_for(1, "/night", timeout=30)
    assert summary.json["type"] == "korus-watch.quiet_summary"
    assert [event["title"] for event in summary.json["events"]] == ["KORUS Joint Committee statement 1"]
    third.wait_until(lambda: held_for_quiet_hours(db) == 0, "nothing held any more")
    assert third.stop() == 0
    assert len(receiver.requests("/night")) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_second_serve_on_one_sqlite_file_is_refused(serve: Callable[[], Serve],
                                                      service_config: KorusWatch) -> None:
    serve()
    second = service_config.run("serve", check=False, timeout=60)
    assert second.returncode == 1
    assert "another korus-watch serve is running" in second.stderr and "PostgreSQL" in second.stderr


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_instances_on_postgresql_share_the_work_and_fail_over(serve: Callable[[], Serve], db: Database,
                                                                  site: MirrorSite,
                                                                  receiver: WebhookReceiver) -> None:
    first, second = serve(), serve()
    first.wait_until(lambda: succeeded_polls(db) >= 1, "the baseline poll")
    roles = {first.health()[1]["role"], second.health()[1]["role"]}  # type: ignore[index]
    assert roles == {"leader", "standby"}
    for n in range(6):
        add_korus_statement(site, n)
    first.wait_until(lambda: len(receiver.requests()) >= 6, "six alerts")

    leader = first if first.health()[1]["role"] == "leader" else second  # type: ignore[index]
    standby = second if leader is first else first
    leader.stop(signal.SIGKILL)
    polls_before = succeeded_polls(db)
    standby.wait_until(lambda: standby.health()[1]["role"] == "leader", "the standby to take over")  # type: ignore[index]
    for n in range(6, 9):
        add_korus_statement(site, n)
    standby.wait_until(lambda: len(receiver.requests()) >= 9 and succeeded_polls(db) > polls_before + 1,
                       "alerts after the fail-over")
    assert standby.stop() == 0

    received = Counter(r.headers["Idempotency-Key"] for r in receiver.requests())
    assert len(received) == 9 and set(received.values()) == {1}
    done = [run for run in runs(db) if run.finished_at is not None]
    for earlier, later in zip(done, done[1:], strict=False):
        assert earlier.finished_at <= later.started_at, "two polls ran at once"  # type: ignore[operator]


def test_health_turns_503_when_polls_keep_failing(korus_watch: KorusWatch, mirror: MirrorServer,
                                                  serve: Callable[[], Serve]) -> None:
    mirror.stop()
    korus_watch.env.update(KORUS_WATCH_CRAWL__TIMEOUT_MINUTES="0.05")  # stale after 2 intervals + 3 s
    service = serve()
    status, health = service.health() or (0, {})
    assert status == 200 and str(health["reason"]).startswith("starting")
    service.wait_until(lambda: (service.health() or (0, {}))[0] == 503, "health to turn 503", timeout=30)
    status, health = service.health() or (0, {})
    assert health["reason"] == "no recent successful poll of press-office (since ever)"
    assert health["sources"]["press-office"]["last_successful_poll"] is None
    assert service.stop() == 0


def test_a_file_value_the_environment_overrides_is_logged_once_at_start_by_key_never_by_value(
        service_config: KorusWatch, serve: Callable[[], Serve]) -> None:
    with service_config.config.open("a", encoding="utf-8") as config:
        # The fixture's environment names the test's archive: this is overridden.
        config.write('[database]\nurl = "postgresql://watch:file-secret@db.example.org/korus"\n')
    said = "the environment overrides the config file's database.url (KORUS_WATCH_DATABASE__URL)"
    service = serve()
    service.wait_until(lambda: "service started" in "\n".join(service.lines), "the service to start")
    assert service.stop() == 0
    overrides = [json.loads(line) for line in service.lines if "overrides" in line]
    assert [(record["level"], record["msg"]) for record in overrides] == [("WARNING", said)]
    assert "file-secret" not in "\n".join(service.lines)
    status = service_config.run("status")
    assert said in status.stderr and service_config.env["KORUS_WATCH_DATABASE__URL"] not in status.stderr


def test_a_failed_poll_says_when_the_next_one_is_due(mirror: MirrorServer, serve: Callable[[], Serve]) -> None:
    mirror.stop()  # every poll fails: the site cannot be reached
    service = serve()
    service.wait_until(lambda: "crawl run 2 started" in "\n".join(service.lines), "the poll after the failed one")
    records = [json.loads(line) for line in service.lines if line.startswith("{")]
    failed = next(record for record in records if record["msg"].startswith("poll of press-office failed"))
    due = re.fullmatch(r"poll of press-office failed \(crawl run 1 failed\): the next poll is due at (\S+)",
                       failed["msg"])
    assert due is not None and failed["level"] == "WARNING", failed
    next_poll = datetime.fromisoformat(due.group(1))
    second = next(record for record in records if record["msg"].startswith("crawl run 2 started"))
    # Said of the poll to come, which came then (its start is logged once its run is open in the archive).
    assert datetime.fromisoformat(failed["ts"]) < next_poll <= datetime.fromisoformat(second["ts"])
    assert datetime.fromisoformat(second["ts"]) - next_poll < timedelta(seconds=INTERVAL_SECONDS)
    assert service.stop() == 0


def test_a_crawl_past_its_timeout_is_stopped_and_recorded_as_failed(korus_watch: KorusWatch, db: Database,
                                                                     site: MirrorSite) -> None:
    korus_watch.run("crawl")
    for statement in site.statements:
        site.hang(statement.path, 4)  # every page answers after 4 s: the whole crawl would take half a minute
    korus_watch.env.update(KORUS_WATCH_CRAWL__TIMEOUT_MINUTES="0.05", KORUS_WATCH_CRAWL__TIMEOUT_SECONDS="10")
    started = time.monotonic()
    result = korus_watch.run("crawl", "--full", check=False)
    # Stopped well before the half minute the whole crawl takes (with room for a process start on a busy machine).
    assert time.monotonic() - started < 25
    assert result.returncode == 1
    last = runs(db)[-1]
    assert last.status == RunStatus.FAILED and "timeout_minutes" in (last.message or "")
