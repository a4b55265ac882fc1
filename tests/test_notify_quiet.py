"""Quiet hours on a moved clock: alerts held, then sent as one summary when the quiet time ends; substantive changes
through when the channel asks; health alerts always; every held alert sent once, whatever restarts or instances."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from archive.db import Database
from archive.lock import JobInProgress
from korus_watch.settings import ConfigError, Settings, load_settings
from notify.dispatcher import Dispatcher
from notify.models import DeliveryKind, DeliveryStatus
from notify.quiet_hours import QuietHours
from testkit.notify_support import Press, channel_toml, deliveries, settings_from, statement
from testkit.servers import WebhookReceiver

NEW_YORK = ZoneInfo("America/New_York")
EVENING = datetime(2026, 11, 27, 21, 0, tzinfo=NEW_YORK)  # a Friday
DATED = "The tariff changes take effect on May 1, 2018, for steel imported from Korea under the KORUS FTA."


def quiet_settings(receiver: WebhookReceiver, **quiet: object) -> Settings:
    return settings_from('[crawl]\nbase_url = "http://press.example.test"\n' + channel_toml(
        name="chat", type="webhook", url=receiver.url("/chat"), timezone="America/New_York", admin=True, **quiet))


def edits(press: Press) -> Iterator[None]:
    """Yields after each crawl: a baseline, a new statement, a word changed, a date moved."""
    original = statement("tariffs", "USTR Statement on Steel", [DATED, "Korea will notify its quota."])
    press.crawl(original)
    yield
    press.crawl(original, statement("joint-committee", "KORUS Joint Committee Meets"))
    yield
    reworded = dataclasses.replace(original, body_text=original.body_text.replace("notify", "announce"))
    press.crawl(reworded)
    yield
    press.crawl(dataclasses.replace(reworded, body_text=reworded.body_text.replace("May 1", "June 1")))
    yield


def statuses(db: Database) -> list[DeliveryStatus]:
    return [d.status for d in deliveries(db)]


def test_alerts_in_quiet_hours_wait_and_go_out_as_one_summary(db: Database, receiver: WebhookReceiver) -> None:
    config = quiet_settings(receiver, quiet_hours="20:00-07:00")
    press = Press(db, config)
    with time_machine.travel(EVENING, tick=True) as clock:
        steps = edits(press)
        next(steps)  # the baseline
        next(steps)  # a new statement at 21:00
        dispatcher = Dispatcher(db, config.notifier())
        assert dispatcher.deliver().sent == 0
        clock.move_to(datetime(2026, 11, 28, 3, 0, tzinfo=NEW_YORK))
        next(steps)  # an edit at 03:00
        assert dispatcher.deliver().sent == 0
        clock.move_to(datetime(2026, 11, 28, 6, 59, tzinfo=NEW_YORK))
        assert dispatcher.deliver().sent == 0
        assert receiver.requests() == [] and statuses(db) == [DeliveryStatus.QUIET] * 2

        clock.move_to(datetime(2026, 11, 28, 7, 0, 30, tzinfo=NEW_YORK))
        assert dispatcher.deliver().sent == 1
        (summary,) = receiver.requests("/chat")
        assert summary.json["type"] == "korus-watch.quiet_summary"
        assert sorted(e["kind"] for e in summary.json["events"]) == ["edited", "new"]
        assert summary.json["text"] == "korus-watch quiet summary: 1 new, 1 edited"
        assert dispatcher.deliver().sent == 0  # each held alert once

        # Outside quiet hours an alert goes out at once, on its own.
        next(steps)
        assert dispatcher.deliver().sent == 1
        assert receiver.requests("/chat")[-1].json["type"] == "korus-watch.event"
    kinds = {(d.kind, d.status) for d in deliveries(db)}
    assert kinds == {(DeliveryKind.EVENT, DeliveryStatus.FOLDED), (DeliveryKind.QUIET_SUMMARY, DeliveryStatus.SENT),
                     (DeliveryKind.EVENT, DeliveryStatus.SENT)}


def test_a_single_held_alert_still_comes_as_a_summary_and_quiet_days_limit_the_hours(
        db: Database, receiver: WebhookReceiver) -> None:
    config = quiet_settings(receiver, quiet_hours="20:00-07:00", quiet_days=["sat", "sun"])
    press = Press(db, config)
    dispatcher = Dispatcher(db, config.notifier())
    with time_machine.travel(EVENING, tick=True) as clock:  # Friday evening: not quiet
        steps = edits(press)
        next(steps)
        next(steps)
        assert dispatcher.deliver().sent == 1
        clock.move_to(datetime(2026, 11, 28, 23, 0, tzinfo=NEW_YORK))  # Saturday night: quiet
        next(steps)
        assert dispatcher.deliver().sent == 0
        clock.move_to(datetime(2026, 11, 29, 7, 1, tzinfo=NEW_YORK))
        assert dispatcher.deliver().sent == 1
    assert [r.json["type"] for r in receiver.requests("/chat")] == ["korus-watch.event", "korus-watch.quiet_summary"]
    assert len(receiver.requests("/chat")[-1].json["events"]) == 1


def test_substantive_changes_and_health_alerts_pass_through_quiet_hours(db: Database,
                                                                       receiver: WebhookReceiver) -> None:
    config = quiet_settings(receiver, quiet_hours="20:00-07:00", quiet_bypass="substantive")
    press = Press(db, config)
    dispatcher = Dispatcher(db, config.notifier())
    with time_machine.travel(EVENING, tick=True):
        steps = edits(press)
        next(steps)
        next(steps)  # new: substantive
        next(steps)  # wording: held
        next(steps)  # the date: substantive
        press.fail_extraction(6)  # a redesign: the admin channel's health alert
        assert dispatcher.deliver().sent == 3
    sent = [r.json for r in receiver.requests("/chat")]
    assert sorted(r["type"] for r in sent) == ["korus-watch.event", "korus-watch.event", "korus-watch.health"]
    assert {e["significance"] for r in sent for e in r["events"]} == {"substantive"}
    assert statuses(db).count(DeliveryStatus.QUIET) == 1


def test_a_restart_judges_held_alerts_by_the_configuration_it_starts_with(db: Database,
                                                                         receiver: WebhookReceiver) -> None:
    quiet = quiet_settings(receiver, quiet_hours="20:00-07:00")
    press = Press(db, quiet)
    with time_machine.travel(EVENING, tick=True):
        steps = edits(press)
        for _ in range(4):
            next(steps)
        assert Dispatcher(db, quiet.notifier()).deliver().sent == 0
        assert statuses(db) == [DeliveryStatus.QUIET] * 3
        # Restarted letting substantive changes through: the new statement and the date go, the wording waits.
        bypass = quiet_settings(receiver, quiet_hours="20:00-07:00", quiet_bypass="substantive")
        assert Dispatcher(db, bypass.notifier()).deliver().sent == 2
        # Restarted without quiet hours: what is still held goes at once, as one summary.
        assert Dispatcher(db, quiet_settings(receiver).notifier()).deliver().sent == 1
    assert [r.json["type"] for r in receiver.requests("/chat")] == [
        "korus-watch.event", "korus-watch.event", "korus-watch.quiet_summary"]
    assert len(receiver.requests("/chat")[-1].json["events"]) == 1


def test_two_instances_at_the_end_of_quiet_hours_send_one_summary(db: Database, receiver: WebhookReceiver) -> None:
    config = quiet_settings(receiver, quiet_hours="20:00-07:00")
    press = Press(db, config)
    with time_machine.travel(EVENING, tick=True) as clock:
        steps = edits(press)
        for _ in range(4):
            next(steps)
        assert Dispatcher(db, config.notifier()).deliver().sent == 0
        clock.move_to(datetime(2026, 11, 28, 7, 5, tzinfo=NEW_YORK))
        instances = [Dispatcher(Database(db.url), config.notifier()) for _ in range(2)]
        start = threading.Barrier(2)
        sent: list[int] = []

        def run(dispatcher: Dispatcher) -> None:
            start.wait()
            try:
                sent.append(dispatcher.deliver().sent)
            except JobInProgress:  # SQLite: one sender at a time; the other's pass waits for the next sweep
                sent.append(0)

        threads = [threading.Thread(target=run, args=(instance,)) for instance in instances]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        for instance in instances:
            instance.close()
            instance.db.dispose()
        assert sum(sent) + Dispatcher(db, config.notifier()).deliver().sent == 1
    (summary,) = receiver.requests("/chat")
    assert sorted(e["kind"] for e in summary.json["events"]) == ["edited", "edited", "new"]


def test_quiet_periods_in_the_channels_time_zone() -> None:
    hours = QuietHours.parse("20:00-07:00", ["sat", "sun"], "Europe/Berlin")
    berlin = ZoneInfo("Europe/Berlin")
    friday_night, saturday_night = datetime(2026, 11, 27, 22, 0, tzinfo=berlin), datetime(2026, 11, 28, 22, 0,
                                                                                           tzinfo=berlin)
    assert hours.period(friday_night) is None
    assert hours.period(saturday_night) == (datetime(2026, 11, 28, 20, 0, tzinfo=berlin),
                                            datetime(2026, 11, 29, 7, 0, tzinfo=berlin))
    # Sunday's period runs into Monday morning; Monday's evening is not quiet.
    assert hours.period(datetime(2026, 11, 30, 6, 59, tzinfo=berlin)) is not None
    assert hours.period(datetime(2026, 11, 30, 21, 0, tzinfo=berlin)) is None
    whole_day = QuietHours.parse("00:00-00:00", ["sun"], "UTC")
    assert whole_day.period(datetime(2026, 11, 29, 13, 0, tzinfo=UTC)) is not None
    assert whole_day.period(datetime(2026, 11, 30, 0, 0, tzinfo=UTC)) is None


@pytest.mark.parametrize(("channel", "error"), [
    ({"quiet_hours": "8pm-7am"}, "quiet_hours '8pm-7am' is not HH:MM-HH:MM"),
    ({"quiet_hours": "20:00-25:00"}, "is not a time of day"),
    ({"quiet_hours": "20:00-07:00", "timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
    ({"quiet_days": ["sat"]}, "`quiet_days` and `quiet_bypass` need `quiet_hours`"),
    ({"quiet_hours": "20:00-07:00", "quiet_days": ["saturday"]}, "channels[chat].quiet_days.0: Input should be"),
    ({"quiet_hours": "20:00-07:00", "quiet_bypass": "wording"}, "channels[chat].quiet_bypass: Input should be"),
    ({"quiet_hours": "20:00-07:00", "mode": "digest", "schedule": "0 8 * * *"}, "is for instant channels"),
    ({"min_significance": "important"}, "channels[chat].min_significance: Input should be"),
])
def test_bad_quiet_hours_and_thresholds_are_one_line_config_errors(tmp_path: Path, channel: dict[str, object],
                                                                   error: str) -> None:
    config = tmp_path / "korus-watch.toml"
    config.write_text(channel_toml(name="chat", type="webhook", url="https://example.org/hook", **channel))
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    message = str(raised.value)
    assert message.startswith("config error: ") and "\n" not in message and error in message, message
