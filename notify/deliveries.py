"""The delivery log as the command line shows it, and requeueing dead letters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from archive.models import ChangeEvent, Delivery, DeliveryStatus, utcnow


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
        query = query.where(Delivery.status == DeliveryStatus.FAILED)
    if channel is not None:
        query = query.where(Delivery.channel == channel)
    return [delivery_data(d) for d in session.scalars(query)]


def requeue_failed(session: Session, ids: list[int] | None) -> list[int]:
    """Dead letters (the given ones, or all) back in the queue with fresh attempts; returns the ids requeued."""
    query = update(Delivery).where(Delivery.status == DeliveryStatus.FAILED)
    if ids is not None:
        query = query.where(Delivery.id.in_(ids))
    requeued = session.scalars(
        query.values(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=utcnow()).returning(Delivery.id)
    ).all()
    return sorted(requeued)
