"""Which snapshots are kept: `[archive] keep_snapshots`. "versions" (the default) keeps those some version was read
from, each item's latest (what a re-reading reads), the companions of those, and the response each page's validators
came with (what a 304 confirms); "all" keeps every one. Bodies no kept snapshot has go too."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import delete, func, select, union
from sqlalchemy.orm import Session

from archive.models import (
    CrawlRun,
    PageValidator,
    RunStatus,
    Snapshot,
    SnapshotBody,
    SnapshotCompanion,
    Statement,
    Version,
)

KeepSnapshots = Literal["versions", "all"]


def prune_snapshots(session: Session, keep: KeepSnapshots, now: datetime) -> tuple[int, int]:
    """Deletes the snapshots `keep` does not keep, and the bodies left without a snapshot; returns how many of each.
    Spares what a crawl still running may yet name: a snapshot it stored before the change it read is recorded."""
    if keep == "all":
        return 0, 0
    running = session.scalar(select(func.min(CrawlRun.started_at)).where(CrawlRun.status == RunStatus.RUNNING))
    named = union(
        select(Version.snapshot_id.label("id")).where(Version.snapshot_id.is_not(None)),
        select(Statement.snapshot_id).where(Statement.snapshot_id.is_not(None)),
        select(PageValidator.snapshot_id).where(PageValidator.snapshot_id.is_not(None)),
    ).subquery()
    companions = select(SnapshotCompanion.companion_id).where(SnapshotCompanion.snapshot_id.in_(select(named.c.id)))
    snapshots = session.execute(
        delete(Snapshot).where(
            Snapshot.fetched_at < min(now, running or now),
            Snapshot.id.not_in(select(named.c.id)),
            Snapshot.id.not_in(companions),
        )
    ).rowcount  # type: ignore[attr-defined]
    bodies = session.execute(
        delete(SnapshotBody).where(SnapshotBody.sha256.not_in(select(Snapshot.body_sha256)))
    ).rowcount  # type: ignore[attr-defined]
    return snapshots, bodies
