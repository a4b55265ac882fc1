"""A reading with its warnings, for readers that can say what was odd without refusing the response
(crawler.sources.errors.ReadError is the refusal)."""

from __future__ import annotations

from dataclasses import dataclass, field

from archive.records import FetchedStatement


@dataclass(frozen=True)
class Reading:
    """An item read from a response, and what was odd about it without stopping the reading (kind, message)."""

    item: FetchedStatement
    warnings: list[tuple[str, str]] = field(default_factory=list)
