"""Alerts in quiet hours: held, and sent as one summary when the quiet time ends.

An alert that falls due in its channel's quiet time (notify.quiet_hours) is held (status `quiet`), unless the channel
lets substantive changes through (`quiet_bypass = "substantive"`) and it is one. The first delivery pass after the
quiet time ends folds everything held into one summary message, however few. Both are judged at each pass by the
configuration the process runs with, so a restart with other quiet hours applies them to what is held; the rows live
in the outbox, so a restart or another instance taking over loses none of them, and the channel lock lets one
instance fold them."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from archive.db import Database
from archive.models import ChangeEvent, utcnow
from archive.significance import Significance
from notify.models import Delivery, DeliveryKind, DeliveryStatus
from notify.outbox import new_key
from notify.presence import lock_channel
from notify.settings import ChannelSettings

log = logging.getLogger(__name__)


def _bypasses(channel: ChannelSettings, significance: Significance) -> bool:
    return channel.quiet_bypass is not None and significance.at_least(Significance(channel.quiet_bypass))


def settle_quiet_hours(db: Database, channel: ChannelSettings, now: datetime | None = None) -> int:
    """In quiet time, holds the channel's alerts not yet attempted (and lets go of those that may now bypass it);
    outside it, folds what was held into one summary. Returns how many alerts it held or folded."""
    now = now or utcnow()
    quiet = channel.quiet()
    in_quiet = quiet is not None and quiet.period(now) is not None
    with db.sessions.begin() as session:
        lock_channel(session, channel.name)
        waiting = (
            select(Delivery, ChangeEvent.significance)
            .join(ChangeEvent, Delivery.event_id == ChangeEvent.id)
            .where(Delivery.channel == channel.name, Delivery.kind == DeliveryKind.EVENT)
            .order_by(Delivery.id)
            # A row a sender has claimed meanwhile (PostgreSQL) is skipped: it goes out on its own.
            .with_for_update(skip_locked=True, of=Delivery)
        )
        if in_quiet:
            # Only alerts never attempted: one being retried may have reached the receiver under its own key.
            fresh = session.execute(waiting.where(Delivery.status == DeliveryStatus.PENDING,
                                                  Delivery.attempts == 0)).all()
            held = [delivery for delivery, significance in fresh if not _bypasses(channel, significance)]
            for delivery in held:
                delivery.status = DeliveryStatus.QUIET
            for delivery, significance in session.execute(waiting.where(Delivery.status == DeliveryStatus.QUIET)):
                if _bypasses(channel, significance):
                    delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, now
            if held:
                log.info("channel %s is in its quiet hours (%s): %d alerts held", channel.name,
                         channel.quiet_hours, len(held))
            return len(held)
        held = [delivery for delivery, _ in session.execute(waiting.where(Delivery.status == DeliveryStatus.QUIET))]
        if not held:
            return 0
        summary = Delivery(channel=channel.name, kind=DeliveryKind.QUIET_SUMMARY, status=DeliveryStatus.PENDING,
                           idempotency_key=new_key(), created_at=now, next_attempt_at=now)
        for delivery in held:
            delivery.status, delivery.parent = DeliveryStatus.FOLDED, summary
        session.add(summary)
    log.info("channel %s: quiet hours over, %d held alerts sent as one summary", channel.name, len(held))
    return len(held)
