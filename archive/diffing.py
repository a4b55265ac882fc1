"""Word-level ("track changes") and unified line diffs between two versions of a statement."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

# Words, runs of whitespace, and single punctuation marks: a diff of these reads like track changes.
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")

SegmentOp = Literal["equal", "insert", "delete"]


@dataclass(frozen=True)
class Segment:
    op: SegmentOp
    text: str


def word_diff(old: str, new: str) -> list[Segment]:
    """The segments that turn `old` into `new`; joining equal+delete gives old, equal+insert gives new.

    Lines are matched first and words only within the runs of lines that differ: a word-level SequenceMatcher
    costs about the product of the texts' lengths in tokens (whitespace and common words recur throughout), so a
    one-paragraph edit of a long statement costs one paragraph's diff, not the whole statement's."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    segments: list[Segment] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _add(segments, "equal", "".join(old_lines[i1:i2]))
        else:
            _word_diff("".join(old_lines[i1:i2]), "".join(new_lines[j1:j2]), segments)
    return segments


def _word_diff(old: str, new: str, segments: list[Segment]) -> None:
    old_tokens, new_tokens = _TOKENS.findall(old), _TOKENS.findall(new)
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _add(segments, "equal", "".join(old_tokens[i1:i2]))
        else:
            _add(segments, "delete", "".join(old_tokens[i1:i2]))
            _add(segments, "insert", "".join(new_tokens[j1:j2]))


def _add(segments: list[Segment], op: SegmentOp, text: str) -> None:
    """Appends `text`, merged into the last segment when that has the same operation."""
    if not text:
        return
    if segments and segments[-1].op == op:
        segments[-1] = Segment(op, segments[-1].text + text)
    else:
        segments.append(Segment(op, text))


def unified_diff(old: str, new: str, old_label: str, new_label: str, context: int = 1) -> str:
    """A unified diff with one line per paragraph."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), fromfile=old_label, tofile=new_label, n=context, lineterm=""
    )
    return "\n".join(lines)


def changed_words(segments: list[Segment]) -> tuple[list[str], list[str]]:
    """The deleted and the inserted texts, stripped, for summaries."""
    deleted = [s.text.strip() for s in segments if s.op == "delete" and s.text.strip()]
    inserted = [s.text.strip() for s in segments if s.op == "insert" and s.text.strip()]
    return deleted, inserted
