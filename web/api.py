"""The JSON API under /api/v1: statements (search, filters, cursors), a statement, a version, a diff, events (with a
`since` cursor for polling), an event and the status; its OpenAPI document and a docs page rendered from it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, Response
from starlette.templating import Jinja2Templates

from archive.db import Database
from archive.read import events, statements
from archive.read.diffs import numbered_diff
from archive.read.schemas import (
    Diff,
    EventList,
    EventSummary,
    SnapshotDetail,
    StatementDetail,
    StatementList,
    VersionDetail,
)
from archive.read.snapshots import snapshot_detail, version_snapshot_id
from web.errors import Problem
from web.params import (
    EventCursor,
    EventFiltersParam,
    FromNumber,
    ItemId,
    StatementFiltersParam,
    ToNumber,
    VersionNumber,
)
from web.snapshots import RAW_BODY_RESPONSE, as_fetched
from web.status import StatusReport, StatusSource, read_status

PREFIX = "/api/v1"
Limit = Annotated[int, Query(ge=1, le=200, description="At most this many items.")]
_REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "A parameter is not valid; `detail` says which and why."},
    401: {"model": Problem, "description": "Credentials are needed (`http.auth`)."},
}
_UNKNOWN: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "No such item in the archive."}}


def api_router(db: Database, status: StatusSource) -> APIRouter:
    router = APIRouter(prefix=PREFIX, responses=_REFUSALS)

    @router.get("/statements", response_model=StatementList, tags=["statements"])
    def list_statements(filters: StatementFiltersParam, limit: Limit = 20,
                        cursor: Annotated[str | None, Query(max_length=500, description=(
                            "The `next_cursor` of the previous page."))] = None) -> StatementList:
        """Statements newest first, or searched by full text (best match first) with highlighted snippets."""
        with db.sessions() as session:
            return statements.list_statements(session, filters, limit=limit, cursor=cursor)

    @router.get("/statements/{statement_id}", response_model=StatementDetail, responses=_UNKNOWN, tags=["statements"])
    def get_statement(statement_id: ItemId) -> StatementDetail:
        """One statement: its metadata, current version with text and relevance, every version and event."""
        with db.sessions() as session:
            return statements.statement_detail(session, statement_id)

    @router.get("/statements/{statement_id}/versions/{number}", response_model=VersionDetail, responses=_UNKNOWN,
                tags=["statements"])
    def get_version(statement_id: ItemId, number: VersionNumber) -> VersionDetail:
        """One archived version of a statement, with its text and topic scores."""
        with db.sessions() as session:
            return statements.get_version(session, statement_id, number)

    @router.get("/statements/{statement_id}/versions/{number}/snapshot", response_model=SnapshotDetail,
                responses=_UNKNOWN, tags=["snapshots"])
    def get_version_snapshot(statement_id: ItemId, number: VersionNumber) -> SnapshotDetail:
        """The response a version was read from, as kept: URL, final URL, status, headers, when it was fetched and
        last confirmed, the body's SHA-256 and size, and the other responses it was read with. 404 for a version
        archived before korus-watch kept responses."""
        with db.sessions() as session:
            return snapshot_detail(session, version_snapshot_id(session, statement_id, number))

    @router.get("/statements/{statement_id}/versions/{number}/snapshot/body", response_class=Response,
                responses={**_UNKNOWN, **RAW_BODY_RESPONSE}, tags=["snapshots"])
    def get_version_snapshot_body(statement_id: ItemId, number: VersionNumber) -> Response:
        """The body of the response a version was read from, as received."""
        with db.sessions() as session:
            snapshot_id = version_snapshot_id(session, statement_id, number)
        return as_fetched(db, snapshot_id)

    @router.get("/snapshots/{snapshot_id}", response_model=SnapshotDetail, responses=_UNKNOWN, tags=["snapshots"])
    def get_snapshot(snapshot_id: ItemId) -> SnapshotDetail:
        """A kept response by its id (a version's `snapshot.id`, or one of its `also_read`)."""
        with db.sessions() as session:
            return snapshot_detail(session, snapshot_id)

    @router.get("/snapshots/{snapshot_id}/body", response_class=Response,
                responses={**_UNKNOWN, **RAW_BODY_RESPONSE}, tags=["snapshots"])
    def get_snapshot_body(snapshot_id: ItemId) -> Response:
        """A kept response's body as received."""
        return as_fetched(db, snapshot_id)

    @router.get("/statements/{statement_id}/diff", response_model=Diff, responses=_UNKNOWN, tags=["statements"])
    def get_diff(statement_id: ItemId, from_number: FromNumber = None, to_number: ToNumber = None) -> Diff:
        """The word diff between two versions (by default the newest two) and a unified diff."""
        with db.sessions() as session:
            return numbered_diff(session, statement_id, from_number, to_number)

    @router.get("/events", response_model=EventList, tags=["events"])
    def list_events(filters: EventFiltersParam, since: EventCursor = None, limit: Limit = 100) -> EventList:
        """Change events after the event `since` (0: from the first), oldest first: poll with the `next_since` of
        the previous answer to get each new event once."""
        with db.sessions() as session:
            items = events.list_events(session, filters, limit=limit, since=since or 0)
        return EventList(items=items, next_since=items[-1].id if items else since)

    @router.get("/events/{event_id}", response_model=EventSummary, responses=_UNKNOWN, tags=["events"])
    def get_event(event_id: ItemId) -> EventSummary:
        """One change event."""
        with db.sessions() as session:
            return events.get_event(session, event_id)

    @router.get("/status", response_model=StatusReport, tags=["status"])
    def get_status() -> StatusReport:
        """Crawl runs, open health problems, the delivery queue and dead letters, channels and the schedule."""
        return read_status(status)

    return router


def openapi_document(router: APIRouter) -> dict[str, Any]:
    """The API's OpenAPI 3 document. FastAPI documents a 422 for every validated parameter; this API answers 400
    (see web.errors), so the 422s and their schemas are taken out."""
    document = get_openapi(title="korus-watch API", version="1", routes=router.routes,
                           description="Read-only JSON over the korus-watch archive of USTR statements.")
    for path in document["paths"].values():
        for operation in path.values():
            operation["responses"].pop("422", None)
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document


def type_name(schema: dict[str, Any]) -> str:
    """A JSON schema in a few words, for the docs page: `integer`, `string (date)`, `array of EventSummary`."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(type_name(option) for option in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(map(str, schema["enum"]))
    if schema.get("type") == "array":
        return f"array of {type_name(schema.get('items', {}))}"
    if schema.get("type") == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object of {type_name(schema['additionalProperties'])}"
    kind = str(schema.get("type", "any"))
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def docs_router(router: APIRouter, templates: Jinja2Templates) -> APIRouter:
    """The document at /api/v1/openapi.json and a page that shows it: rendered here, so nothing is loaded from a
    CDN (FastAPI's Swagger UI would load its script from one)."""
    document = openapi_document(router)
    docs = APIRouter(prefix=PREFIX, include_in_schema=False)

    @docs.get("/openapi.json")
    def openapi() -> dict[str, Any]:
        return document

    @docs.get("/docs", response_class=HTMLResponse)
    def api_docs(request: Request) -> Response:
        return templates.TemplateResponse(request, "api_docs.html", {"spec": document, "type_name": type_name})

    return docs
