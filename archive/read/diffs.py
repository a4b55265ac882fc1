"""The diff between two versions of a statement, by their numbers, as every reader shows it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.diffing import unified_diff, word_diff
from archive.models import Version
from archive.read.common import NotFound, get_statement
from archive.read.schemas import Diff, Segment, VersionSummary


def diff_of(old: Version, new: Version, url: str) -> Diff:
    return Diff(
        statement_id=new.statement_id,
        url=url,
        from_version=VersionSummary.model_validate(old, from_attributes=True),
        to_version=VersionSummary.model_validate(new, from_attributes=True),
        title_changed=old.title != new.title,
        date_changed=old.published_on != new.published_on,
        title_segments=[Segment(op=s.op, text=s.text) for s in word_diff(old.title, new.title)],
        body_segments=[Segment(op=s.op, text=s.text) for s in word_diff(old.body_text, new.body_text)],
        unified=unified_diff(
            f"{old.title}\n{old.published_text or ''}\n\n{old.body_text}",
            f"{new.title}\n{new.published_text or ''}\n\n{new.body_text}",
            f"version {old.number}",
            f"version {new.number}",
        ),
    )


def numbered_diff(session: Session, statement_id: int, from_number: int | None, to_number: int | None) -> Diff:
    """The diff between two version numbers: by default the newest against the one before it."""
    statement = get_statement(session, statement_id)
    by_number = {v.number: v for v in session.scalars(select(Version).where(Version.statement_id == statement.id))}
    newest = max(by_number)
    to_number = to_number or newest
    from_number = from_number or max(to_number - 1, 1)
    for number in (from_number, to_number):
        if number not in by_number:
            raise NotFound(f"statement {statement.id} has no version {number} (it has 1 to {newest})")
    return diff_of(by_number[from_number], by_number[to_number], statement.url)
