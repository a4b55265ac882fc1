"""The service's schedule with the clock under control (time-machine): digests across daylight-saving changes, jobs
missed during downtime, and changed schedules, time zones, intervals and jitter, with the job-run records kept in the
archive's database."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger

from archive.db import Database
from crawler.sources.registry import configured_sources
from korus_watch.settings import Settings
from scheduler.job_runs import job_runs, job_schedule, record_job_run
from scheduler.schedule import START_SPREAD_SECONDS, first_runs, wanted_jobs
from testkit.notify_support import channel_toml, settings_from

NEW_YORK = ZoneInfo("America/New_York")
FIRED: list[tuple[str, datetime]] = []
FIRED_EVENT = threading.Event()


def record(name: str) -> None:
    """What each job does here: note that it fired, and when."""
    FIRED.append((name, datetime.now(UTC)))
    FIRED_EVENT.set()


@pytest.fixture(autouse=True)
def _clear_fired() -> Iterator[None]:
    FIRED.clear()
    yield
    FIRED.clear()


def digest_settings(timezone: str = "America/New_York", interval_minutes: float = 15, jitter: float = 0) -> Settings:
    return settings_from(
        f'[crawl]\ninterval_minutes = {interval_minutes}\n[service]\npoll_jitter_seconds = {jitter}\n'
        + channel_toml(name="analysts", type="email", to=["a@example.org"], mode="digest",
                       schedule="0 8 * * *", timezone=timezone)
    )


def jobs_of(settings: Settings) -> dict[str, BaseTrigger]:
    """The service's jobs for these settings, built as `serve` builds them."""
    digests = {channel.name: channel.digest_trigger() for channel in settings.channels if channel.mode == "digest"}
    return wanted_jobs(configured_sources(settings.crawl, settings.sources), settings.service, digests)


def scheduled(jobs: dict[str, BaseTrigger], first: dict[str, datetime | None]) -> BackgroundScheduler:
    """A running scheduler with the jobs at their first run times, each calling `record` with its id."""
    scheduler = BackgroundScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
                                    timezone=UTC)
    scheduler.start(paused=True)
    for job_id, trigger in jobs.items():
        scheduler.add_job(record, trigger, args=(job_id,), id=job_id, next_run_time=first[job_id])
    scheduler.resume()
    return scheduler


def store_runs(db: Database, ran_at: datetime, job_ids: list[str]) -> None:
    with db.sessions.begin() as session:
        for job_id in job_ids:
            record_job_run(session, job_id, ran_at=ran_at, next_run_at=None)


def stored_runs(db: Database) -> dict[str, object]:
    with db.sessions() as session:
        return job_runs(session)  # type: ignore[return-value]


def wait_fired(count: int) -> None:
    for _ in range(100):
        if len(FIRED) >= count:
            return
        FIRED_EVENT.wait(0.05)
        FIRED_EVENT.clear()
    raise AssertionError(f"expected {count} runs, got {FIRED}")


def settle() -> None:
    FIRED_EVENT.wait(0.3)


@pytest.mark.parametrize(("first_day", "change"), [
    (datetime(2026, 3, 6, tzinfo=NEW_YORK), "spring forward on 8 March 2026"),
    (datetime(2026, 10, 30, tzinfo=NEW_YORK), "fall back on 1 November 2026"),
])
def test_a_digest_at_eight_new_york_time_fires_once_a_day_across_dst(first_day: datetime, change: str) -> None:
    settings = digest_settings()
    with time_machine.travel(first_day.replace(hour=7), tick=True) as clock:
        jobs = {"digest:analysts": jobs_of(settings)["digest:analysts"]}
        scheduler = scheduled(jobs, first_runs(jobs, {}, datetime.now(UTC)))
        try:
            for day in range(5):
                local_day = first_day + timedelta(days=day)
                # Through the day in steps: 07:59, 08:00:30, 12:00, 23:00 local time.
                for hour, minute in ((7, 59), (8, 0), (12, 0), (23, 0)):
                    clock.move_to(local_day.replace(hour=hour, minute=minute, second=30))
                    scheduler.wakeup()
                    if (hour, minute) == (8, 0):
                        wait_fired(day + 1)
                    settle()
        finally:
            scheduler.shutdown()
    local_times = [when.astimezone(NEW_YORK) for _, when in FIRED]
    assert [t.date() for t in local_times] == [(first_day + timedelta(days=d)).date() for d in range(5)], change
    assert all((t.hour, t.minute) == (8, 0) for t in local_times), local_times


