"""`korus-watch export --warc`: the kept snapshots as a gzipped WARC 1.1 file (ISO 28500), written with warcio and
streamed a batch at a time, so that memory stays flat whatever the archive's size.

A `warcinfo` record first; then, for each snapshot, a `request` record (what Scrapy sent, with the Host header its
client adds) and a `response` record (the status, the headers as received, the body as received) dated when it was
fetched, with warcio's block and payload digests; after it, a `metadata` record for each version read from it, what
korus-watch read, whose WARC-Refers-To is that response. A metadata record is `application/warc-fields`, as web
archives write theirs, one field per line whose value is JSON (`text: "Washington, DC ..."`): replay tools (pywb)
index no record of that type, so a replay of the item's URL serves the response, never the reading filed under the
same URL and second. The response's HTTP headers are the stored ones less
Content-Encoding, Transfer-Encoding and Content-Length, and with the Content-Length of the body as stored: Scrapy
undid the compression and the chunking, so the originals no longer describe the body a replay serves. Versions
archived before snapshots were kept get a metadata record without WARC-Refers-To."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from io import BytesIO
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from archive.models import Snapshot, SnapshotCompanion, Statement, Version
from archive.product import VERSION
from archive.snapshots.bodies import DamagedBody, load_body

_BATCH = 200
# Headers that described the bytes on the wire, which Scrapy decoded.
_WIRE_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
_VERSION_COLUMNS = (
    Version.id, Version.statement_id, Version.number, Version.snapshot_id, Version.title, Version.published_on,
    Version.published_text, Version.doc_type, Version.body_text, Version.content_hash, Version.first_seen_at,
    Version.origin, Version.extractor_version, Version.read_by, Statement.url.label("statement_url"),
)


@dataclass
class Exported:
    snapshots: int = 0
    versions: int = 0
    problems: int = 0

    def line(self, path: str) -> str:
        left_out = f"; {self.problems} snapshots left out, their bodies damaged" if self.problems else ""
        return f"export: {self.snapshots} snapshots and {self.versions} versions written to {path}{left_out}"


def export_warc(
    session: Session, out: BinaryIO, filename: str, *, sources: Sequence[str] = (), since: datetime | None = None,
    say: Callable[[str], None],
) -> Exported:
    """Writes the snapshots of `sources` (every source: none) fetched since `since`, and the versions read from
    them, to `out`; `say` gets a line for each snapshot left out (its body missing or altered)."""
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    ids = _RecordIds()
    writer.write_record(writer.create_warcinfo_record(filename, {
        "software": f"korus-watch {VERSION}",
        "format": "WARC File Format 1.1",
        "description": "Responses read by korus-watch polls, as Scrapy received them, and what was read of them",
    }))
    exported = Exported()
    for snapshots in _batches(session, sources, since):
        versions = _versions_read_from(session, [snapshot.id for snapshot in snapshots])
        companions = _companions(session, [snapshot.id for snapshot in snapshots])
        for snapshot in snapshots:
            try:
                body = load_body(session, snapshot.body_sha256)
            except DamagedBody as damage:
                exported.problems += 1
                say(f"snapshot {snapshot.id} ({snapshot.final_url}) left out: {damage}")
                refers_to = None
            else:
                _write_exchange(writer, ids, snapshot, body)
                exported.snapshots += 1
                refers_to = ids.response(snapshot.id)
            for version in versions.get(snapshot.id, []):
                also = [ids.response(companion) for companion in companions.get(snapshot.id, [])]
                _write_version(writer, version, refers_to, also)
                exported.versions += 1
    for version in _versions_without_snapshot(session, sources, since):
        _write_version(writer, version, None, [])
        exported.versions += 1
    return exported


class _RecordIds:
    """Record ids of this export, each computable before its record is written (a version's metadata may name a
    companion written later)."""

    def __init__(self) -> None:
        self._namespace = uuid.uuid4()

    def _id(self, kind: str, snapshot_id: int) -> str:
        return f"<urn:uuid:{uuid.uuid5(self._namespace, f'{kind}/{snapshot_id}')}>"

    def request(self, snapshot_id: int) -> str:
        return self._id("request", snapshot_id)

    def response(self, snapshot_id: int) -> str:
        return self._id("response", snapshot_id)


def _batches(session: Session, sources: Sequence[str], since: datetime | None) -> Iterator[Sequence[Any]]:
    query = select(Snapshot.id, Snapshot.url, Snapshot.final_url, Snapshot.status, Snapshot.protocol,
                   Snapshot.request_headers, Snapshot.headers, Snapshot.body_sha256, Snapshot.fetched_at)
    if sources:
        query = query.where(Snapshot.source.in_(sources))
    if since is not None:
        query = query.where(Snapshot.fetched_at >= since)
    yield from _pages(session, query, Snapshot.id)


def _versions_read_from(session: Session, snapshot_ids: list[int]) -> dict[int, list[Any]]:
    by_snapshot: dict[int, list[Any]] = {}
    for version in session.execute(
        select(*_VERSION_COLUMNS).join(Statement, Statement.id == Version.statement_id)
        .where(Version.snapshot_id.in_(snapshot_ids)).order_by(Version.id)
    ):
        by_snapshot.setdefault(version.snapshot_id, []).append(version)
    return by_snapshot


def _companions(session: Session, snapshot_ids: list[int]) -> dict[int, list[int]]:
    by_snapshot: dict[int, list[int]] = {}
    for row in session.execute(
        select(SnapshotCompanion.snapshot_id, SnapshotCompanion.companion_id)
        .where(SnapshotCompanion.snapshot_id.in_(snapshot_ids)).order_by(SnapshotCompanion.position)
    ):
        by_snapshot.setdefault(row.snapshot_id, []).append(row.companion_id)
    return by_snapshot


def _versions_without_snapshot(session: Session, sources: Sequence[str], since: datetime | None) -> Iterator[Any]:
    query = select(*_VERSION_COLUMNS).join(Statement, Statement.id == Version.statement_id).where(
        Version.snapshot_id.is_(None))
    if sources:
        query = query.where(Statement.source.in_(sources))
    if since is not None:
        query = query.where(Version.first_seen_at >= since)
    for rows in _pages(session, query, Version.id):
        yield from rows


def _pages(session: Session, query: Any, key: Any) -> Iterator[Sequence[Any]]:
    """The query's rows a batch at a time, in the order of `key` (an id column, which the rows carry as `id`)."""
    last = 0
    while rows := session.execute(query.where(key > last).order_by(key).limit(_BATCH)).all():
        yield rows
        last = rows[-1].id


