"""The stored responses for the pages and the API: what each version was read from, and a snapshot's raw body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import MAX_ID, Snapshot, SnapshotBody, SnapshotCompanion, Version
from archive.read.common import NotFound, get_statement
from archive.read.schemas import SnapshotDetail, SnapshotSummary, VersionSummary
from archive.snapshots.bodies import load_body


def content_type(headers: list[list[str]]) -> str | None:
    return next((value for name, value in headers if name.lower() == "content-type"), None)


def snapshot_summary(snapshot: Snapshot) -> SnapshotSummary:
    return SnapshotSummary(
        id=snapshot.id, url=snapshot.url, final_url=snapshot.final_url, status=snapshot.status,
        content_type=content_type(snapshot.headers), fetched_at=snapshot.fetched_at,
        confirmed_at=snapshot.confirmed_at, sha256=snapshot.body_sha256,
    )


def version_summary(version: Version) -> dict[str, Any]:
    """A version's summary fields, the response it was read from among them."""
    values = {name: getattr(version, name) for name in VersionSummary.model_fields if name != "snapshot"}
    return {**values, "snapshot": snapshot_summary(version.snapshot) if version.snapshot is not None else None}


def _snapshot(session: Session, snapshot_id: int) -> Snapshot:
    snapshot = session.get(Snapshot, snapshot_id) if snapshot_id <= MAX_ID else None
    if snapshot is None:
        raise NotFound(f"no snapshot {snapshot_id} in the archive")
    return snapshot


def snapshot_detail(session: Session, snapshot_id: int) -> SnapshotDetail:
    snapshot = _snapshot(session, snapshot_id)
    size = session.scalar(select(SnapshotBody.size).where(SnapshotBody.sha256 == snapshot.body_sha256))
    companions = session.scalars(
        select(Snapshot).join(SnapshotCompanion, SnapshotCompanion.companion_id == Snapshot.id)
        .where(SnapshotCompanion.snapshot_id == snapshot.id).order_by(SnapshotCompanion.position)
    )
    return SnapshotDetail(
        **snapshot_summary(snapshot).model_dump(), protocol=snapshot.protocol,
        request_headers=[(name, value) for name, value in snapshot.request_headers],
        headers=[(name, value) for name, value in snapshot.headers],
        size=size,  # None: the body was lost (`korus-watch verify` names it); the snapshot is still described
        also_read=[snapshot_summary(companion) for companion in companions],
    )


def version_snapshot_id(session: Session, statement_id: int, number: int) -> int:
    """The snapshot version `number` of the statement was read from; NotFound when it has none."""
    get_statement(session, statement_id)
    row = session.execute(
        select(Version.id, Version.snapshot_id).where(Version.statement_id == statement_id, Version.number == number)
    ).one_or_none()
    if row is None:
        raise NotFound(f"statement {statement_id} has no version {number}")
    if row.snapshot_id is None:
        raise NotFound(f"version {number} of statement {statement_id} was archived before korus-watch kept the "
                       "responses it read: it has no snapshot")
    return int(row.snapshot_id)


@dataclass(frozen=True)
class RawBody:
    content_type: str | None
    body: bytes


def raw_body(session: Session, snapshot_id: int) -> RawBody:
    """A snapshot's body as received; raises NotFound, or archive.snapshots.bodies.DamagedBody when it was lost or
    altered."""
    snapshot = _snapshot(session, snapshot_id)
    return RawBody(content_type(snapshot.headers), load_body(session, snapshot.body_sha256))
