"""Housekeeping prunes crawl-run records and the delivery log past the retention, and keeps the archive."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from archive.db import Database
from archive.models import ChangeEvent, CrawlRun, Version, utcnow
from notify.dispatcher import Dispatcher
from notify.models import Delivery, DeliveryStatus
from scheduler.housekeeping import prune
from testkit.notify_support import Press, channel_toml, seed_statement, settings_from, statement


def count(db: Database, column: object) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count(column))) or 0  # type: ignore[arg-type]


def test_old_runs_and_deliveries_go_and_the_archive_stays(db: Database) -> None:
    settings = settings_from('[smtp]\nport = 9\nsecurity = "none"\n' + channel_toml(name="mail", type="email", to=["a@example.org"], mode="digest",
                                          schedule="0 8 * * *"))
    press = Press(db, settings)
    press.crawl(seed_statement())
    press.crawl(statement("old", "KORUS old"))
    long_ago = utcnow() - timedelta(days=120)
    with db.sessions.begin() as session:
        session.execute(update(CrawlRun).values(started_at=long_ago))
        session.execute(update(Delivery).values(created_at=long_ago, status=DeliveryStatus.SENT))
    press.crawl(statement("recent", "KORUS recent"))  # a run, an event and a held delivery of today
    # Today's digest folds today's event; nothing listens for SMTP here, so it stays queued for a retry.
    Dispatcher(db, settings.notifier()).digest("mail")

    events, versions = count(db, ChangeEvent.id), count(db, Version.id)
    assert prune(db, retention_days=90, keep_snapshots="versions") == (2, 1, 0)
    assert count(db, CrawlRun.id) == 1
    with db.sessions() as session:
        kept = session.scalars(select(Delivery).order_by(Delivery.id)).all()
        assert [(d.kind.value, d.status.value) for d in kept] == [("event", "folded"), ("digest", "pending")]
    assert (count(db, ChangeEvent.id), count(db, Version.id)) == (events, versions)
