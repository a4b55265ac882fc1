"""What the crawler hands to the archive: plain records, one per thing found on the site."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date


@dataclass
class FetchedStatement:
    url: str
    section: str
    title: str
    published_on: date | None
    published_text: str | None
    doc_type: str | None
    body_text: str
    body_html: str
    node_id: int | None = None
    canonical_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    def content_hash(self) -> str:
        """Only what a reader sees as the statement: markup, chrome and URLs change nothing."""
        published = self.published_on.isoformat() if self.published_on else ""
        content = "\x1f".join((self.title, published, self.body_text))
        return hashlib.sha256(content.encode("utf-8")).hexdigest()


@dataclass
class StatementNotModified:
    url: str


@dataclass
class StatementGone:
    url: str
    status: int


@dataclass
class ListingPage:
    url: str
    body: bytes
    etag: str | None
    last_modified: str | None
    # The statement pages it links to.
    listed: tuple[str, ...]


@dataclass
class PageProblem:
    url: str
    kind: str
    message: str
    # True when a page was fetched but its statement could not be read: the redesign guard counts these.
    extraction_failed: bool = False
    # False when the site would not serve the page for now (rate limited): its statement was not checked and stays
    # due, at the head of the re-verification rotation.
    checked: bool = True
