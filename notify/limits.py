"""An instant channel's hourly limit: the events past `max_per_hour` fold into one summary message."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from archive.db import Database
from archive.models import utcnow
from notify.models import Delivery, DeliveryKind, DeliveryStatus
from notify.outbox import new_key
from notify.presence import lock_channel
from notify.settings import ChannelSettings

log = logging.getLogger(__name__)

_HOUR = timedelta(hours=1)
_SUMMARIES = (DeliveryKind.SUMMARY, DeliveryKind.QUIET_SUMMARY)
_COUNTED_AGAINST_LIMIT = (DeliveryKind.EVENT, *_SUMMARIES)


def newest_delivery_id(session: Session) -> int:
    return session.scalar(select(func.max(Delivery.id))) or 0


def fold_over_limit(db: Database, channel: ChannelSettings) -> tuple[int, int]:
    """Keeps an instant channel within max_per_hour: events past the limit become one summary message.

    Returns how many events were folded, and the newest delivery the pass may send: what a crawl queues after
    this count waits for the next pass and its count."""
    now = utcnow()
    counted = and_(Delivery.channel == channel.name, Delivery.kind.in_(_COUNTED_AGAINST_LIMIT))
    with db.sessions.begin() as session:
        lock_channel(session, channel.name)
        up_to = newest_delivery_id(session)
        sent_in_window = [sent_at for sent_at in session.scalars(
            select(Delivery.sent_at).where(counted, Delivery.status == DeliveryStatus.SENT,
                                           Delivery.sent_at >= now - _HOUR).order_by(Delivery.sent_at)
        ) if sent_at is not None]
        queued = session.scalar(
            select(func.count(Delivery.id)).where(
                counted,
                or_(Delivery.status == DeliveryStatus.SENDING,
                    and_(Delivery.status == DeliveryStatus.PENDING,
                         or_(Delivery.attempts > 0, Delivery.kind.in_(_SUMMARIES)))),
            )
        ) or 0
        # Locked: a sender claiming one of them meanwhile (PostgreSQL) would otherwise send an event that is
        # also in the summary. A row a sender holds already is skipped; it goes out on its own.
        fresh = session.scalars(
            select(Delivery).where(counted, Delivery.kind == DeliveryKind.EVENT, Delivery.id <= up_to,
                                   Delivery.status == DeliveryStatus.PENDING, Delivery.attempts == 0)
            .order_by(Delivery.id).with_for_update(skip_locked=True)
        ).all()
        room = channel.max_per_hour - len(sent_in_window) - queued
        if len(fresh) <= room:
            return 0, up_to
        if room <= 0:
            # The window opens again when its oldest message turns an hour old.
            reopens = (sent_in_window[0] + _HOUR) if sent_in_window else now + timedelta(minutes=1)
            for delivery in fresh:
                delivery.next_attempt_at = max(delivery.next_attempt_at, reopens)
            return 0, up_to
        summary = Delivery(channel=channel.name, kind=DeliveryKind.SUMMARY, status=DeliveryStatus.PENDING,
                           idempotency_key=new_key(), created_at=now, next_attempt_at=now)
        folded = fresh[room - 1:]
        for delivery in folded:
            delivery.status, delivery.parent = DeliveryStatus.FOLDED, summary
        session.add(summary)
        session.flush()
        up_to = summary.id
    log.info("channel %s over %d messages an hour: %d events folded into one summary",
             channel.name, channel.max_per_hour, len(folded))
    return len(folded), up_to
