"""Every refusal as a clear answer: 400 for bad parameters, 404 for unknown ids, JSON under /api/ and /feeds/ and a
page elsewhere; an unexpected error is logged and answered 500 without details."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException
from starlette.templating import Jinja2Templates

from archive.read.common import NotFound
from archive.read.cursors import BadCursor
from archive.read.query import BadSearch
from archive.snapshots.bodies import DamagedBody
from web.params import UnknownValue

log = logging.getLogger(__name__)


class Problem(BaseModel):
    """Why a request was refused (400, 401, 404, 405, 410)."""

    model_config = ConfigDict(frozen=True)

    detail: str


def _location(error: Mapping[str, Any]) -> str:
    place = [str(part) for part in error.get("loc", ()) if part not in ("query", "path")]
    return f"parameter {'.'.join(place)!r}" if place else "the request"


def validation_message(error: RequestValidationError) -> str:
    return "; ".join(f"{_location(e)}: {e['msg']}" for e in error.errors())


class Refuse(Protocol):
    """Answers `request` with a refusal: `status`, and `detail` saying why."""

    def __call__(self, request: Request, status: int, detail: str,
                 headers: Mapping[str, str] | None = None) -> Response: ...


def refusals(templates: Jinja2Templates) -> Refuse:
    """How the app refuses a request: JSON under /api/ and /feeds/, for programs, and a page elsewhere, for people."""

    def refuse(request: Request, status: int, detail: str, headers: Mapping[str, str] | None = None) -> Response:
        if request.url.path.removeprefix(request.scope.get("root_path", "")).startswith(("/api/", "/feeds/")):
            return JSONResponse({"detail": detail}, status_code=status, headers=headers)
        return templates.TemplateResponse(
            request, "error.html", {"status": status, "detail": detail}, status_code=status, headers=headers
        )

    return refuse


def install_error_handlers(app: FastAPI, refuse: Refuse) -> None:
    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        detail = "no such page" if error.status_code == 404 and error.detail == "Not Found" else str(error.detail)
        return refuse(request, error.status_code, detail, error.headers)

    async def bad_request(request: Request, error: Exception) -> Response:
        detail = validation_message(error) if isinstance(error, RequestValidationError) else str(error)
        return refuse(request, 400, detail)

    async def not_found(request: Request, error: Exception) -> Response:
        return refuse(request, 404, str(error))

    async def damaged(request: Request, error: Exception) -> Response:
        # A stored body lost or altered: said, never a crash (`korus-watch verify` names them all).
        log.warning("stored response damaged: %s", error)
        return refuse(request, 410, f"the stored response cannot be shown: {error}; `korus-watch verify` checks them all")

    async def unexpected(request: Request, error: Exception) -> Response:
        log.exception("request failed: %s %s", request.method, request.url.path)
        return refuse(request, 500, "korus-watch failed to answer this request; the error is in its log")

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, bad_request)
    app.add_exception_handler(BadSearch, bad_request)
    app.add_exception_handler(BadCursor, bad_request)
    app.add_exception_handler(UnknownValue, bad_request)
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(DamagedBody, damaged)
    app.add_exception_handler(Exception, unexpected)
