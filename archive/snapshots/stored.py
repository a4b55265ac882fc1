"""Stored responses read back: a snapshot's metadata and body, and the companions it was read with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import Snapshot, SnapshotCompanion
from archive.snapshots.bodies import DamagedBody, load_body


@dataclass(frozen=True)
class StoredResponse:
    """A response as the archive kept it (archive.models.Snapshot), its body checked against its SHA-256."""

    snapshot_id: int
    url: str
    final_url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime


def stored_response(session: Session, snapshot_id: int) -> StoredResponse:
    """Raises DamagedBody when the snapshot or its body is missing, or the body altered."""
    snapshot = session.get(Snapshot, snapshot_id)
    if snapshot is None:
        raise DamagedBody(f"snapshot {snapshot_id} is missing from the archive")
    return StoredResponse(snapshot.id, snapshot.url, snapshot.final_url, snapshot.status,
                          [(name, value) for name, value in snapshot.headers], load_body(session, snapshot.body_sha256),
                          snapshot.fetched_at)


def read_together(session: Session, snapshot_id: int) -> list[StoredResponse]:
    """The snapshot and the companions it was read with, in the order the finder carried them: what a source kind's
    `reread` gets. Raises DamagedBody for the first that is missing or altered."""
    companions = session.scalars(
        select(SnapshotCompanion.companion_id).where(SnapshotCompanion.snapshot_id == snapshot_id)
        .order_by(SnapshotCompanion.position)
    )
    return [stored_response(session, other) for other in [snapshot_id, *companions]]
