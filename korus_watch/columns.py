"""Listings as aligned columns under a header, for people reading a terminal (scripts take --json)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

_GAP = "  "


def columns(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Collection[int] = ()) -> list[str]:
    """The header and the rows, each column as wide as its widest cell; the columns numbered in `right` (numbers)
    are aligned right. The last column is not padded: a long title wraps without trailing spaces."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = [cell.rjust(width) if index in right else cell.ljust(width)
                  for index, (cell, width) in enumerate(zip(cells[:-1], widths, strict=False))]
        return _GAP.join([*padded, cells[-1]])

    return [line(headers), *(line(row) for row in rows)]