def _date(moment: datetime) -> str:
    return str(datetime_to_iso_date(moment.replace(tzinfo=None), use_micros=True))


def _write_exchange(writer: WARCWriter, ids: _RecordIds, snapshot: Any, body: bytes) -> None:
    parts = urlsplit(snapshot.final_url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    reason = HTTPStatus(snapshot.status).phrase if snapshot.status in HTTPStatus._value2member_map_ else ""
    headers = [(name, value) for name, value in snapshot.headers if name.lower() not in _WIRE_HEADERS]
    response = writer.create_warc_record(
        snapshot.final_url, "response", payload=BytesIO(body), length=len(body),
        http_headers=StatusAndHeaders(f"{snapshot.status} {reason}".strip(),
                                      [*headers, ("Content-Length", str(len(body)))], protocol=snapshot.protocol),
        warc_headers_dict={"WARC-Record-ID": ids.response(snapshot.id), "WARC-Date": _date(snapshot.fetched_at)},
    )
    request = writer.create_warc_record(
        snapshot.final_url, "request",
        http_headers=StatusAndHeaders(f"GET {target} {snapshot.protocol}",
                                      [("Host", parts.netloc), *map(tuple, snapshot.request_headers)],
                                      is_http_request=True),
        warc_headers_dict={"WARC-Record-ID": ids.request(snapshot.id), "WARC-Date": _date(snapshot.fetched_at),
                           "WARC-Concurrent-To": ids.response(snapshot.id)},
    )
    writer.write_record(request)
    writer.write_record(response)


def _write_version(writer: WARCWriter, version: Any, refers_to: str | None, also_read: list[str]) -> None:
    reading = {
        "statement_id": version.statement_id, "version": version.number, "title": version.title,
        "published_on": version.published_on.isoformat() if version.published_on else None,
        "published_text": version.published_text, "doc_type": version.doc_type, "text": version.body_text,
        "content_hash": version.content_hash, "origin": version.origin.value,
        "extractor_version": version.extractor_version, "read_by": version.read_by,
        "first_seen_at": version.first_seen_at.isoformat(), "also_read": also_read,
    }
    headers = {"WARC-Date": _date(version.first_seen_at)}
    if refers_to is not None:
        headers["WARC-Refers-To"] = refers_to
    payload = "".join(
        f"{name}: {json.dumps(value, ensure_ascii=False)}\r\n" for name, value in reading.items()
    ).encode("utf-8")
    writer.write_record(writer.create_warc_record(
        version.statement_url, "metadata", payload=BytesIO(payload), length=len(payload),
        warc_content_type="application/warc-fields", warc_headers_dict=headers,
    ))
