"""Opaque page cursors: where the next page of a list starts, as a URL-safe token a client passes back as it is."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class BadCursor(ValueError):
    pass


class _Cursor(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DateCursor(_Cursor):
    """After the statement with this date and id, newest first (a keyset: no page is ever skipped or repeated
    while statements are added)."""

    published_on: date | None
    id: int


class OffsetCursor(_Cursor):
    """After this many search results, best first (a rank has no stable key to continue from)."""

    offset: int = Field(ge=0)


C = TypeVar("C", bound=_Cursor)


def encode(cursor: _Cursor) -> str:
    return base64.urlsafe_b64encode(cursor.model_dump_json().encode()).decode().rstrip("=")


def decode(token: str, kind: type[C]) -> C:
    try:
        return kind.model_validate_json(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, ValidationError):
        raise BadCursor("the cursor is not one this server handed out (it may belong to another sort)") from None
