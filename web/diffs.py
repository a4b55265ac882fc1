"""Diffs between two versions as the pages, the feed and the API show them, with a cache for the events'.

Versions never change once archived, so the diff between two version numbers of a statement is computed once: the feed shows the diffs
of its newest events on every fetch, and a word diff of a long statement costs milliseconds.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from archive.queries import VersionDiff, statement_diff
from web.lru import Lru
from web.schemas import Diff, EventSummary, Segment, VersionSummary

# Unchanged stretches longer than this many characters keep only their ends in an excerpt.
EXCERPT_CONTEXT = 200


def as_model(diff: VersionDiff) -> Diff:
    return Diff(
        statement_id=diff.statement_id,
        url=diff.url,
        from_version=VersionSummary.model_validate(diff.old, from_attributes=True),
        to_version=VersionSummary.model_validate(diff.new, from_attributes=True),
        title_changed=diff.title_changed,
        date_changed=diff.date_changed,
        title_segments=[Segment(op=s.op, text=s.text) for s in diff.title_segments],
        body_segments=[Segment(op=s.op, text=s.text) for s in diff.body_segments],
        unified=diff.unified,
    )


def numbered_diff(session: Session, statement_id: int, from_number: int | None, to_number: int | None) -> Diff:
    """The diff the diff page and the API show: by version numbers, the newest two by default."""
    return as_model(statement_diff(session, str(statement_id), from_number, to_number))


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