def test_jobs_missed_during_downtime_fire_once_each_spread_out(db: Database) -> None:
    settings = digest_settings()
    start = datetime(2026, 11, 2, 6, 0, tzinfo=NEW_YORK)
    store_runs(db, start, list(jobs_of(settings)))
    # Down for three days: three digests, hundreds of polls and three housekeepings were missed.
    restart = start + timedelta(days=3)
    with time_machine.travel(restart, tick=True) as clock:
        jobs = jobs_of(settings)  # built at the restart, as `serve` builds them
        first = first_runs(jobs, stored_runs(db), datetime.now(UTC))  # type: ignore[arg-type]
        due = sorted(when for when in first.values() if when is not None)
        assert len(due) == 4 and all(when >= restart for when in due)
        # Spread: the overdue jobs were given start times seconds apart, not the same instant.
        gaps = [later - earlier for earlier, later in zip(due, due[1:], strict=False)]
        assert all(gap >= timedelta(seconds=START_SPREAD_SECONDS - 1) for gap in gaps)
        scheduler = scheduled(jobs, first)
        try:
            # Just past the last overdue run, long before any job's next interval (the shortest is a minute).
            clock.move_to(due[-1] + timedelta(seconds=1))
            scheduler.wakeup()
            wait_fired(4)
            settle()
        finally:
            scheduler.shutdown()
    assert sorted(name for name, _ in FIRED) == ["deliver", "digest:analysts", "housekeeping", "poll:press-office"]


def test_a_changed_digest_time_zone_takes_effect_at_the_next_start(db: Database) -> None:
    monday_morning = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    store_runs(db, monday_morning - timedelta(hours=1), ["digest:analysts"])  # the 08:00 UTC digest ran
    for timezone, expected in (("UTC", "2026-11-03 08:00 UTC"), ("Asia/Seoul", "2026-11-02 23:00 UTC")):
        jobs = jobs_of(digest_settings(timezone=timezone))
        first = first_runs(jobs, stored_runs(db), monday_morning)  # type: ignore[arg-type]
        assert f"{first['digest:analysts'].astimezone(UTC):%Y-%m-%d %H:%M %Z}" == expected, timezone  # type: ignore[union-attr]


def test_a_changed_poll_interval_and_jitter_take_effect_at_the_next_start(db: Database) -> None:
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    store_runs(db, now - timedelta(minutes=20), ["poll:press-office"])
    hourly = first_runs(jobs_of(digest_settings(interval_minutes=60)), stored_runs(db), now)  # type: ignore[arg-type]
    assert hourly["poll:press-office"] == now + timedelta(minutes=40)
    # Every 15 minutes now: the poll due five minutes ago runs at once.
    quarterly = first_runs(jobs_of(digest_settings(interval_minutes=15)), stored_runs(db), now)  # type: ignore[arg-type]
    assert now <= quarterly["poll:press-office"] <= now + timedelta(seconds=1)  # type: ignore[operator]
    jittered = jobs_of(digest_settings(interval_minutes=60, jitter=300))["poll:press-office"]
    starts = {first_runs({"poll:press-office": jittered}, stored_runs(db), now)["poll:press-office"] for _ in range(20)}  # type: ignore[arg-type]
    assert len(starts) > 1 and all(
        now + timedelta(minutes=40) <= start <= now + timedelta(minutes=45) for start in starts  # type: ignore[operator]
    )


def test_a_new_archive_is_polled_at_once_and_status_shows_each_next_run(db: Database) -> None:
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    first = first_runs(jobs_of(digest_settings()), {}, now)
    assert now <= first["poll:press-office"] <= now + timedelta(seconds=1)  # type: ignore[operator]
    assert first["deliver"] == now + timedelta(seconds=60)
    assert f"{first['digest:analysts'].astimezone(UTC):%Y-%m-%d %H:%M}" == "2026-11-02 13:00"  # type: ignore[union-attr]
    with db.sessions.begin() as session:
        for job_id, when in first.items():
            record_job_run(session, job_id, ran_at=None, next_run_at=when)
    with db.sessions() as session:
        schedule = job_schedule(session)
    assert [entry["id"] for entry in schedule][0] == "poll:press-office"
    assert {entry["id"]: entry["next_run_at"] for entry in schedule} == first
