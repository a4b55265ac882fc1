"""The archive's tables: statements, their content versions, change events, crawl runs and health problems.

Every package declares its own tables on this module's `Base`, so that one metadata and one Alembic history
cover the whole database."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import NullType, TypeDecorator

from archive.significance import Reason, Significance

# The largest id an integer column holds on every backend (PostgreSQL's `integer`): a larger one is in no archive, and
# the database refuses to compare a column with it (an error, not an empty answer).
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite stores them without an offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        # PostgreSQL answers in the session's time zone, SQLite without one.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), list[str]: JSON}


def table_of(model: type[Base]) -> Table:
    """A model's table, for plain INSERTs and UPDATEs that need none of the ORM's change tracking."""
    return Base.metadata.tables[model.__tablename__]


class StatementStatus(enum.StrEnum):
    ACTIVE = "active"
    REMOVED = "removed"


class EventKind(enum.StrEnum):
    NEW = "new"
    EDITED = "edited"
    REMOVED = "removed"
    RESTORED = "restored"


class HealthKind(enum.StrEnum):
    """What can be wrong with the archive's view of the site, each one open problem at most."""

    # No section landing page could be read: new statements cannot be found.
    LISTINGS_UNREADABLE = "listings_unreadable"
    # A watched page answered but could not be read (its selector matched nothing, no text in it): it is not watched
    # until it is mended.
    PAGE_UNREADABLE = "page_unreadable"
    # Statement pages stopped yielding their title and body: the site's markup changed.
    REDESIGN = "redesign"
    # Most re-checked statements changed at once: more likely chrome than news.
    MASS_CHANGE = "mass_change"
    # Many more new items than a poll ever finds: a renumbering, or a changed listing, more likely than news.
    MASS_NEW = "mass_new"
    # No request was answered at all.
    UNREACHABLE = "unreachable"
    # The site answered, but only to refuse for now (429, 503): it is rate limiting or shedding load.
    RATE_LIMITED = "rate_limited"
    # The archive refused writes for a lasting reason (the disk full, the database read-only): the crawl stopped.
    ARCHIVE_UNWRITABLE = "archive_unwritable"


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


def enum_column(cls: type[enum.StrEnum], length: int = 16) -> Enum:
    # Stored as their values in plain strings, unchecked by the database: adding a member needs no migration.
    return Enum(cls, native_enum=False, length=length,
                values_callable=lambda members: [m.value for m in members])


# The source the press office is: the one every archive had before there were others (migration 0008).
PRESS_OFFICE = "press-office"


class VersionOrigin(enum.StrEnum):
    # Read by a poll from what the source served: the publisher's content.
    CRAWL = "crawl"
    # Read again by a newer extractor from a stored snapshot (`korus-watch reextract`): korus-watch's reading
    # changed, not the publisher's page; no change event.
    REEXTRACTION = "reextraction"


