"""Diffs for the pages and the feed: a cache of the events' diffs, and the feed's excerpts of them.

Versions never change once archived, so the diff between two version numbers of a statement is computed once: the feed shows the diffs
of its newest events on every fetch, and a word diff of a long statement costs milliseconds.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from archive.read.diffs import numbered_diff
from archive.read.schemas import Diff, EventSummary, Segment
from web.lru import Lru

# Unchanged stretches longer than this many characters keep only their ends in an excerpt.
EXCERPT_CONTEXT = 200
# Where a word ends (the space after it starts) and where one starts (after a space).
_WORD_END = re.compile(r"(?<=\S)\s")
_WORD_START = re.compile(r"\s(?=\S)")


def excerpt(segments: list[Segment]) -> list[Segment]:
    """The changes with some unchanged text around each, for the feed: a one-word edit of a long statement reads as
    a sentence, not the whole statement. A long unchanged stretch keeps whole words at its ends, and the spaces
    that part it from the changes beside it."""
    cut: list[Segment] = []
    for index, segment in enumerate(segments):
        text = segment.text
        if segment.op == "equal" and len(text) > EXCERPT_CONTEXT:
            head = _head(text, EXCERPT_CONTEXT // 2) if index > 0 else ""
            tail = _tail(text, EXCERPT_CONTEXT // 2) if index < len(segments) - 1 else ""
            text = " … ".join(part for part in (head, tail) if part) if head and tail else (
                f"{head} …" if head else f"… {tail}" if tail else "…")
        cut.append(Segment(op=segment.op, text=text))
    return cut


def _head(text: str, size: int) -> str:
    """The words that begin `text`, about `size` characters of them (at least one), with the space before them."""
    ends = [found.start() for found in _WORD_END.finditer(text, 0, size)]
    if not ends:
        found = _WORD_END.search(text)
        return text[:found.start()] if found else text
    return text[:ends[-1]]


def _tail(text: str, size: int) -> str:
    """The words that end `text`, about `size` characters of them (at least one), with the space after them."""
    starts = [found.end() for found in _WORD_START.finditer(text)]
    later = [start for start in starts if start >= len(text) - size]
    return text[later[0] if later else starts[-1] if starts else 0:]


class DiffCache:
    """The diffs of version pairs, least recently used dropped first; safe to share between worker threads."""

    def __init__(self, size: int = 512) -> None:
        self._diffs: Lru[tuple[int, int, int], Diff] = Lru(size)

    def of_event(self, session: Session, event: EventSummary) -> Diff | None:
        """An edit's diff; None for an event about one version (a new, removed or restored statement)."""
        if event.from_version and event.to_version and event.from_version != event.to_version:
            return self.get(session, event.statement_id, event.from_version, event.to_version)
        return None

    def get(self, session: Session, statement_id: int, from_number: int, to_number: int) -> Diff:
        return self._diffs.get((statement_id, from_number, to_number),
                               lambda: numbered_diff(session, statement_id, from_number, to_number))
