"""`korus-watch verify`: every stored body is the bytes its SHA-256 names, and everything that names a snapshot
names one that is there. A missing or altered body is named, with the snapshots and versions it leaves without
their evidence."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.models import PageValidator, Snapshot, SnapshotBody, SnapshotCompanion, Statement, Version
from archive.snapshots.bodies import DamagedBody, decoded

_BATCH = 200


@dataclass
class Verification:
    bodies: int = 0
    snapshots: int = 0
    versions: int = 0
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        found = f"{len(self.problems)} problems" if self.problems else "no problem"
        return (f"verify: {self.bodies} bodies, {self.snapshots} snapshots and {self.versions} versions with a "
                f"snapshot checked: {found}")


def verify(session: Session) -> Verification:
    result = Verification(
        snapshots=session.scalar(select(func.count()).select_from(Snapshot)) or 0,
        versions=session.scalar(select(func.count()).where(Version.snapshot_id.is_not(None))) or 0,
    )
    for sha256, problem in _damaged_bodies(session, result):
        result.problems.append(f"body {sha256}: {problem}{_users(session, sha256)}")
    missing_bodies = session.execute(
        select(Snapshot.id, Snapshot.final_url, Snapshot.body_sha256)
        .outerjoin(SnapshotBody, SnapshotBody.sha256 == Snapshot.body_sha256)
        .where(SnapshotBody.sha256.is_(None)).order_by(Snapshot.id)
    )
    result.problems += [f"snapshot {row.id} ({row.final_url}): its body {row.body_sha256} is missing"
                        for row in missing_bodies]
    result.problems += list(_missing_snapshots(session))
    return result


def _damaged_bodies(session: Session, result: Verification) -> Iterator[tuple[str, str]]:
    """Every stored body that does not decompress to the bytes its SHA-256 and size name, read a batch at a time."""
    last = ""
    while True:
        rows = session.execute(
            select(SnapshotBody.sha256, SnapshotBody.size, SnapshotBody.data)
            .where(SnapshotBody.sha256 > last).order_by(SnapshotBody.sha256).limit(_BATCH)
        ).all()
        for row in rows:
            result.bodies += 1
            try:
                decoded(row.sha256, row.size, row.data)
            except DamagedBody as damage:
                yield row.sha256, str(damage).removeprefix(f"body {row.sha256} ")
        if len(rows) < _BATCH:
            return
        last = rows[-1].sha256


def _users(session: Session, sha256: str) -> str:
    """The snapshots with this body and the versions read from them, as the end of a problem's line."""
    snapshots = list(session.scalars(select(Snapshot.id).where(Snapshot.body_sha256 == sha256).order_by(Snapshot.id)))
    versions = session.execute(
        select(Version.statement_id, Version.number).where(Version.snapshot_id.in_(snapshots))
        .order_by(Version.statement_id, Version.number)
    ).all()
    named = f"; snapshots {', '.join(map(str, snapshots))}" if snapshots else "; no snapshot has it"
    if versions:
        named += "; read from them: " + ", ".join(f"statement {v.statement_id} version {v.number}" for v in versions)
    return named


def _missing_snapshots(session: Session) -> Iterator[str]:
    """Whatever names a snapshot that is not there (deleted with foreign keys off, by hand)."""
    present = select(Snapshot.id)
    for row in session.execute(
        select(Version.statement_id, Version.number, Version.snapshot_id)
        .where(Version.snapshot_id.is_not(None), Version.snapshot_id.not_in(present))
        .order_by(Version.statement_id, Version.number)
    ):
        yield f"statement {row.statement_id} version {row.number}: its snapshot {row.snapshot_id} is missing"
    for item in session.execute(
        select(Statement.id, Statement.snapshot_id)
        .where(Statement.snapshot_id.is_not(None), Statement.snapshot_id.not_in(present)).order_by(Statement.id)
    ):
        yield f"statement {item.id}: the snapshot it was last read from, {item.snapshot_id}, is missing"
    for companion in session.execute(
        select(SnapshotCompanion.snapshot_id, SnapshotCompanion.companion_id)
        .where(SnapshotCompanion.companion_id.not_in(present)).order_by(SnapshotCompanion.snapshot_id)
    ):
        yield f"snapshot {companion.snapshot_id}: the snapshot {companion.companion_id} it was read with is missing"
    for validator in session.execute(
        select(PageValidator.url, PageValidator.snapshot_id)
        .where(PageValidator.snapshot_id.is_not(None), PageValidator.snapshot_id.not_in(present))
        .order_by(PageValidator.url)
    ):
        yield f"the validators of {validator.url}: their snapshot {validator.snapshot_id} is missing"