class Statement(Base):
    """An item of a source: a press statement, a Federal Register document, a watched page, a listed release."""

    __tablename__ = "statements"
    # The archive page lists statements newest first; without this every page sorts the whole table.
    __table_args__ = (
        Index("ix_statements_published_on_id", "published_on", "id"),
        Index("ix_statements_source_external_id", "source", "external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The source that first found it (statement_sources lists every source that lists it).
    source: Mapped[str] = mapped_column(String(100), index=True)
    # The source's own id of the item, where it has one (a Drupal node id, a Federal Register document number): a
    # hint, not an identity; statement_keys hold those.
    external_id: Mapped[str | None] = mapped_column(String(200))
    # Where it was last read, and the canonical URL that page declared.
    url: Mapped[str] = mapped_column(String(2048))
    canonical_url: Mapped[str | None] = mapped_column(String(2048))
    section: Mapped[str] = mapped_column(String(200))
    # Denormalised from the newest version so that listings need no join.
    title: Mapped[str] = mapped_column(Text)
    published_on: Mapped[date | None]
    fields: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[StatementStatus] = mapped_column(enum_column(StatementStatus), default=StatementStatus.ACTIVE)
    missing_checks: Mapped[int] = mapped_column(default=0)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_checked_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The response the item was last read from (its primary snapshot), whatever it read: what a re-reading reads
    # again. None until a poll that keeps snapshots has read it (migration 0012).
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"), index=True)

    versions: Mapped[list[Version]] = relationship(
        back_populates="statement", order_by="Version.number", cascade="all, delete-orphan"
    )
    keys: Mapped[list[StatementKey]] = relationship(back_populates="statement", cascade="all, delete-orphan")


class StatementKey(Base):
    """A key an item is known by within a namespace: its identity there (the press office's URL keys, a Federal
    Register document's number and date, a watched page's URL), or a URL others' links find it by."""

    __tablename__ = "statement_keys"

    namespace: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(2048), primary_key=True, index=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"), index=True)

    statement: Mapped[Statement] = relationship(back_populates="keys")


class StatementSource(Base):
    """A source that lists the item: one Federal Register document may answer several configured queries."""

    __tablename__ = "statement_sources"

    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


class LinkRelation(enum.StrEnum):
    # The item's text links to the target.
    CITES = "cites"
    # The item is a correction of the target.
    CORRECTS = "corrects"


class StatementLink(Base):
    """What an item's current version links to or corrects, by the key the target is known by (statement_keys), so
    that related items are found either way, whichever was archived first."""

    __tablename__ = "statement_links"

    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True)
    relation: Mapped[LinkRelation] = mapped_column(enum_column(LinkRelation, length=32), primary_key=True)
    target_key: Mapped[str] = mapped_column(String(2048), primary_key=True, index=True)


class Version(Base):
    """One distinct content of a statement (title, date and body text)."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("statement_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    published_on: Mapped[date | None]
    published_text: Mapped[str | None] = mapped_column(Text)
    doc_type: Mapped[str | None] = mapped_column(String(200))
    # What the reading found of the kind's metadata (a Federal Register document's type, agencies, citation...).
    fields: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The response this content was first read from (its primary snapshot; snapshot_companions names the others).
    # None for versions archived before korus-watch kept responses (migration 0012).
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"), index=True)
    origin: Mapped[VersionOrigin] = mapped_column(enum_column(VersionOrigin), default=VersionOrigin.CRAWL,
                                                  server_default=VersionOrigin.CRAWL.value)
    # The source kind's extractor version that read it, and the korus-watch release that recorded it (None before
    # migration 0012).
    extractor_version: Mapped[str | None] = mapped_column(String(32))
    read_by: Mapped[str | None] = mapped_column(String(64))

    statement: Mapped[Statement] = relationship(back_populates="versions")
    snapshot: Mapped[Snapshot | None] = relationship()
    relevance: Mapped[list[TopicRelevance]] = relationship(back_populates="version", cascade="all, delete-orphan")


class TopicRelevance(Base):
    __tablename__ = "topic_relevance"

    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(100), primary_key=True)
    score: Mapped[float]
    relevant: Mapped[bool]
    matched_terms: Mapped[list[str]]

    version: Mapped[Version] = relationship(back_populates="relevance")


class CrawlRun(Base):
    """One poll of one source."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[RunStatus] = mapped_column(enum_column(RunStatus), default=RunStatus.RUNNING)
    full: Mapped[bool] = mapped_column(default=False)
    # A full run's full re-check began then: at its own start, or at that of the run whose re-check it continues
    # (one cut short by its time budget). It is complete once every statement was checked since (archive.planning).
    full_since: Mapped[datetime | None]
    # A baseline run fills an empty archive without announcing every old statement as new.
    baseline: Mapped[bool] = mapped_column(default=False)
    requests: Mapped[int] = mapped_column(default=0)
    not_modified: Mapped[int] = mapped_column(default=0)
    new: Mapped[int] = mapped_column(default=0)
    edited: Mapped[int] = mapped_column(default=0)
    removed: Mapped[int] = mapped_column(default=0)
    restored: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    # CPU seconds of the crawl itself, without the process's start-up: what a poll costs a running service.
    cpu_seconds: Mapped[float | None]
    message: Mapped[str | None] = mapped_column(Text)

    error_records: Mapped[list[CrawlError]] = relationship(
        back_populates="crawl_run", cascade="all, delete-orphan", order_by="CrawlError.id"
    )


class CrawlError(Base):
    __tablename__ = "crawl_errors"

    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    kind: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)

    crawl_run: Mapped[CrawlRun] = relationship(back_populates="error_records")


