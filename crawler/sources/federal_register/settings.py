"""A Federal Register source's settings: one query of the API (`[[sources.federal_register]]`)."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import Field, field_validator, model_validator

from crawler.sources.settings import SourceSection, http_url

DocumentType = Literal["RULE", "PRORULE", "NOTICE", "PRESDOCU"]
DOCUMENT_TYPES: tuple[DocumentType, ...] = ("RULE", "PRORULE", "NOTICE", "PRESDOCU")
DEFAULT_API_URL = "https://www.federalregister.gov/api/v1"
# The API searches documents published since 1994 (its OpenAPI document); an earlier date would read nothing more.
EARLIEST = date(1994, 1, 1)
_AGENCY_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class FederalRegisterSettings(SourceSection):
    api_url: str = DEFAULT_API_URL
    # Agency slugs as the API names them ("trade-representative-office-of-united-states"); an unknown slug is
    # refused by the API itself (400), which only a poll can tell.
    agencies: list[str] = Field(default_factory=list)
    # The API's full-text condition: quoted phrases, | for or, - for not.
    term: str | None = None
    types: list[DocumentType] = Field(default_factory=lambda: list(DOCUMENT_TYPES), min_length=1)
    # The baseline reads the documents published from this date on.
    since: date
    # The API's stated pace (a maintainer, in its issue #13): about 5 requests a second to www.federalregister.gov.
    max_requests_per_second: float = Field(default=5.0, gt=0)
    # Documents a listing request asks for: the API's documented maximum; it silently answers 20 for any other value.
    per_page: int = Field(default=1000, ge=2, le=1000)
    # Every archived document is read again (for FederalRegister.gov's silent patches) at least this often, a few
    # documents a poll.
    recheck_days: float = Field(default=30.0, gt=0)

    @field_validator("api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return http_url(value).rstrip("/")

    @field_validator("agencies")
    @classmethod
    def _slugs(cls, value: list[str]) -> list[str]:
        for slug in value:
            if not _AGENCY_SLUG.match(slug):
                raise ValueError(f"{slug!r} is not an agency slug (lowercase words joined by '-')")
        if len(set(value)) != len(value):
            raise ValueError("names an agency twice")
        return value

    @field_validator("term")
    @classmethod
    def _term(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("is empty: leave it out to search by agency only")
        return value.strip() if value is not None else None

    @field_validator("types")
    @classmethod
    def _types_once(cls, value: list[DocumentType]) -> list[DocumentType]:
        if len(set(value)) != len(value):
            raise ValueError("names a type twice")
        return value

    @field_validator("since")
    @classmethod
    def _since(cls, value: date) -> date:
        if value < EARLIEST:
            raise ValueError(f"the API holds documents published from {EARLIEST.isoformat()} on")
        return value

    @model_validator(mode="after")
    def _agencies_or_term(self) -> FederalRegisterSettings:
        if not self.agencies and self.term is None:
            raise ValueError(f"source {self.name!r}: give agencies, a term or both")
        return self
