"""A stored response as fetched, for the "as fetched" links and the API: its body as received, under its own
Content-Type, in a Content-Security-Policy sandbox (no script of it runs, it has no access to this origin) and with
nosniff (a browser never takes it for another type)."""

from __future__ import annotations

from fastapi.responses import Response

from archive.db import Database
from archive.read.snapshots import raw_body
from web.middleware import SANDBOXED_POLICY

# What the API document says the raw body is.
RAW_BODY_RESPONSE: dict[int | str, dict[str, object]] = {
    200: {"description": "The body as received, under the Content-Type it was received with, in a "
                         "`Content-Security-Policy: sandbox`.",
          "content": {"text/html": {}, "application/octet-stream": {}}},
    410: {"description": "The stored body was lost or altered (`korus-watch verify` names it)."},
}


def as_fetched(db: Database, snapshot_id: int) -> Response:
    """Raises NotFound, or DamagedBody for a body lost or altered (web.errors answers 410)."""
    with db.sessions() as session:
        raw = raw_body(session, snapshot_id)
    # Its own Content-Type, as received: Starlette's media_type would add a charset the page may not have had.
    return Response(raw.body, headers={"content-type": raw.content_type or "application/octet-stream",
                                       "content-security-policy": SANDBOXED_POLICY})
