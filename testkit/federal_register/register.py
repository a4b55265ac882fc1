"""The imitation's store of documents, and what a test does to them: add, patch (FederalRegister.gov's silent edits
of published texts), correct (a C1-/R1- correction linked both ways, or one printed under the original's own
number), let the self-changing fields change, and leave fields out of a document's answers."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any, Literal

from testkit.federal_register.documents import API_FIELDS, FrDocument, Key, heading
from testkit.federal_register.search import Search
from testkit.federal_register.terms import tokens

PATCHABLE = frozenset({
    "title", "abstract", "dates", "paragraphs", "action", "effective_on", "comments_close_on", "docket_ids",
    "has_raw_text",
})
CorrectionKind = Literal["C", "R", "same_number"]


class FederalRegister:
    """Documents keyed by (document_number, publication_date); safe to change while the server answers."""

    def __init__(self, documents: Iterable[FrDocument] = ()) -> None:
        self._lock = threading.RLock()
        self._documents: dict[Key, FrDocument] = {}
        self._search_fields: dict[Key, dict[str, list[str]]] = {}
        for document in documents:
            self.add(document)

    @property
    def documents(self) -> list[FrDocument]:
        with self._lock:
            return list(self._documents.values())

    def add(self, document: FrDocument) -> FrDocument:
        with self._lock:
            if document.key in self._documents:
                raise ValueError(f"document {document.document_number} of {document.publication_date} exists")
            self._documents[document.key] = document
            return document

    def find(self, number: str, published: date | None = None) -> FrDocument | None:
        """The document of that number (and date); without a date, the newest of that number, as the API's
        relevance order (with its decay by date) picks it."""
        with self._lock:
            if published is not None:
                return self._documents.get((number, published))
            same = [d for d in self._documents.values() if d.document_number == number]
            return max(same, key=lambda d: d.publication_date, default=None)

    def document(self, number: str, published: date | None = None) -> FrDocument:
        found = self.find(number, published)
        if found is None:
            raise KeyError(f"no document {number}" + (f" of {published}" if published else ""))
        return found

    def search(self, search: Search) -> list[FrDocument]:
        with self._lock:
            found = [d for d in self._documents.values() if search.matches(d, self._fields)]
            return search.ordered(found, self._fields)

    def _fields(self, document: FrDocument) -> dict[str, list[str]]:
        """What a term searches in a document, cached until the document changes."""
        cached = self._search_fields.get(document.key)
        if cached is None:
            full_text = [text for _, text in heading(document)] + document.paragraphs + [document.signature or ""]
            cached = self._search_fields[document.key] = {
                "title": tokens(document.title),
                "abstract": tokens(document.abstract or ""),
                "full_text": tokens("\n".join(full_text)),
                "other": tokens(" ".join(document.agency_names() + document.docket_ids)),
            }
        return cached

    def patch(self, number: str, published: date | None = None, **changes: Any) -> FrDocument:
        """Edits a published document in place (its number and date stay); `changes` among PATCHABLE."""
        unknown = set(changes) - PATCHABLE
        if unknown:
            raise ValueError(f"cannot patch {', '.join(sorted(unknown))}; patchable: {', '.join(sorted(PATCHABLE))}")
        with self._lock:
            document = self.document(number, published)
            patched = replace(document, **changes)  # checks the result as a new document is checked
            self._documents[document.key] = patched
            self._search_fields.pop(document.key, None)
            return patched

    def correct(
        self, number: str, published: date | None = None, *, on: date, kind: CorrectionKind = "C",
        paragraphs: list[str] | None = None,
    ) -> FrDocument:
        """Publishes a correction of a document on `on`: kind "C" numbers it C1-, C2-, ... and "R" R1-, ... with
        correction_of and the original's corrections linking the two; "same_number" prints it under the original's
        own number, with correction_of null and nothing added to the original."""
        with self._lock:
            original = self.document(number, published)
            if on <= original.publication_date:
                raise ValueError(f"a correction is published after {original.publication_date}, not on {on}")
            if kind == "same_number":
                correction_number, corrected = original.document_number, None
            else:
                made = sum(1 for n, _ in original.corrections if n.startswith(kind))
                correction_number, corrected = f"{kind}{made + 1}-{original.document_number}", original.key
            start_page = on.timetuple().tm_yday * 250  # about where that day's issue stands in its volume
            correction = FrDocument(
                document_number=correction_number,
                publication_date=on,
                type=original.type,
                title=f"{original.title}; Correction",
                agencies=original.agencies,
                abstract=None,
                paragraphs=paragraphs or _correction_text(original),
                volume=original.volume + on.year - original.publication_date.year,
                start_page=start_page,
                end_page=start_page,
                action=f"{(original.action or original.type).rstrip('.')}; correction.",
                docket_ids=list(original.docket_ids),
                correction_of=corrected,
            )
            self.add(correction)
            if corrected is not None:
                original.corrections.append(correction.key)
            return correction

    def churn(self, number: str | None = None, published: date | None = None, *, views: int = 17,
              comments: int = 3) -> None:
        """What changes by itself: page views and their time, and comment counts of documents on regulations.gov
        (one document, or all)."""
        with self._lock:
            targets = [self.document(number, published)] if number else list(self._documents.values())
            for document in targets:
                document.page_views += views
                document.page_views_updated += timedelta(hours=1)
                if document.regulations_dot_gov_document_id:
                    document.comment_count += comments
                    document.checked_regulations_dot_gov = document.page_views_updated

    def set_missing(self, number: str, published: date | None = None, fields: Iterable[str] = ()) -> None:
        """Makes the document's answers leave `fields` out (an empty list restores them)."""
        names = set(fields)
        unknown = names - set(API_FIELDS)
        if unknown:
            raise ValueError(f"no such fields: {', '.join(sorted(unknown))}")
        with self._lock:
            self.document(number, published).missing = names


def _correction_text(original: FrDocument) -> list[str]:
    day = original.publication_date
    issue = f"{day.strftime('%A')}, {day.strftime('%B')} {day.day}, {day.year}"
    kind = "presidential" if original.type == "Presidential Document" else original.type.lower()
    return [
        f"In {kind} document {original.document_number} beginning on page {original.start_page} in the issue of "
        f"{issue}, make the following correction:",
        f"On page {original.start_page}, in the second column, in the second paragraph, in the fourth line, "
        f"\"March 15\" should read \"March 16\".",
    ]