class ChangeEvent(Base):
    __tablename__ = "change_events"
    __table_args__ = (Index("ix_change_events_detected_at", "detected_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind))
    from_version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    to_version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"))
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    # How much the change matters, and why (archive.significance), judged when it is recorded. The defaults are a
    # new, removed or restored statement's: substantive, for no reason beyond its kind.
    significance: Mapped[Significance] = mapped_column(enum_column(Significance),
                                                       server_default=Significance.SUBSTANTIVE.value)
    reasons: Mapped[list[Reason]] = mapped_column(JSON, server_default=text("'[]'"))

    statement: Mapped[Statement] = relationship()
    from_version: Mapped[Version | None] = relationship(foreign_keys=[from_version_id])
    to_version: Mapped[Version | None] = relationship(foreign_keys=[to_version_id])


class PageValidator(Base):
    """HTTP validators per fetched URL, so that an unchanged page costs a 304."""

    __tablename__ = "page_validators"

    url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    # Listing pages keep their body: a 304 must still tell the spider which statements they list.
    listing_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The response these validators came with: what a 304 confirms.
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FirstBaseline(Base):
    """A source's first baseline: when it began, and whether it read (and recorded) every listing page. One row per
    source, made when that baseline starts; a baseline that goes on after it was cut short announces what its
    listings did not show (archive.first_baseline)."""

    __tablename__ = "first_baselines"

    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    began_at: Mapped[datetime]
    listings_complete: Mapped[bool] = mapped_column(default=False)


class FirstBaselineListing(Base):
    """An item (its key in the source's namespace) that a listing page read by the source's first baseline showed."""

    __tablename__ = "first_baseline_listings"

    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(2048), primary_key=True)


class SnapshotBody(Base):
    """A response body as received, stored once however many responses had it: zlib-compressed, keyed by the
    SHA-256 of the uncompressed bytes (archive.snapshots.bodies)."""

    __tablename__ = "snapshot_bodies"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]  # uncompressed, in bytes
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Snapshot(Base):
    """One response with a body that a poll read (a statement page, a listing page, an API answer), as Scrapy
    handed it to the spider: the body after Scrapy undid its Content-Encoding, the headers as Scrapy holds them."""

    __tablename__ = "snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    # What was asked for, and where its redirects led.
    url: Mapped[str] = mapped_column(String(2048))
    final_url: Mapped[str] = mapped_column(String(2048))
    status: Mapped[int]
    protocol: Mapped[str] = mapped_column(String(16))
    # [name, value] pairs in the order received (names may repeat).
    request_headers: Mapped[list[list[str]]] = mapped_column(JSON)
    headers: Mapped[list[list[str]]] = mapped_column(JSON)
    body_sha256: Mapped[str] = mapped_column(ForeignKey("snapshot_bodies.sha256"), index=True)
    fetched_at: Mapped[datetime] = mapped_column(index=True)
    # The last time the site answered 304 to the validators that came with it: the body was still current then.
    confirmed_at: Mapped[datetime | None]


class SnapshotCompanion(Base):
    """The other responses what was read from a snapshot was read with (a Federal Register document's text beside
    its JSON): the primary snapshot names them, in the order the finder carried them (crawler.snapshots)."""

    __tablename__ = "snapshot_companions"

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True)
    companion_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id"), primary_key=True, index=True)
    position: Mapped[int]


class SourceExtractor(Base):
    """The extractor version each source's items were last read with (recorded by a re-reading, which a poll runs
    first whenever its kind's version is not this one): a release that changes it has the source's snapshots read
    again before its next poll (crawler.reextract)."""

    __tablename__ = "source_extractors"

    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    extractor_version: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class HealthProblem(Base):
    __tablename__ = "health_problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[HealthKind] = mapped_column(enum_column(HealthKind, length=64), index=True)
    # The source whose view is wrong; None for the archive's own problems.
    source: Mapped[str | None] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


# The search index of migrations 0005 and 0007, written by the database's own triggers on `versions` (never by the application),
# declared here for the web app's queries.
# One row per statement naming its current version; on PostgreSQL also its weighted tsvector.
statement_search = Table(
    "statement_search",
    Base.metadata,
    Column("statement_id", Integer, ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True),
    Column("version_id", Integer, nullable=False, unique=True),
    # PostgreSQL's tsvector, used only through its operators: no type object needed (importing PostgreSQL's dialect
    # for it cost every command a tenth of a second at start).
    Column("document", NullType(), nullable=False),
    # SQLite's only: the row of statement_fts that indexes the statement (migration 0007).
    Column("fts_rowid", Integer),
    Index("ix_statement_search_document", "document", postgresql_using="gin"),
)
# SQLite's FTS5 table over each statement's current title and body, its rowids in newest-first order.
statement_fts = Table(
    "statement_fts",
    Base.metadata,
    Column("rowid", Integer, primary_key=True),
    Column("title", Text),
    Column("body", Text),
)
# The index of every version's title and body, current and past, so that a search finds a statement by what it once
# said (migration 0013), kept by triggers on `versions` like the ones above. PostgreSQL: a weighted tsvector per
# version (title A, body B) under a GIN index.
version_search = Table(
    "version_search",
    Base.metadata,
    Column("version_id", Integer, ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True),
    Column("document", NullType(), nullable=False),
    Index("ix_version_search_document", "document", postgresql_using="gin"),
)
# SQLite: an FTS5 table whose rowid is the version's id.
version_fts = Table(
    "version_fts",
    Base.metadata,
    Column("rowid", Integer, primary_key=True),
    Column("title", Text),
    Column("body", Text),
)
