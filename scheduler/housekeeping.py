"""Pruning what only matters for a while: crawl-run records and the delivery log. Statement versions and change
events are the archive and are kept forever."""

from __future__ import annotations

import logging
from datetime import timedelta

from archive.db import Database
from archive.models import utcnow
from archive.retention import prune_crawl_runs
from notify.deliveries import prune_delivery_log

log = logging.getLogger(__name__)


def prune(db: Database, retention_days: int) -> tuple[int, int]:
    """Deletes finished crawl runs and finished deliveries older than the retention; returns (runs, deliveries)."""
    cutoff = utcnow() - timedelta(days=retention_days)
    with db.sessions.begin() as session:
        deliveries = prune_delivery_log(session, cutoff)
        runs = prune_crawl_runs(session, cutoff)
    log.info("housekeeping: pruned %d crawl runs and %d deliveries older than %d days", runs, deliveries,
             retention_days)
    return runs, deliveries
