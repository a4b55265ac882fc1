"""Re-reading: every item's stored responses read again by today's extractor of its source's kind (issue 17).

Where the reading differs from the item's latest version, a version is recorded with the origin `reextraction`:
korus-watch's reading changed, not the publisher's page, so no change event is made (no alert, no digest line), and
the next real edit is diffed against it. Run by `korus-watch reextract`, and before a source's next poll whenever an
upgrade changed its kind's extractor version (the version each source was last read with is remembered)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from archive.db import Database
from archive.records import FetchedStatement
from archive.relevance import Topic, TopicScorer
from archive.snapshots.bodies import DamagedBody
from archive.snapshots.reextraction import (
    LatestVersion,
    items_of,
    last_extractor,
    latest_version,
    record_reread,
    remember_extractor,
)
from archive.snapshots.stored import read_together
from archive.writer import StatementWriter
from crawler.sources.base import ConfiguredSource
from crawler.sources.errors import ReadError

log = logging.getLogger(__name__)


@dataclass
class Counts:
    """What a re-reading did."""

    read: int = 0  # items whose stored responses were read again
    differ: int = 0  # readings that differ from the item's latest version
    recorded: int = 0  # versions recorded (none in a dry run)
    without_snapshot: int = 0  # items archived before snapshots were kept: nothing to re-read
    unreadable: int = 0  # a stored response damaged or missing, or today's reader refused it

    def add(self, other: Counts) -> None:
        self.read += other.read
        self.differ += other.differ
        self.recorded += other.recorded
        self.without_snapshot += other.without_snapshot
        self.unreadable += other.unreadable

    def line(self, dry_run: bool = False) -> str:
        return (f"reextract: {self.read} items read, {self.differ} readings differ, {self.recorded} "
                f"versions recorded{' (dry run)' if dry_run else ''}, {self.without_snapshot} without a snapshot, "
                f"{self.unreadable} unreadable")


def reextract(
    db: Database, source: ConfiguredSource, topics: list[Topic], *, dry_run: bool = False,
    say: Callable[[str], None] = log.info,
) -> Counts:
    """Re-reads the items `source` first found; `say` gets a line for each item that cannot be re-read and, in a
    dry run, for each that would change. Records the extractor version the source was read with unless `dry_run`.
    The caller holds the source's crawl lock (archive.lock): a poll must not record versions meanwhile."""
    counts = Counts()
    writer = StatementWriter([TopicScorer(topic) for topic in topics])
    version = source.extractor_version
    with db.sessions() as reading:
        for item in items_of(reading, source.name):
            if item.snapshot_id is None:
                counts.without_snapshot += 1
                continue
            counts.read += 1
            try:
                page = source.kind.reread(item, read_together(reading, item.snapshot_id), source.settings)
            except (DamagedBody, ReadError) as problem:
                counts.unreadable += 1
                say(f"statement {item.id} ({item.url}) not re-read: {problem}")
                continue
            latest = latest_version(reading, item.id)
            if page.content_hash() == latest.content_hash:
                continue
            counts.differ += 1
            if dry_run:
                say(f"statement {item.id} ({item.url}): would be re-read as version {latest.number + 1}, "
                    f"its {_what_differs(latest, page)} read differently")
                continue
            with db.sessions.begin() as session:
                record_reread(session, writer, item, page, latest.number + 1, version)
            counts.recorded += 1
    if not dry_run:
        with db.sessions.begin() as session:
            remember_extractor(session, source.name, version)
    return counts


def _what_differs(latest: LatestVersion, page: FetchedStatement) -> str:
    return " and ".join(name for name, differs in (
        ("title", page.title != latest.title), ("date", page.published_on != latest.published_on),
        ("text", page.body_text != latest.body_text)) if differs)


def reextract_if_upgraded(db: Database, source: ConfiguredSource, topics: list[Topic]) -> Counts | None:
    """Re-reads the source when its extractor version (its kind's, and its reading settings': ConfiguredSource) is not
    the one it was last read with (an upgrade or a new selector changed it; an archive that never recorded one counts
    as changed), before the poll the caller is about to make."""
    with db.sessions() as session:
        last = last_extractor(session, source.name)
    if last == source.extractor_version:
        return None
    log.info("re-reading %s before its poll: its extractor is version %s, its items were last read with %s",
             source.name, source.extractor_version, last or "no recorded version")
    # A failure fails the poll too: polled with a new extractor before the re-reading, every item it reads
    # differently would look edited.
    counts = reextract(db, source, topics, say=log.warning)
    log.info("%s, %s", source.name, counts.line())
    return counts
