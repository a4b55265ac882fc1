"""What every source's reader shares: the refusal to read a response, and a reading with its warnings."""

from __future__ import annotations

from dataclasses import dataclass, field

from archive.records import FetchedStatement


class ReadError(Exception):
    """A response that cannot be read into an item: `kind` is short and stable (a crawl error's kind), `message` one
    line for a person."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Reading:
    """An item read from a response, and what was odd about it without stopping the reading (kind, message)."""

    item: FetchedStatement
    warnings: list[tuple[str, str]] = field(default_factory=list)
