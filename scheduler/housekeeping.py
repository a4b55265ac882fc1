"""Pruning what only matters for a while: crawl-run records, the delivery log, and the snapshots `[archive]
keep_snapshots` does not keep. Statement versions and change events are the archive and are kept forever."""

from __future__ import annotations

import logging
from datetime import timedelta

from archive.db import Database
from archive.models import utcnow
from archive.retention import prune_crawl_runs
from archive.snapshots.retention import KeepSnapshots, prune_snapshots
from notify.deliveries import prune_delivery_log

log = logging.getLogger(__name__)


def prune(db: Database, retention_days: int, keep_snapshots: KeepSnapshots) -> tuple[int, int, int]:
    """Deletes finished crawl runs and finished deliveries older than the retention, and the snapshots not kept;
    returns (runs, deliveries, snapshots)."""
    now = utcnow()
    cutoff = now - timedelta(days=retention_days)
    with db.sessions.begin() as session:
        deliveries = prune_delivery_log(session, cutoff)
        runs = prune_crawl_runs(session, cutoff)
        snapshots, bodies = prune_snapshots(session, keep_snapshots, now)
    log.info("housekeeping: pruned %d crawl runs and %d deliveries older than %d days, %d snapshots (%d bodies) "
             "keep_snapshots=%s does not keep", runs, deliveries, retention_days, snapshots, bodies, keep_snapshots)
    return runs, deliveries, snapshots
