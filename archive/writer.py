"""Writing items (statements), their keys, sources and links, versions with their topic scores, and change events:
one path for every run of every source.

Plain INSERTs and UPDATEs inside the caller's unit of work: the rows need no change tracking, and the ORM's unit of
work was most of a first crawl's CPU."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from archive.identity import host_url_key
from archive.models import (
    ChangeEvent,
    EventKind,
    LinkRelation,
    Statement,
    StatementKey,
    StatementLink,
    StatementSource,
    TopicRelevance,
    Version,
    VersionOrigin,
    table_of,
)
from archive.planning import SourceRef
from archive.product import VERSION
from archive.records import FetchedStatement
from archive.relevance import TopicScorer
from archive.significance import Significance, VersionText, judge

_STATEMENTS, _KEYS, _LINKS = table_of(Statement), table_of(StatementKey), table_of(StatementLink)
_INSERT_STATEMENT = insert(_STATEMENTS).returning(_STATEMENTS.c.id)
_INSERT_KEY = insert(_KEYS)
_INSERT_SOURCE = insert(table_of(StatementSource))
_INSERT_LINK = insert(_LINKS)
_INSERT_VERSION = insert(table_of(Version)).returning(table_of(Version).c.id)
_INSERT_TOPIC_RELEVANCE = insert(table_of(TopicRelevance))
_INSERT_EVENT = insert(table_of(ChangeEvent)).returning(table_of(ChangeEvent).c.id)
_VERSIONS, _RELEVANCE = table_of(Version), table_of(TopicRelevance)
_STORED_VERSION = select(_VERSIONS.c.title, _VERSIONS.c.body_text, _VERSIONS.c.published_on).where(
    _VERSIONS.c.id == bindparam("version_id"))
_STORED_RELEVANCE = select(_RELEVANCE.c.topic, _RELEVANCE.c.relevant, _RELEVANCE.c.matched_terms).where(
    _RELEVANCE.c.version_id == bindparam("version_id"))


@dataclass(frozen=True)
class ReadFrom:
    """What a version was read from, and by what: the response (its primary snapshot; None when none was kept), the
    source kind's extractor version, and whether a poll read it or a re-reading (archive.snapshots.reextraction)."""

    snapshot_id: int | None
    extractor_version: str
    origin: VersionOrigin = VersionOrigin.CRAWL


@dataclass(frozen=True)
class WrittenVersion:
    id: int
    # The topics its content is relevant to.
    topics: frozenset[str]
    # What an edit's significance is judged by.
    text: VersionText


@dataclass(frozen=True)
class RecordedEvent:
    """A change event as its listeners learn of it."""

    id: int
    kind: EventKind
    statement_id: int
    # The topics of the version the event is about: the new one, or the last one of a removal.
    topics: frozenset[str]
    significance: Significance


