"""The Atom feed of change events (RFC 4287) with the same filters as the timeline, from a Jinja2 template.

A template rather than feedgen: feedgen 1.0 drops the `rel` of entry links (an entry's ustr.gov link would read as
a second `alternate`), and the template escapes every scraped value the way the pages do."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from jinja2 import Environment
from sqlalchemy.orm import Session

from archive.db import Database
from archive.read import events
from archive.read.schemas import EventSummary
from archive.read.statements import get_version
from web.diffs import DiffCache, excerpt
from web.links import event_url
from web.lru import Lru
from web.params import EventFiltersParam
from web.settings import HttpSettings

FEED_SIZE = 50
# Entries kept rendered: the newest of a few filtered feeds.
ENTRIES_KEPT = 1000
# Entry ids never change (a feed reader shows an entry again under a new id): a tag URI whose authority is the
# configured public host (else the address the server listens on, never the host a request named) and whose date
# is fixed.
TAG_DATE = "2026"
# Characters XML 1.0 cannot carry, which scraped text may hold.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def feed_router(db: Database, env: Environment, diffs: DiffCache, http: HttpSettings) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    authority = http.public_url.host if http.public_url else http.host
    feed_template, entry_template = env.get_template("feed.xml"), env.get_template("feed_entry.html")
    # An entry is rendered once, not on every fetch of every feed reader: it is keyed by all it shows of the event
    # (a later edit of the statement's title or address changes the key), and its diff never changes.
    entries: Lru[str, str] = Lru(ENTRIES_KEPT)

    def content(session: Session, event: EventSummary) -> str:
        return entries.get(event.model_dump_json(), lambda: render_entry(session, event))

    def render_entry(session: Session, event: EventSummary) -> str:
        diff = diffs.of_event(session, event)
        if diff is not None:
            return entry_template.render(event=event, diff=diff, segments=excerpt(diff.body_segments), opening=None)
        paragraphs = get_version(session, event.statement_id, event.described_version).body_text.split("\n\n")[:2]
        return entry_template.render(event=event, diff=None, segments=None, opening=paragraphs)

    @router.get("/feeds/events.atom", name="feed")
    def feed(request: Request, filters: EventFiltersParam) -> Response:
        base = str(request.base_url).rstrip("/")  # http.public_url, or none (web.middleware.PublicAddress)
        with db.sessions() as session:
            rows = events.list_events(session, filters, limit=FEED_SIZE)
            entries = [(event, event_url(base, event.id), content(session, event)) for event in rows]
        document = feed_template.render(
            tag=f"tag:{authority},{TAG_DATE}:korus-watch",
            updated=rows[0].detected_at if rows else datetime(2026, 1, 1, tzinfo=UTC),
            self_url=str(request.url),
            home=f"{base}/",
            entries=entries,
        )
        return Response(_NOT_XML.sub("", document), media_type="application/atom+xml; charset=utf-8")

    return router
