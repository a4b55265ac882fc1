"""What the crawler hands to the archive: plain records, one per thing a source's poll found."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from archive.models import HealthKind


@dataclass(eq=False)
class Snapshot:
    """A response with a body that a poll read, as Scrapy handed it to the spider (the body after Scrapy undid its
    Content-Encoding, the headers as Scrapy holds them), until the archive has stored it: then `id` names it.

    crawler.snapshots makes one of every such response and stamps it on the records read from it."""

    source: str
    url: str  # what was asked for
    final_url: str  # where its redirects led
    status: int
    protocol: str
    request_headers: list[tuple[str, str]]
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime
    id: int | None = None


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
    # Stamped by the crawl, not the reader's (crawler.snapshots): the response the item was read from, and the others
    # it was read with (a Federal Register document's JSON beside its text), in the order the finder carried them.
    snapshot: Snapshot | None = None
    also_read: tuple[Snapshot, ...] = ()

    def content_hash(self) -> str:
        """Only what a reader sees as the statement: markup, chrome and URLs change nothing."""
        published = self.published_on.isoformat() if self.published_on else ""
        content = "\x1f".join((self.title, published, self.body_text))
        return hashlib.sha256(content.encode("utf-8")).hexdigest()


@dataclass
class StatementNotModified:
    url: str
    # The stored snapshot whose validators the 304 answered: it was confirmed then (stamped by crawler.snapshots).
    snapshot_id: int | None = None


@dataclass
class SnapshotConfirmed:
    """A 304 for a stored snapshot that no other record of the response confirmed (a listing page's)."""

    url: str
    snapshot_id: int


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
    snapshot: Snapshot | None = None  # stamped by crawler.snapshots


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
    # The health problem of the source it opens, when the source cannot do its job without the page: a watched page,
    # or a listing's page, that answered but cannot be read; a Federal Register query the API refuses. Its message,
    # which names the page, is the problem's (with how many more pages there were).
    opens: HealthKind | None = None
