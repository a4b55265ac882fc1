"""What the crawler hands to the archive: plain records, one per thing a source's poll found."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass
class FetchedStatement:
    """What a source's reader read of one item (a statement, a document, a page)."""

    url: str
    section: str
    title: str
    published_on: date | None
    published_text: str | None
    doc_type: str | None
    body_text: str
    body_html: str
    # The keys the item is known by in its source's namespace, its identity first (archive.identity): the URL keys
    # of a press statement, a Federal Register document's number and date. Empty: its URL's key (CrawlPlan.key_of).
    keys: tuple[str, ...] = ()
    # The source's own id of the item (a Drupal node id, a document number): a hint, never the identity.
    external_id: str | None = None
    # The kind's metadata, JSON-serialisable, shown by the web app; not part of the content (content_hash).
    fields: dict[str, Any] = field(default_factory=dict)
    # Absolute http(s) URLs the item's text links to: related items.
    links: tuple[str, ...] = ()
    # The key (in the same namespace) of the item this one corrects, if it is a correction.
    corrects: str | None = None
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
