"""The diff between two versions of a statement, by their numbers, as every reader shows it: its significance in
words first, then the word changes, paragraph by paragraph."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from archive.diffing import Segment as Piece
from archive.diffing import unified_diff, word_diff
from archive.models import Version
from archive.read.common import NotFound, get_statement
from archive.read.schemas import Diff, DiffParagraph, Segment, VersionSummary
from archive.read.snapshots import version_summary
from archive.significance import VersionText, judge_edit
from archive.significance_words import summary

PARAGRAPH_BREAK = "\n\n"


def diff_of(old: Version, new: Version, url: str) -> Diff:
    body = word_diff(old.body_text, new.body_text)
    judgement = judge_edit(_text(old), _text(new))
    return Diff(
        statement_id=new.statement_id,
        url=url,
        from_version=VersionSummary(**version_summary(old)),
        to_version=VersionSummary(**version_summary(new)),
        title_changed=old.title != new.title,
        date_changed=old.published_on != new.published_on,
        significance=judgement.level,
        reasons=judgement.reasons,
        summary=summary(judgement.level, judgement.reasons),
        title_segments=[Segment(op=s.op, text=s.text) for s in word_diff(old.title, new.title)],
        body_segments=[Segment(op=s.op, text=s.text) for s in body],
        paragraphs=paragraphs(body),
        unified=unified_diff(
            f"{old.title}\n{old.published_text or ''}\n\n{old.body_text}",
            f"{new.title}\n{new.published_text or ''}\n\n{new.body_text}",
            f"version {old.number}",
            f"version {new.number}",
        ),
    )


def _text(version: Version) -> VersionText:
    """What the significance is judged by (as archive.writer judges an edit when it records it)."""
    terms = {r.topic: tuple(r.matched_terms) for r in version.relevance}
    return VersionText(version.title, version.body_text, version.published_on, terms)


def paragraphs(segments: list[Piece]) -> list[DiffParagraph]:
    """The word diff split at the body's blank lines, each paragraph marked changed when words were deleted or
    inserted in it (a paragraph break deleted or inserted belongs to the paragraph it ends)."""
    found: list[list[Segment]] = [[]]
    for segment in segments:
        for number, part in enumerate(segment.text.split(PARAGRAPH_BREAK)):
            if number:
                found.append([])
            if part:
                found[-1].append(Segment(op=segment.op, text=part))
    return [
        DiffParagraph(segments=pieces, changed=any(p.op != "equal" and p.text.strip() for p in pieces))
        for pieces in found if any(p.text.strip() for p in pieces)
    ]


def numbered_diff(session: Session, statement_id: int, from_number: int | None, to_number: int | None) -> Diff:
    """The diff between two version numbers: by default the newest against the one before it."""
    statement = get_statement(session, statement_id)
    versions = session.scalars(
        select(Version).where(Version.statement_id == statement.id).options(selectinload(Version.relevance))
    )
    by_number = {v.number: v for v in versions}
    newest = max(by_number)
    to_number = to_number or newest
    from_number = from_number or max(to_number - 1, 1)
    for number in (from_number, to_number):
        if number not in by_number:
            raise NotFound(f"statement {statement.id} has no version {number} (it has 1 to {newest})")
    return diff_of(by_number[from_number], by_number[to_number], statement.url)
