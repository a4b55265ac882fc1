"""Which archived item a reading is: found by the source's keys first (a URL the archive knows), by the source's own
id second (a statement moved to a new URL), and in either case only where the content agrees.

A CMS migration renumbers its nodes: the same URLs, the same content, new node ids. A node id is therefore a hint,
never an identity: where it and the URL disagree, the URL's item and its content decide, and a key another item holds
is never taken from it (only a new node at a known URL, reading as another item, takes that URL's keys: Drupal gave
the path to a new node, and the old item is gone)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.orm import Session

from archive.identity import host_url_key
from archive.models import Statement, StatementKey, Version, table_of
from archive.planning import CrawlPlan
from archive.records import FetchedStatement
from archive.writer import StatementWriter

log = logging.getLogger(__name__)

_STATEMENTS, _KEYS, _VERSIONS = table_of(Statement), table_of(StatementKey), table_of(Version)
KNOWN_STATEMENT = select(
    _STATEMENTS.c.id, _STATEMENTS.c.external_id, _STATEMENTS.c.url, _STATEMENTS.c.canonical_url, _STATEMENTS.c.status,
    _STATEMENTS.c.missing_checks,
).where(_STATEMENTS.c.id == bindparam("statement_id"))
LATEST_VERSION = (
    select(_VERSIONS.c.id, _VERSIONS.c.number, _VERSIONS.c.content_hash, _VERSIONS.c.title)
    .where(_VERSIONS.c.statement_id == bindparam("statement_id"))
    .order_by(_VERSIONS.c.number.desc())
    .limit(1)
)


# The share of words two texts must have in common, in order, to be one item's: an edit keeps most of them, another
# statement shares little beyond boilerplate.
_SAME_ITEM_RATIO = 0.6


def _same_title(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def _mostly_the_same(a: str, b: str) -> bool:
    matcher = SequenceMatcher(None, a.casefold().split(), b.casefold().split(), autojunk=False)
    return matcher.quick_ratio() >= _SAME_ITEM_RATIO and matcher.ratio() >= _SAME_ITEM_RATIO


@dataclass
class Identities:
    plan: CrawlPlan
    writer: StatementWriter
    # Items found under a new external id of the source (a renumbering), for the run's summary line.
    renumbered: int = 0
    # Readings whose external id named another item that read differently: archived as new items.
    conflicts: int = 0
    _examples: list[str] = field(default_factory=list)

    def keys_of(self, page: FetchedStatement) -> list[str]:
        """The reading's keys, its identity first: the source's keys of the item (or of its URLs), then the host
        and path of its URLs, by which other items' links find it."""
        identity = list(page.keys) or [self.plan.key_of(url) for url in (page.url, page.canonical_url) if url]
        aliases = [host_url_key(url) for url in (page.url, page.canonical_url) if url]
        return list(dict.fromkeys([*identity, *aliases]))

    def find(self, session: Session, page: FetchedStatement) -> Row | None:
        """The archived item this reading is, or None for a new one."""
        by_key = self.plan.statement_by_key
        statement_id = next((by_key[key] for key in self.keys_of(page) if key in by_key), None)
        if statement_id is None and self.plan.source.namespace != self.plan.source.name:
            statement_id = self._archived_meanwhile(session, page)
        if statement_id is not None:
            known = self.known(session, statement_id)
            if page.external_id is None or known.external_id in (None, page.external_id):
                return known
            if self._reads_as(session, known.id, page):
                self.renumbered += 1
                log.debug("statement %d at %s: external id %s is now %s", known.id, page.url, known.external_id,
                          page.external_id)
                if len(self._examples) < 3:
                    self._examples.append(f"{known.external_id}->{page.external_id}")
                return known
            log.info("a different item is now at %s (external id %s, statement %d had %s): archived as a new item",
                     page.url, page.external_id, known.id, known.external_id)
            return None
        # A reading that names its identity (page.keys: a Federal Register document's number and date) is that item
        # or a new one: its external id is no hint of a move (the same number has named two documents, and a
        # correction printed under the original's number reads much as the original).
        if page.keys or page.external_id is None or page.external_id not in self.plan.statement_by_external:
            return None
        known = self.known(session, self.plan.statement_by_external[page.external_id])
        if self._reads_as(session, known.id, page):
            return known  # moved to a new URL
        self.conflicts += 1
        log.warning("identity conflict: external id %s names statement %d at %s, but %s reads as another item: "
                    "archived as a new item, and statement %d keeps its URL", page.external_id, known.id, known.url,
                    page.url, known.id)
        return None

    def _archived_meanwhile(self, session: Session, page: FetchedStatement) -> int | None:
        """The item another source of the shared namespace archived since this run was planned (two Federal Register
        queries crawled at once, both listing a document), whose keys the plan now learns; None if there is none."""
        namespace = self.plan.source.namespace
        statement_id = session.scalar(select(_KEYS.c.statement_id).where(
            _KEYS.c.namespace == namespace, _KEYS.c.key.in_(self.keys_of(page))).limit(1))
        if statement_id is not None:
            for key in session.scalars(select(_KEYS.c.key).where(_KEYS.c.namespace == namespace,
                                                                 _KEYS.c.statement_id == statement_id)):
                self.plan.statement_by_key[key] = statement_id
        return statement_id

    @staticmethod
    def known(session: Session, statement_id: int) -> Row:
        return session.execute(KNOWN_STATEMENT, {"statement_id": statement_id}).one()

    def _reads_as(self, session: Session, statement_id: int, page: FetchedStatement) -> bool:
        """The reading is of the same item as the statement's current version: the same content, the same title, or
        mostly the same text (an item moved and edited at once)."""
        latest = session.execute(LATEST_VERSION, {"statement_id": statement_id}).one()
        if latest.content_hash == page.content_hash() or _same_title(latest.title, page.title):
            return True
        body = session.scalar(select(_VERSIONS.c.body_text).where(_VERSIONS.c.id == latest.id)) or ""
        return _mostly_the_same(body, page.body_text)

    def remember(self, session: Session, known: Row, page: FetchedStatement) -> list[str]:
        """What the reading tells of a known item: its URL now, its external id now, the source listing it, and the
        keys it is found by that no other item holds. Returns the keys it holds now."""
        values: dict[str, object] = {}
        if page.external_id is not None and known.external_id != page.external_id:
            values["external_id"] = page.external_id
        if (known.url, known.canonical_url) != (page.url, page.canonical_url):
            values.update(url=page.url, canonical_url=page.canonical_url)
        if values:
            session.execute(update(_STATEMENTS).where(_STATEMENTS.c.id == known.id).values(**values))
        if known.id not in self.plan.listed:
            self.writer.list_under(session, known.id, self.plan.source)
        held = []
        for key in self.keys_of(page):
            owner = self.plan.statement_by_key.get(key)
            if owner is None:
                session.execute(insert(_KEYS).values(namespace=self.plan.source.namespace, key=key,
                                                     statement_id=known.id))
            elif owner != known.id:
                log.warning("identity conflict: %s (read at %s for statement %d) is statement %d's key, which keeps it",
                            key, page.url, known.id, owner)
                continue
            held.append(key)
        return held

    def claim(self, session: Session, page: FetchedStatement) -> tuple[set[str], set[str]]:
        """The keys of a new item: those nobody holds, and those an older item held whose URL this new one now has
        (Drupal gave its path to a new node); returns (new keys, moved keys)."""
        keys = set(self.keys_of(page))
        moved = {key for key in keys if key in self.plan.statement_by_key}
        return keys - moved, moved

    def learn(self, statement_id: int, page: FetchedStatement, keys: list[str] | set[str]) -> None:
        """After a commit: the plan's maps now name this item too."""
        for key in keys:
            self.plan.statement_by_key[key] = statement_id
        if page.external_id is not None:
            self.plan.statement_by_external[page.external_id] = statement_id
        self.plan.listed.add(statement_id)

    def summary(self) -> str | None:
        """One line for the run's log, when items were renumbered or conflicted."""
        if not (self.renumbered or self.conflicts):
            return None
        return (f"{self.renumbered} items found under new external ids (e.g. {', '.join(self._examples)}; a CMS "
                f"migration?), {self.conflicts} identity conflicts archived as new items")
