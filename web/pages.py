"""The server-rendered pages: timeline, archive and search, a statement, a diff, an event, the status."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from sqlalchemy.orm import Session
from starlette.templating import Jinja2Templates

from archive.db import Database
from archive.models import EventKind
from archive.read import events, statements
from archive.read.common import NotFound
from archive.read.cursors import BadCursor
from archive.read.diffs import numbered_diff
from archive.read.schemas import Diff
from archive.read.search import CANDIDATES
from web.diffs import DiffCache
from web.facets import FacetCache
from web.highlight import mark_terms
from web.params import (
    EventCursor,
    EventFiltersParam,
    FromNumber,
    ItemId,
    StatementFiltersParam,
    ToNumber,
    VersionNumber,
)
from web.rendering import link
from web.snapshots import as_fetched
from web.status import StatusSource, read_status

FEED_FILTERS = ("q", "topic", "kind", "section", "source", "significance")
TIMELINE_PAGE = 50
ARCHIVE_PAGE = 25


def page_router(
    db: Database, templates: Jinja2Templates, facets: FacetCache, diffs: DiffCache, status: StatusSource
) -> APIRouter:
    router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)

    def render(request: Request, name: str, feed: str = "feed", **context: Any) -> Response:
        # The feed of what the page shows (`feed`: the events', or a search's), with the token a feed reader needs
        # when the server asks for one.
        feed_query = {key: value for key, value in request.query_params.items() if key in FEED_FILTERS}
        if feed_token := request.scope.get("state", {}).get("feed_token"):
            feed_query["token"] = feed_token
        feed_url = link(request, feed).include_query_params(**feed_query)
        return templates.TemplateResponse(
            request, name, {"facets": facets.get(), "feed_url": feed_url, "kinds": list(EventKind), **context}
        )

    @router.get("/")
    def timeline(request: Request, filters: EventFiltersParam, before: EventCursor = None,
                 after: EventCursor = None) -> Response:
        if before is not None and after is not None:
            raise BadCursor("give `before` (older changes) or `after` (newer changes), not both")
        with db.sessions() as session:
            page = events.event_page(session, filters, limit=TIMELINE_PAGE, before=before, after=after)
        return render(request, "timeline.html", page=page, filters=filters)

    @router.get("/statements")
    def archive(request: Request, filters: StatementFiltersParam, cursor: str | None = None) -> Response:
        with db.sessions() as session:
            found = statements.list_statements(session, filters, limit=ARCHIVE_PAGE, cursor=cursor)
        query = request.query_params.get("q", "")
        return render(request, "statements.html", "search_feed" if query else "feed", found=found, filters=filters,
                      query=query, candidates=CANDIDATES)

    @router.get("/statements/{statement_id}")
    def statement(request: Request, statement_id: ItemId) -> Response:
        with db.sessions() as session:
            detail = statements.statement_detail(session, statement_id)
        terms = [term for topic in detail.topics for term in topic.matched_terms]
        paragraphs = [mark_terms(paragraph, terms) for paragraph in detail.current.body_text.split("\n\n")]
        return render(request, "statement.html", statement=detail, paragraphs=paragraphs)

    @router.get("/statements/{statement_id}/versions/{number}")
    def version(request: Request, statement_id: ItemId, number: VersionNumber) -> Response:
        with db.sessions() as session:
            found = statements.get_version(session, statement_id, number)
            title = statements.get_statement(session, statement_id).title
        return render(request, "version.html", version=found, statement_title=title)

    @router.get("/statements/{statement_id}/diff")
    def diff(request: Request, statement_id: ItemId, from_number: FromNumber = None,
             to_number: ToNumber = None) -> Response:
        with db.sessions() as session:
            found = numbered_diff(session, statement_id, from_number, to_number)
            title = statements.get_statement(session, statement_id).title
            nothing = _nothing_to_compare(session, found)
        return render(request, "diff.html", diff=found, title=title, nothing_to_compare=nothing)

    @router.get("/statements/{statement_id}/diff.patch", response_class=PlainTextResponse)
    def unified_diff(statement_id: ItemId, from_number: FromNumber = None,
                     to_number: ToNumber = None) -> Response:
        with db.sessions() as session:
            found = numbered_diff(session, statement_id, from_number, to_number)
            if nothing := _nothing_to_compare(session, found):
                raise NotFound(f"no diff of statement {statement_id}: {nothing}")
        name = f"statement-{statement_id}-v{found.from_version.number}-v{found.to_version.number}.patch"
        return PlainTextResponse(found.unified + "\n", media_type="text/x-diff",
                                 headers={"content-disposition": f'attachment; filename="{name}"'})

    @router.get("/events/{event_id}")
    def event(request: Request, event_id: ItemId) -> Response:
        with db.sessions() as session:
            found = events.get_event(session, event_id)
            change = diffs.of_event(session, found)
            version = statements.get_version(session, found.statement_id, found.described_version)
        return render(request, "event.html", event=found, diff=change, version=version)

    @router.get("/snapshots/{snapshot_id}", response_class=Response)
    def snapshot(snapshot_id: ItemId) -> Response:
        """A stored response as fetched (web.snapshots): the "as fetched" link beside each version."""
        return as_fetched(db, snapshot_id)

    @router.get("/status")
    def status_page(request: Request) -> Response:
        return render(request, "status.html", status=read_status(status))

    return router


def _nothing_to_compare(session: Session, diff: Diff) -> str | None:
    """Why `diff` has nothing to show (it compares a version with itself), or None when it compares two."""
    if diff.from_version.number != diff.to_version.number:
        return None
    if len(statements.get_statement(session, diff.statement_id).versions) == 1:
        return "the statement has one version so far, so there is nothing to compare"
    return f"version {diff.to_version.number} compared with itself shows nothing"
