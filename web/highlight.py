"""The words that made a statement relevant, marked in its text on the statement page."""

from __future__ import annotations

import re
from collections.abc import Iterable

from archive.read.schemas import Piece


def mark_terms(text: str, terms: Iterable[str]) -> list[Piece]:
    """`text` in pieces, the matched terms (case-insensitive, whole words, longest first) as hits."""
    alternatives = sorted({term.strip() for term in terms if term.strip()}, key=len, reverse=True)
    if not alternatives:
        return [Piece(text=text, hit=False)] if text else []
    pattern = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, alternatives)) + r")(?!\w)", re.IGNORECASE)
    pieces: list[Piece] = []
    position = 0
    for found in pattern.finditer(text):
        if found.start() > position:
            pieces.append(Piece(text=text[position:found.start()], hit=False))
        pieces.append(Piece(text=found[0], hit=True))
        position = found.end()
    if position < len(text):
        pieces.append(Piece(text=text[position:], hit=False))
    return pieces
