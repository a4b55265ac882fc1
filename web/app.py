"""The app factory: the read side of one archive as an ASGI application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from archive.db import Database
from web.api import api_router, docs_router
from web.auth import RequireAuth
from web.diffs import DiffCache
from web.errors import install_error_handlers, refusals
from web.facets import FacetCache
from web.feed import feed_router
from web.middleware import DropEmptyParameters, PublicAddress, ReadOnly, SecurityHeaders
from web.pages import page_router
from web.params import KnownValues
from web.rendering import templates
from web.settings import HttpSettings
from web.status import StatusSource

STATIC = Path(__file__).with_name("static")


def create_app(db: Database, http: HttpSettings, status: StatusSource, known: KnownValues) -> FastAPI:
    """Every endpoint is a plain `def`, so FastAPI runs it, and so every database call, in its thread pool: a slow
    query never holds up the event loop that the service's crawls and schedule run on. `known` holds the values the
    filters accept (web.params)."""
    app = FastAPI(title="korus-watch", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.known_values = known
    pages = templates()
    diffs = DiffCache()
    api = api_router(db, status)
    app.include_router(page_router(db, pages, FacetCache(db, known), diffs, status))
    app.include_router(feed_router(db, pages.env, diffs, http))
    app.include_router(api)
    app.include_router(docs_router(api, pages))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    refuse = refusals(pages)
    install_error_handlers(app, refuse)
    # The last added runs first: headers on every answer, then the address, methods, credentials, parameters.
    app.add_middleware(DropEmptyParameters)
    app.add_middleware(RequireAuth, auth=http.auth)
    app.add_middleware(ReadOnly, refuse=refuse)
    app.add_middleware(PublicAddress, public_url=http.public_url)
    app.add_middleware(SecurityHeaders)
    return app
