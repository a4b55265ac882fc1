"""The service's schedule with the clock under control (time-machine): digests across daylight-saving changes,
and jobs missed during downtime, on the persistent job store in the archive's database."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from apscheduler.schedulers.background import BackgroundScheduler

from archive.db import Database
from notify.channels import build_channels
from scheduler.service import scheduler_options, spread_overdue, sync_jobs, wanted_jobs
from tests.notify_support import channel_toml, settings_from

NEW_YORK = ZoneInfo("America/New_York")
FIRED: list[tuple[str, datetime]] = []
FIRED_EVENT = threading.Event()


def record(name: str) -> None:
    """A job function the job store can name (tests.test_scheduling:record)."""
    FIRED.append((name, datetime.now(UTC)))
    FIRED_EVENT.set()


@pytest.fixture(autouse=True)
def _clear_fired() -> Iterator[None]:
    FIRED.clear()
    yield
    FIRED.clear()


def digest_settings() -> object:
    return settings_from(
        '[crawl]\ninterval_minutes = 15\n[service]\npoll_jitter_seconds = 0\n'
        + channel_toml(name="analysts", type="email", to=["a@example.org"], mode="digest",
                       schedule="0 8 * * *", timezone="America/New_York")
    )


def recording(wanted: dict[str, tuple[str, object, tuple[object, ...]]]) -> dict[str, tuple[str, object, tuple]]:
    """The service's jobs with their triggers, each calling `record` with its id instead of its real work."""
    return {job_id: ("tests.test_scheduling:record", trigger, (job_id,)) for job_id, (_, trigger, _) in wanted.items()}


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
def test_a_digest_at_eight_new_york_time_fires_once_a_day_across_dst(db: Database, first_day: datetime,
                                                                     change: str) -> None:
    settings = digest_settings()
    with time_machine.travel(first_day.replace(hour=7), tick=True) as clock:
        wanted = {"digest:analysts": recording(wanted_jobs(settings, build_channels(settings)))["digest:analysts"]}
        scheduler = BackgroundScheduler(**scheduler_options(db))
        scheduler.start()
        try:
            sync_jobs(scheduler, wanted)
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
    with time_machine.travel(start, tick=True) as clock:
        # Built under the test's clock: interval triggers start counting when they are made.
        wanted = recording(wanted_jobs(settings, build_channels(settings)))
        scheduler = BackgroundScheduler(**scheduler_options(db))
        scheduler.start(paused=True)
        sync_jobs(scheduler, wanted)
        scheduler.shutdown()

        # Down for three days: three digests, hundreds of polls and three housekeepings were missed.
        clock.move_to(start + timedelta(days=3))
        restarted = BackgroundScheduler(**scheduler_options(db))
        restarted.start(paused=True)
        sync_jobs(restarted, wanted)  # the stored jobs are kept, with their missed run times
        spread_overdue(restarted)
        due = sorted(job.next_run_time for job in restarted.get_jobs())
        restarted.resume()
        try:
            clock.move_to(start + timedelta(days=3, minutes=1))
            restarted.wakeup()
            wait_fired(4)
            settle()
        finally:
            restarted.shutdown()
    names = sorted(name for name, _ in FIRED)
    assert names == ["deliver", "digest:analysts", "housekeeping", "poll"]
    # Spread: the overdue jobs were given start times seconds apart, not the same instant.
    assert all(later - earlier >= timedelta(seconds=4) for earlier, later in zip(due, due[1:], strict=False))


def test_a_changed_schedule_replaces_the_stored_job_and_an_unchanged_one_keeps_its_time(db: Database) -> None:
    settings = digest_settings()
    with time_machine.travel(datetime(2026, 11, 2, 6, 0, tzinfo=UTC), tick=False):
        scheduler = BackgroundScheduler(**scheduler_options(db))
        scheduler.start(paused=True)
        try:
            sync_jobs(scheduler, recording(wanted_jobs(settings, build_channels(settings))))
            poll_time = scheduler.get_job("poll").next_run_time
            settings.channels[0].schedule = "30 9 * * mon-fri"
            settings.crawl.interval_minutes = 15
            sync_jobs(scheduler, recording(wanted_jobs(settings, build_channels(settings))))
            assert scheduler.get_job("poll").next_run_time == poll_time
            digest = scheduler.get_job("digest:analysts")
            assert digest.next_run_time.astimezone(NEW_YORK).strftime("%H:%M") == "09:30"
            settings.channels.clear()
            sync_jobs(scheduler, recording(wanted_jobs(settings, build_channels(settings))))
            assert scheduler.get_job("digest:analysts") is None
        finally:
            scheduler.shutdown()
