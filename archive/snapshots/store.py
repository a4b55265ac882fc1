"""Storing a crawl's snapshots: each in the unit of work of the first record read from it (or in one of its own
when no record carries it: a listing page that only names pages to read), once; its id is set only once that unit
of work has committed, so that a rolled-back one leaves it to be stored again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from archive.models import Snapshot as StoredSnapshot
from archive.models import SnapshotCompanion, table_of
from archive.records import Snapshot
from archive.snapshots.bodies import store_body

_SNAPSHOTS = table_of(StoredSnapshot)
_INSERT_SNAPSHOT = insert(_SNAPSHOTS).returning(_SNAPSHOTS.c.id)
_INSERT_COMPANION = insert(table_of(SnapshotCompanion))


@dataclass
class SnapshotStore:
    # Stored in the current unit of work, not committed yet.
    _pending: dict[int, tuple[Snapshot, int]] = field(default_factory=dict)

    def stored_id(self, session: Session, snapshot: Snapshot | None, also_read: tuple[Snapshot, ...] = ()) -> int | None:
        """The snapshot's id, stored now unless it was already; `also_read`, the other responses its record was
        read with, are stored too and named as its companions when it is stored."""
        if snapshot is None:
            return None
        if snapshot.id is not None:
            return snapshot.id
        if (pending := self._pending.get(id(snapshot))) is not None:
            return pending[1]
        snapshot_id: int = session.execute(_INSERT_SNAPSHOT, {
            "source": snapshot.source, "url": snapshot.url, "final_url": snapshot.final_url,
            "status": snapshot.status, "protocol": snapshot.protocol,
            "request_headers": [list(pair) for pair in snapshot.request_headers],
            "headers": [list(pair) for pair in snapshot.headers],
            "body_sha256": store_body(session, snapshot.body), "fetched_at": snapshot.fetched_at,
        }).scalar_one()
        self._pending[id(snapshot)] = (snapshot, snapshot_id)
        companions = [self.stored_id(session, other) for other in also_read]
        if companions:
            session.execute(_INSERT_COMPANION, [
                {"snapshot_id": snapshot_id, "companion_id": companion, "position": position}
                for position, companion in enumerate(dict.fromkeys(companions))
            ])
        return snapshot_id

    @staticmethod
    def confirm(session: Session, snapshot_id: int, at: datetime) -> None:
        """A 304 answered the validators that came with the snapshot: its body was still current `at`."""
        session.execute(update(_SNAPSHOTS).where(_SNAPSHOTS.c.id == snapshot_id).values(confirmed_at=at))

    def committed(self) -> None:
        for snapshot, snapshot_id in self._pending.values():
            snapshot.id = snapshot_id
        self._pending.clear()

    def rolled_back(self) -> None:
        self._pending.clear()