class StatementWriter:
    def __init__(self, scorers: list[TopicScorer]) -> None:
        self.scorers = scorers

    def create_statement(
        self, session: Session, source: SourceRef, page: FetchedStatement, read: ReadFrom, now: datetime, *,
        new_keys: set[str], moved_keys: set[str],
    ) -> tuple[int, WrittenVersion]:
        """A new item of `source` and its first version. `moved_keys`: keys of other items that are this one's now
        (Drupal gave their path to a new node)."""
        statement_id: int = session.execute(
            _INSERT_STATEMENT, {**_statement_values(source, page, now), "snapshot_id": read.snapshot_id}
        ).scalar_one()
        self.add_keys(session, source, statement_id, new_keys)
        if moved_keys:
            session.execute(
                update(_KEYS).where(_KEYS.c.namespace == source.namespace, _KEYS.c.key.in_(moved_keys))
                .values(statement_id=statement_id)
            )
        self.list_under(session, statement_id, source)
        self._write_links(session, statement_id, page)
        return statement_id, self._insert_version(session, statement_id, page, read, 1, now)

    def add_version(
        self, session: Session, statement_id: int, page: FetchedStatement, read: ReadFrom, number: int, now: datetime
    ) -> WrittenVersion:
        """A new content of a known item, which now shows its title, date and fields, read from `read`'s snapshot."""
        latest = {"snapshot_id": read.snapshot_id} if read.snapshot_id is not None else {}
        session.execute(
            update(_STATEMENTS)
            .where(_STATEMENTS.c.id == statement_id)
            .values(title=page.title, published_on=page.published_on, fields=page.fields or None, **latest)
        )
        self._write_links(session, statement_id, page)
        return self._insert_version(session, statement_id, page, read, number, now)

    @staticmethod
    def add_keys(session: Session, source: SourceRef, statement_id: int, keys: set[str]) -> None:
        if keys:
            session.execute(_INSERT_KEY, [
                {"namespace": source.namespace, "key": key, "statement_id": statement_id} for key in sorted(keys)
            ])

    @staticmethod
    def list_under(session: Session, statement_id: int, source: SourceRef) -> None:
        """`source` lists the item (CrawlPlan.listed says whether it did already)."""
        session.execute(_INSERT_SOURCE, {"statement_id": statement_id, "source": source.name})

    @staticmethod
    def _write_links(session: Session, statement_id: int, page: FetchedStatement) -> None:
        """What the item's current reading links to and corrects, replacing what an older reading did."""
        session.execute(delete(_LINKS).where(_LINKS.c.statement_id == statement_id))
        own = {host_url_key(url) for url in (page.url, page.canonical_url) if url}
        targets = {(LinkRelation.CITES, key) for key in map(host_url_key, page.links) if key not in own}
        if page.corrects:
            targets.add((LinkRelation.CORRECTS, page.corrects))
        if targets:
            session.execute(_INSERT_LINK, [
                {"statement_id": statement_id, "relation": relation, "target_key": key}
                for relation, key in sorted(targets)
            ])

    def _insert_version(
        self, session: Session, statement_id: int, page: FetchedStatement, read: ReadFrom, number: int, now: datetime
    ) -> WrittenVersion:
        version_id: int = session.execute(_INSERT_VERSION, {
            "statement_id": statement_id, **_version_values(page, number, now), "snapshot_id": read.snapshot_id,
            "origin": read.origin, "extractor_version": read.extractor_version, "read_by": VERSION,
        }).scalar_one()
        scores = [scorer.score(page.title, page.body_text) for scorer in self.scorers]
        if scores:
            session.execute(_INSERT_TOPIC_RELEVANCE, [
                {"version_id": version_id, "topic": s.topic, "score": s.score, "relevant": s.relevant,
                 "matched_terms": list(s.matched_terms)}
                for s in scores
            ])
        text = VersionText(page.title, page.body_text, page.published_on,
                           {s.topic: s.matched_terms for s in scores})
        return WrittenVersion(version_id, frozenset(s.topic for s in scores if s.relevant), text)

    @staticmethod
    def stored_version(session: Session, version_id: int) -> WrittenVersion:
        """A version already archived, with the topics it was found relevant to."""
        title, body, published_on = session.execute(_STORED_VERSION, {"version_id": version_id}).one()
        relevance = session.execute(_STORED_RELEVANCE, {"version_id": version_id}).all()
        text = VersionText(title, body, published_on, {row.topic: tuple(row.matched_terms) for row in relevance})
        return WrittenVersion(version_id, frozenset(row.topic for row in relevance if row.relevant), text)

    @staticmethod
    def record_event(
        session: Session, kind: EventKind, statement_id: int, run_id: int, now: datetime,
        *, before: WrittenVersion | None = None, after: WrittenVersion | None = None,
    ) -> RecordedEvent:
        described = after or before
        assert described is not None, "every change event has a version"
        judgement = judge(kind, before.text if before else None, after.text if after else None)
        event_id: int = session.execute(_INSERT_EVENT, {
            "statement_id": statement_id, "kind": kind, "crawl_run_id": run_id, "detected_at": now,
            "from_version_id": before.id if before else None, "to_version_id": after.id if after else None,
            "significance": judgement.level, "reasons": judgement.reasons,
        }).scalar_one()
        return RecordedEvent(event_id, kind, statement_id, described.topics, judgement.level)


def _statement_values(source: SourceRef, page: FetchedStatement, now: datetime) -> dict[str, Any]:
    return {
        "source": source.name,
        "external_id": page.external_id,
        "fields": page.fields or None,
        "url": page.url,
        "canonical_url": page.canonical_url,
        "section": page.section,
        "title": page.title,
        "published_on": page.published_on,
        "first_seen_at": now,
        "last_seen_at": now,
        "last_checked_at": now,
    }


def _version_values(page: FetchedStatement, number: int, now: datetime) -> dict[str, Any]:
    return {
        "number": number,
        "title": page.title,
        "published_on": page.published_on,
        "published_text": page.published_text,
        "doc_type": page.doc_type,
        "fields": page.fields or None,
        "body_text": page.body_text,
        "body_html": page.body_html,
        "content_hash": page.content_hash(),
        "first_seen_at": now,
        "last_seen_at": now,
    }
