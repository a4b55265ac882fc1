"""Pruning what only matters for a while: crawl-run records and the delivery log. Statement versions and change
events are the archive and are kept forever."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, select

from archive.db import Database
from archive.models import CrawlRun, Delivery, DeliveryStatus, RunStatus, utcnow

log = logging.getLogger(__name__)


def prune(db: Database, retention_days: int) -> tuple[int, int]:
    """Deletes finished crawl runs and finished deliveries older than the retention; returns (runs, deliveries)."""
    cutoff = utcnow() - timedelta(days=retention_days)
    with db.sessions.begin() as session:
        # Folded events go with their digest or summary; a dead letter stays until it is retried or pruned.
        finished = (DeliveryStatus.SENT, DeliveryStatus.FOLDED, DeliveryStatus.FAILED)
        old_parents = select(Delivery.id).where(Delivery.status.in_(finished), Delivery.created_at < cutoff)
        deliveries = session.execute(
            delete(Delivery).where(
                Delivery.status.in_(finished),
                Delivery.created_at < cutoff,
                (Delivery.parent_id.is_(None)) | (Delivery.parent_id.in_(old_parents)),
            )
        ).rowcount  # type: ignore[attr-defined]
        runs = session.execute(
            delete(CrawlRun).where(CrawlRun.status != RunStatus.RUNNING, CrawlRun.started_at < cutoff)
        ).rowcount  # type: ignore[attr-defined]
    log.info("housekeeping: pruned %d crawl runs and %d deliveries older than %d days", runs, deliveries,
             retention_days)
    return runs, deliveries
