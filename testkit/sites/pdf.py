"""A tiny PDF writer for the imitation sites: pages of text in Helvetica, with an optional /Title, built with pypdf's
own objects (no layout engine: each paragraph is wrapped at a fixed width and set line by line)."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

_PAGE_WIDTH, _PAGE_HEIGHT = 612, 792  # US Letter, in points
_MARGIN, _LEADING, _FONT_SIZE = 72, 14, 11
_LINE_CHARACTERS = 90
_LINES_PER_PAGE = (_PAGE_HEIGHT - 2 * _MARGIN) // _LEADING


def text_pdf(paragraphs: Sequence[str], title: str | None = None) -> bytes:
    """A PDF whose text is `paragraphs`, a blank line between two of them, as many pages as they take."""
    lines: list[str] = []
    for paragraph in paragraphs:
        lines.extend(textwrap.wrap(paragraph, _LINE_CHARACTERS) or [""])
        lines.append("")
    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    }))
    for start in range(0, max(len(lines), 1), _LINES_PER_PAGE):
        page = writer.add_blank_page(_PAGE_WIDTH, _PAGE_HEIGHT)
        page[NameObject("/Resources")] = DictionaryObject({
            NameObject("/Font"): DictionaryObject({NameObject("/F1"): font}),
        })
        stream = DecodedStreamObject()
        stream.set_data(_content(lines[start:start + _LINES_PER_PAGE]))
        page[NameObject("/Contents")] = writer._add_object(stream)
    if title is not None:
        writer.add_metadata({"/Title": title})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _content(lines: Sequence[str]) -> bytes:
    commands = [f"BT /F1 {_FONT_SIZE} Tf {_LEADING} TL {_MARGIN} {_PAGE_HEIGHT - _MARGIN} Td"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        commands.append(f"({escaped}) Tj T*")
    commands.append("ET")
    return "\n".join(commands).encode("cp1252", "replace")
