"""What the archive answers its readers, as typed models: the JSON API returns them (so the OpenAPI document is typed),
the page templates, the feeds and the command line render the same objects, so no two readers can drift apart."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from archive.models import EventKind, StatementStatus, VersionOrigin
from archive.read.search import HIT_END, HIT_START
from archive.significance import Significance


class Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Piece(Model):
    """A piece of a title or snippet; `hit` when the search matched it."""

    text: str
    hit: bool


def highlighted(marked: str) -> list[Piece]:
    """Splits a text whose search hits the database marked (archive.read.search.HIT_START/HIT_END) into pieces, so that the
    templates escape every piece and wrap only the hits; a scraped text that holds the marks itself only moves a
    highlight, never escapes it."""
    pieces: list[Piece] = []
    for number, part in enumerate(marked.replace(HIT_END, HIT_START).split(HIT_START)):
        if part:
            pieces.append(Piece(text=part, hit=number % 2 == 1))
    return pieces


class TopicMatch(Model):
    """A topic the version is relevant to, and the words that made it so."""

    topic: str
    score: float
    matched_terms: list[str]


class TopicScore(TopicMatch):
    relevant: bool


class StatementSummary(Model):
    id: int
    source: str = Field(description="The source that first found the item (`press-office`, or a configured one).")
    title: str
    published_on: date | None
    section: str = Field(description="The press office's section; for other sources the item's kind or type.")
    url: str = Field(description="Where the item was last read.")
    external_id: str | None = Field(
        description="The source's own id of the item: a Drupal node id, a Federal Register document number."
    )
    fields: dict[str, Any] = Field(
        description="The metadata of the item's kind, e.g. a Federal Register document's `document_number`, "
                    "`type`, `agencies`, `citation`, `effective_on`, `comments_close_on`, `docket_ids`, `html_url`, "
                    "`pdf_url`; empty for a press statement."
    )
    status: StatementStatus
    first_seen_at: datetime
    last_checked_at: datetime
    topics: list[TopicMatch] = Field(description="The topics the current version is relevant to.")


class StatementHit(StatementSummary):
    """A statement in a list; a search adds its rank, the version it matched, and the matched words marked in that
    version's title and a snippet."""

    rank: float | None = Field(None, description=(
        "Lower is better. Given when a search is sorted by relevance (sorted by date, matches are not ranked)."))
    title_highlighted: list[Piece] | None = None
    snippet: list[Piece] | None = None
    matched_version: int | None = Field(None, description=(
        "The number of the version the search matched: the current one when it matches, else the newest past "
        "version that did (`/statements/{id}/versions/{n}`); the title and snippet are that version's."))
    matched_past: bool | None = Field(None, description=(
        "True when only a past version matched: the statement no longer says what was searched."))


class StatementList(Model):
    items: list[StatementHit]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class SnapshotSummary(Model):
    """A response a poll read, as kept: the evidence of what the page said when it was fetched."""

    id: int
    url: str = Field(description="The URL asked for.")
    final_url: str = Field(description="Where its redirects led.")
    status: int
    content_type: str | None
    fetched_at: datetime
    confirmed_at: datetime | None = Field(
        description="The last time the site answered 304 (not modified) to it: its body was still current then."
    )
    sha256: str = Field(description="The SHA-256 of the body as received (after Scrapy undid its Content-Encoding).")


class SnapshotDetail(SnapshotSummary):
    protocol: str
    request_headers: list[tuple[str, str]] = Field(description="The request's headers as sent (Host aside).")
    headers: list[tuple[str, str]] = Field(description="The response's headers as Scrapy received them.")
    size: int | None = Field(description="The body's length in bytes; null when the body is missing.")
    also_read: list[SnapshotSummary] = Field(
        description="The other responses the item was read with (a Federal Register document's text beside its "
                    "JSON), in the order they were read."
    )


class VersionSummary(Model):
    number: int
    title: str
    published_on: date | None
    published_text: str | None = Field(description="The date as the page wrote it.")
    doc_type: str | None
    first_seen_at: datetime
    last_seen_at: datetime
    origin: VersionOrigin = Field(
        description="`crawl`: read from the page by a poll, the publisher's content; `reextraction`: read again from a "
                    "stored response by a newer extractor (korus-watch's reading changed, not the page): no change "
                    "event."
    )
    read_by: str | None = Field(
        description="The korus-watch release that read it (null for versions archived before releases were recorded)."
    )
    extractor_version: str | None = Field(description="The version of its source kind's extractor that read it.")
    snapshot: SnapshotSummary | None = Field(
        description="The response it was read from; null for a version archived before korus-watch kept responses."
    )


class VersionDetail(VersionSummary):
    statement_id: int
    body_text: str = Field(description="Paragraphs separated by blank lines.")
    relevance: list[TopicScore]


class EventSummary(Model):
    id: int
    kind: EventKind
    significance: Significance = Field(
        description="How much the change matters: `substantive` (numbers, dates, negations, obligations, parties, a "
                    "topic's terms, the title, whole sentences; every new, removed and restored item), `wording` "
                    "(other words) or `cosmetic` (punctuation, case, spacing, quotation marks, diacritics)."
    )
    reasons: list[dict[str, str]] = Field(
        description='Why, each with its `kind` (number, date, negation, obligation, party, topic, title, sentence, '
                    'wording, cosmetic) and where it fits `from` and `to`: {"kind": "date", "from": "May 1, 2018", '
                    '"to": "June 1, 2018"}.'
    )
    summary: str = Field(description="The significance and its first reasons in words, for a timeline line.")
    detected_at: datetime
    statement_id: int
    source: str
    title: str
    section: str
    published_on: date | None
    url: str
    from_version: int | None
    to_version: int | None
    topics: list[TopicMatch] = Field(description="Topics of the version the event is about (the last, for a removal).")

    @property
    def described_version(self) -> int:
        """The number of the version the event is about: the new one, or the last one of a removal."""
        number = self.to_version or self.from_version
        assert number is not None, "every change event has a version"
        return number


class EventList(Model):
    items: list[EventSummary]
    next_since: int | None = Field(
        description="The id of the last event returned: pass it as `since` to poll for newer events."
    )


class RelatedItem(Model):
    """An archived item this one links to or corrects, or that links to or corrects this one."""

    id: int
    title: str
    source: str
    url: str
    relation: Literal["links to", "linked from", "correction of", "corrected by"]


class StatementDetail(StatementSummary):
    canonical_url: str | None
    last_seen_at: datetime
    sources: list[str] = Field(description="Every source that lists the item.")
    related: list[RelatedItem]
    current: VersionDetail
    versions: list[VersionSummary]
    events: list[EventSummary]


class Segment(Model):
    op: Literal["equal", "insert", "delete"]
    text: str


class DiffParagraph(Model):
    """A paragraph of the word diff: its pieces, and whether any of them changed."""

    segments: list[Segment]
    changed: bool


class Diff(Model):
    statement_id: int
    url: str
    from_version: VersionSummary
    to_version: VersionSummary
    title_changed: bool
    date_changed: bool
    significance: Significance
    reasons: list[dict[str, str]]
    summary: str = Field(description="The significance and its first reasons in words.")
    title_segments: list[Segment]
    body_segments: list[Segment]
    paragraphs: list[DiffParagraph] = Field(description="The body's segments by paragraph, for collapsing the "
                                                        "unchanged ones.")
    unified: str = Field(description="A unified diff, one line per paragraph.")
