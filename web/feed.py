"""The Atom feeds of change events (RFC 4287), all of them or those of statements matching a search, with the same
filters as the timeline, paged as RFC 5005 pages a feed; from a Jinja2 template.

A template rather than feedgen: feedgen 1.0 drops the `rel` of entry links (an entry's ustr.gov link would read as
a second `alternate`), and the template escapes every scraped value the way the pages do."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from jinja2 import Environment
from sqlalchemy.orm import Session

from archive.db import Database
from archive.read import events
from archive.read.events import EventFilters
from archive.read.query import MAX_QUERY_LENGTH, SearchQuery
from archive.read.schemas import EventSummary
from archive.read.statements import get_version
from web.diffs import DiffCache, excerpt
from web.links import event_url
from web.lru import Lru
from web.params import EventCursor, EventFiltersParam
from web.settings import HttpSettings

FEED_SIZE = 50
SearchText = Annotated[str, Query(min_length=1, max_length=MAX_QUERY_LENGTH, description="A search, as the archive's.")]
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
    tag = f"tag:{authority},{TAG_DATE}:korus-watch"
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

    def answer(request: Request, filters: EventFilters, before: int | None, feed_id: str, title: str) -> Response:
        """A page of the feed: the FEED_SIZE newest events before the event `before` (the newest, without it), linked
        to the first page and to the next (older) one, as RFC 5005's paged feeds are. Pages are keyed by event id,
        which only grows, so an event recorded while a reader pages back moves no page: it is on the first one."""
        base = str(request.base_url).rstrip("/")  # http.public_url, or none (web.middleware.PublicAddress)
        with db.sessions() as session:
            rows = events.list_events(session, filters, limit=FEED_SIZE + 1, before=before)
            page = rows[:FEED_SIZE]
            entries = [(event, event_url(base, event.id), content(session, event)) for event in page]
        more = len(rows) > FEED_SIZE
        document = feed_template.render(
            tag=tag,
            feed_id=feed_id,
            title=title,
            updated=page[0].detected_at if page else datetime(2026, 1, 1, tzinfo=UTC),
            self_url=str(request.url),
            first_url=str(request.url.remove_query_params("before")),
            next_url=str(request.url.include_query_params(before=page[-1].id)) if more else None,
            home=f"{base}/",
            entries=entries,
        )
        return Response(_NOT_XML.sub("", document), media_type="application/atom+xml; charset=utf-8")

    @router.get("/feeds/events.atom", name="feed")
    def feed(request: Request, filters: EventFiltersParam, before: EventCursor = None) -> Response:
        return answer(request, filters, before, f"{tag}/events", "korus-watch: changes to USTR statements")

    @router.get("/feeds/search.atom", name="search_feed")
    def search_feed(request: Request, q: SearchText, filters: EventFiltersParam, before: EventCursor = None) -> Response:
        """The changes to statements that say, or said, what `q` searches: an event whose version before or after
        the change matches (an edit that took "launched" out is a change to a statement that said it)."""
        search = replace(filters, search=SearchQuery.parse(q))
        return answer(request, search, before, f"{tag}/search?q={quote(q, safe='')}",
                      f"korus-watch: changes to USTR statements matching “{q}”")

    return router
