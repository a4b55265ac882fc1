"""Re-reading, the archive's side: the items of a source with the snapshot each was last read from, the re-read
version recorded (origin `reextraction`: no change event, so no alert and no digest line), and the extractor version
each source was last read with."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import SourceExtractor, Statement, Version, VersionOrigin, utcnow
from archive.records import FetchedStatement
from archive.writer import ReadFrom, StatementWriter

_PAGE = 500


@dataclass(frozen=True)
class ArchivedItem:
    """An item as the archive holds it, which a source kind's `reread` may need beside its responses (the section the
    press office filed it under, the title and date a listing gave it)."""

    id: int
    url: str
    section: str
    title: str
    published_on: date | None
    fields: dict[str, Any]
    # The response it was last read from; None for an item archived before snapshots were kept.
    snapshot_id: int | None


def items_of(session: Session, source: str) -> Iterator[ArchivedItem]:
    """The items the source first found, by id, read a page at a time."""
    last = 0
    while True:
        rows = session.execute(
            select(Statement.id, Statement.url, Statement.section, Statement.title, Statement.published_on,
                   Statement.fields, Statement.snapshot_id)
            .where(Statement.source == source, Statement.id > last).order_by(Statement.id).limit(_PAGE)
        ).all()
        for row in rows:
            yield ArchivedItem(row.id, row.url, row.section, row.title, row.published_on, row.fields or {},
                               row.snapshot_id)
        if len(rows) < _PAGE:
            return
        last = rows[-1].id


@dataclass(frozen=True)
class LatestVersion:
    number: int
    content_hash: str
    title: str
    published_on: date | None
    body_text: str


def latest_version(session: Session, statement_id: int) -> LatestVersion:
    latest = session.execute(
        select(Version.number, Version.content_hash, Version.title, Version.published_on, Version.body_text)
        .where(Version.statement_id == statement_id).order_by(Version.number.desc()).limit(1)
    ).one()
    return LatestVersion(latest.number, latest.content_hash, latest.title, latest.published_on, latest.body_text)


def record_reread(
    session: Session, writer: StatementWriter, item: ArchivedItem, reading: FetchedStatement, number: int,
    extractor_version: str,
) -> None:
    """The item's reading by today's extractor, from the snapshot it was last read from, as its version `number`."""
    read = ReadFrom(item.snapshot_id, extractor_version, VersionOrigin.REEXTRACTION)
    writer.add_version(session, item.id, reading, read, number, utcnow())


def last_extractor(session: Session, source: str) -> str | None:
    """The extractor version the source's items were last read with, if any was recorded."""
    return session.scalar(select(SourceExtractor.extractor_version).where(SourceExtractor.source == source))


def remember_extractor(session: Session, source: str, extractor_version: str) -> None:
    row = session.get(SourceExtractor, source)
    if row is None:
        session.add(SourceExtractor(source=source, extractor_version=extractor_version, updated_at=utcnow()))
    else:
        row.extractor_version, row.updated_at = extractor_version, utcnow()
