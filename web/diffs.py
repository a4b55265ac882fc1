"""Diffs for the pages and the feed: a cache of the events' diffs, and the feed's excerpts of them.

Versions never change once archived, so the diff between two version numbers of a statement is computed once: the feed shows the diffs
of its newest events on every fetch, and a word diff of a long statement costs milliseconds.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from archive.read.diffs import numbered_diff
from archive.read.schemas import Diff, EventSummary, Segment
from web.lru import Lru

# Unchanged stretches longer than this many characters keep only their ends in an excerpt.
EXCERPT_CONTEXT = 200


def excerpt(segments: list[Segment]) -> list[Segment]:
    """The changes with some unchanged text around each, for the feed: a one-word edit of a long statement reads as
    a sentence, not the whole statement."""
    cut: list[Segment] = []
    for index, segment in enumerate(segments):
        text = segment.text
        if segment.op == "equal" and len(text) > EXCERPT_CONTEXT:
            head = text[: EXCERPT_CONTEXT // 2] if index > 0 else ""
            tail = text[-EXCERPT_CONTEXT // 2:] if index < len(segments) - 1 else ""
            text = f"{head} … {tail}".strip()
        cut.append(Segment(op=segment.op, text=text))
    return cut


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
