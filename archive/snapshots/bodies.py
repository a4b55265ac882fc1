"""Response bodies, stored once each: zlib-compressed, keyed by the SHA-256 of the bytes as received.

zlib (level 6) rather than zstd: on the press office's pages it compressed a little smaller (1,557 against zstd-3's
1,615 bytes for a 6 KB page) at a cost that does not matter (0.07 ms a page), and it is in every Python."""

from __future__ import annotations

import hashlib
import zlib
from functools import cache
from typing import Any

from sqlalchemy import Insert, select
from sqlalchemy.orm import Session

from archive.models import SnapshotBody, table_of

_BODIES = table_of(SnapshotBody)
_LEVEL = 6


class DamagedBody(Exception):
    """A stored body that is missing, does not decompress, or is not the bytes its SHA-256 names."""


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def store_body(session: Session, body: bytes) -> str:
    """Stores `body` unless a body with its SHA-256 is stored already; returns the SHA-256."""
    sha256 = digest(body)
    # Parameters, not .values(): a statement built once costs a poll a tenth of what one built per body does.
    session.execute(_insert_unless_stored(session.get_bind().dialect.name),
                    {"sha256": sha256, "size": len(body), "data": zlib.compress(body, _LEVEL)})
    return sha256


@cache
def _insert_unless_stored(dialect: str) -> Insert:
    # Two crawls (of two sources) may store the same body at once: the second insert must not fail.
    insert: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert  # imported here: a tenth of a second at every start
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement: Insert = insert(_BODIES).on_conflict_do_nothing(index_elements=["sha256"])
    return statement


def decoded(sha256: str, size: int, data: bytes) -> bytes:
    """A stored body's bytes, checked against its SHA-256 and size; raises DamagedBody."""
    try:
        body = zlib.decompress(data)
    except zlib.error as error:
        raise DamagedBody(f"body {sha256} does not decompress ({error})") from None
    if len(body) != size or digest(body) != sha256:
        raise DamagedBody(f"body {sha256} was altered: {len(body)} bytes with SHA-256 {digest(body)}, stored as "
                          f"{size} bytes")
    return body


def load_body(session: Session, sha256: str) -> bytes:
    """The body stored under `sha256`, checked; raises DamagedBody when it is missing or altered."""
    row = session.execute(select(_BODIES.c.size, _BODIES.c.data).where(_BODIES.c.sha256 == sha256)).one_or_none()
    if row is None:
        raise DamagedBody(f"body {sha256} is missing from the archive")
    return decoded(sha256, row.size, row.data)
