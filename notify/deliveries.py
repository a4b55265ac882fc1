"""The delivery log and queue as the command line shows them, and requeueing dead letters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, selectinload

from archive.models import ChangeEvent, utcnow
from notify.models import Delivery, DeliveryStatus

# The delivery states worth a line in `status`: waiting for a digest or the end of quiet hours, queued, in flight,
# dead-lettered.
_QUEUE_STATES = (DeliveryStatus.HELD, DeliveryStatus.QUIET, DeliveryStatus.PENDING, DeliveryStatus.SENDING,
                 DeliveryStatus.FAILED, DeliveryStatus.UNKNOWN)
# Dead letters: what no pass sends again until `retry` queues it.
DEAD = (DeliveryStatus.FAILED, DeliveryStatus.UNKNOWN)


def delivery_data(delivery: Delivery) -> dict[str, Any]:
    event = delivery.event
    return {
        "id": delivery.id,
        "channel": delivery.channel,
        "kind": delivery.kind.value,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "event": {"id": event.id, "kind": event.kind.value, "title": event.statement.title} if event else None,
        "items": len(delivery.items),
        "created_at": delivery.created_at,
        "next_attempt_at": delivery.next_attempt_at if delivery.status == DeliveryStatus.PENDING else None,
        "sent_at": delivery.sent_at,
        "last_error": delivery.last_error,
        "response": delivery.response,
        "idempotency_key": delivery.idempotency_key,
    }


def list_deliveries(session: Session, *, failed: bool = False, channel: str | None = None,
                    limit: int = 100) -> list[dict[str, Any]]:
    query = (
        select(Delivery)
        .order_by(Delivery.id.desc())
        .limit(limit)
        .options(selectinload(Delivery.event).selectinload(ChangeEvent.statement), selectinload(Delivery.items))
    )
    if failed:
        query = query.where(Delivery.status.in_(DEAD))
    if channel is not None:
        query = query.where(Delivery.channel == channel)
    return [delivery_data(d) for d in session.scalars(query)]


def requeue_failed(session: Session, ids: list[int] | None) -> list[int]:
    """Dead letters (the given ones, or all) back in the queue with fresh attempts; returns the ids requeued."""
    query = update(Delivery).where(Delivery.status.in_(DEAD))
    if ids is not None:
        query = query.where(Delivery.id.in_(ids))
    requeued = session.scalars(
        query.values(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=utcnow()).returning(Delivery.id)
    ).all()
    return sorted(requeued)


def queue_counts(session: Session) -> dict[str, int]:
    """How many deliveries wait for a digest, are queued, in flight, or dead-lettered."""
    return {
        status.value: count
        for status, count in session.execute(
            select(Delivery.status, func.count()).where(Delivery.status.in_(_QUEUE_STATES)).group_by(Delivery.status)
        )
    }


def prune_delivery_log(session: Session, cutoff: datetime) -> int:
    """Deletes finished deliveries created before `cutoff`; returns how many."""
    # Folded events go with their digest or summary; a dead letter stays until it is retried or pruned.
    finished = (DeliveryStatus.SENT, DeliveryStatus.FOLDED, *DEAD)
    old_parents = select(Delivery.id).where(Delivery.status.in_(finished), Delivery.created_at < cutoff)
    return session.execute(  # type: ignore[attr-defined, no-any-return]
        delete(Delivery).where(
            Delivery.status.in_(finished),
            Delivery.created_at < cutoff,
            (Delivery.parent_id.is_(None)) | (Delivery.parent_id.in_(old_parents)),
        )
    ).rowcount


def counts_by_channel(session: Session) -> list[tuple[str, str, int]]:
    """(channel, status, how many) for every channel and status in the log."""
    rows = session.execute(
        select(Delivery.channel, Delivery.status, func.count()).group_by(Delivery.channel, Delivery.status)
    )
    return [(channel, status.value, count) for channel, status, count in rows]


def last_sent_by_channel(session: Session) -> dict[str, datetime]:
    """When each channel last got a message."""
    rows = session.execute(
        select(Delivery.channel, func.max(Delivery.sent_at))
        .where(Delivery.status == DeliveryStatus.SENT)
        .group_by(Delivery.channel)
    )
    return {channel: sent_at for channel, sent_at in rows if sent_at is not None}
