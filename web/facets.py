"""The choices the filter forms offer (topics, sections, years), read at most once a few minutes.

Listing them takes a scan of the statements and topic tables; they change only when a crawl adds a section or a
topic, so every page render need not pay for it."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import func, select

from archive.db import Database
from archive.models import Statement, TopicRelevance


@dataclass(frozen=True)
class Facets:
    topics: list[str]
    sections: list[str]
    years: list[int]


class FacetCache:
    def __init__(self, db: Database, ttl_seconds: float = 300.0) -> None:
        self.db = db
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
            topics = session.scalars(
                select(TopicRelevance.topic).where(TopicRelevance.relevant.is_(True)).distinct().order_by(
                    TopicRelevance.topic)
            ).all()
            sections = session.scalars(select(Statement.section).distinct().order_by(Statement.section)).all()
            first, last = session.execute(select(func.min(Statement.published_on), func.max(Statement.published_on))).one()
        years = list(range(last.year, first.year - 1, -1)) if first and last else []
        return Facets(topics=list(topics), sections=list(sections), years=years)
