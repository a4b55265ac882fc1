"""The choices the filter forms offer: the configured topics, sections and sources (the filters refuse any other), and the
years the archive holds, read at most once a few minutes.

Listing the years takes a scan of the statements table; they change only when a crawl adds a statement of a new
year, so every page render need not pay for it."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import func, select

from archive.db import Database
from archive.models import Statement
from web.params import KnownValues


@dataclass(frozen=True)
class Facets:
    topics: list[str]
    sections: list[str]
    sources: list[str]
    years: list[int]


class FacetCache:
    def __init__(self, db: Database, known: KnownValues, ttl_seconds: float = 300.0) -> None:
        self.db = db
        self.known = known
        self.ttl = ttl_seconds
        self._lock = threading.Lock()
        self._facets: Facets | None = None
        self._read_at = 0.0

    def get(self) -> Facets:
        with self._lock:
            if self._facets is None or time.monotonic() - self._read_at > self.ttl:
                self._facets, self._read_at = self._read(), time.monotonic()
            return self._facets

    def _read(self) -> Facets:
        with self.db.sessions() as session:
            first, last = session.execute(select(func.min(Statement.published_on), func.max(Statement.published_on))).one()
        years = list(range(last.year, first.year - 1, -1)) if first and last else []
        return Facets(topics=list(self.known.topic), sections=list(self.known.section),
                      sources=list(self.known.source), years=years)
