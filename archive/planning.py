"""Planning a crawl run of one source: what its finder must know of the archive before it starts (the identities it
has, the validators for conditional requests, and which of its items are due for re-verification)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from math import ceil

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from archive.db import Database
from archive.first_baseline import FirstBaselineView, open_first_baseline
from archive.models import (
    CrawlRun,
    PageValidator,
    RunStatus,
    Statement,
    StatementKey,
    StatementSource,
    StatementStatus,
    utcnow,
)

# Rotation quota slack: re-verifying a little faster than strictly needed absorbs skipped polls.
_ROTATION_SLACK = 1.25


@dataclass(frozen=True)
class SourceRef:
    """What the archive needs to know of a source to plan and record its runs."""

    name: str
    # Where its items' identity keys live: its own name, or its kind's when several sources share items (Federal
    # Register queries).
    namespace: str
    # The identity key of an item's URL (for the answers that carry nothing else: a 304, a 404).
    key_of: Callable[[str], str]
    # The version of its kind's extractor, which every version it reads records.
    extractor_version: str
    # Whether an item it archives for the first time after its baseline is news (a new event); False for items that
    # are configured, not published (a watched page added to a source's URLs).
    new_items_are_news: bool = True


@dataclass(frozen=True)
class Validator:
    etag: str | None
    last_modified: str | None
    # A listing page's body is kept in the archive, to be read back when the page answers 304
    # (RunRecorder.stored_listing): the plan holds only whether there is one.
    has_listing_body: bool
    # The stored response they came with, which a 304 confirms.
    snapshot_id: int | None


@dataclass(frozen=True)
class RevisitTarget:
    """An archived item due for a re-check: where it was last read."""

    url: str
    section: str
    # Its title and date as archived: what a source that reads them from elsewhere (a listing) keeps on a re-check.
    title: str = ""
    published_on: date | None = None


@dataclass
class CrawlPlan:
    """What a source's finder needs to know about the archive before it starts."""

    run_id: int
    source: SourceRef
    full: bool
    # A baseline's view of the source's first baseline (archive.first_baseline); None in a run that is not one.
    first_baseline: FirstBaselineView | None
    # The namespace's identities, kept current during the run: key -> statement id.
    statement_by_key: dict[str, int]
    # The source's own ids of its items (hints: archive.recorder decides): external id -> statement id.
    statement_by_external: dict[str, int]
    # The items this source lists (statement_sources).
    listed: set[int]
    # Removed or possibly removed items are re-checked wherever a listing shows them.
    recheck_keys: set[str]
    revisit: list[RevisitTarget]
    validators: dict[str, Validator]

    def key_of(self, url: str) -> str:
        return self.source.key_of(url)

    @property
    def baseline(self) -> bool:
        return self.first_baseline is not None

    def announces_new(self, keys: set[str], published_on: date | None) -> bool:
        """Whether an item archived now for the first time, known by these keys, is announced as new."""
        if not self.source.new_items_are_news:
            return False
        return self.first_baseline is None or self.first_baseline.announces(keys, published_on)

    def is_known(self, url: str) -> bool:
        return self.key_of(url) in self.statement_by_key

    def needs_recheck(self, url: str) -> bool:
        return self.key_of(url) in self.recheck_keys


def start_run(
    db: Database, source: SourceRef, *, full: bool, interval_minutes: float, full_revisit_hours: float
) -> CrawlPlan:
    """Opens a crawl run of `source` and plans it; a run of a source never crawled to the end is a full baseline."""
    now = utcnow()
    with db.sessions.begin() as session:
        # The caller holds the source's crawl lock (archive.lock), so a run of it still marked running was killed.
        session.execute(
            update(CrawlRun)
            .where(CrawlRun.source == source.name, CrawlRun.status == RunStatus.RUNNING)
            .values(status=RunStatus.INTERRUPTED, finished_at=now, message="process ended during the crawl")
        )
        # Initialised: a crawl of the source once ended well, whatever it found (baselines killed part-way may have
        # archived everything between them, leaving the one that ends nothing new). A killed or failed crawl (the
        # site down, a maintenance page at every landing, the archive unwritable) leaves the next one a baseline.
        initialised = session.scalar(
            select(CrawlRun.id).where(CrawlRun.source == source.name, CrawlRun.status == RunStatus.SUCCEEDED).limit(1)
        )
        baseline = initialised is None
        # A full re-check asked for (or a baseline) begins now; one cut short by an earlier run's time budget goes on.
        full_since = now if full or baseline else unfinished_full_recheck(session, source.name)
        run = CrawlRun(source=source.name, started_at=now, full=full_since is not None, baseline=baseline,
                       full_since=full_since)
        session.add(run)
        session.flush()
        first_baseline = open_first_baseline(session, source.name, now) if baseline else None

        statement_by_key, statement_by_external = load_identities(session, source)
        listed_by_source = select(StatementSource.statement_id).where(StatementSource.source == source.name)
        listed = set(session.scalars(listed_by_source))
        recheck_keys = set(
            session.scalars(
                select(StatementKey.key)
                .join(Statement)
                .where(StatementKey.namespace == source.namespace, Statement.id.in_(listed_by_source))
                .where((Statement.status == StatementStatus.REMOVED) | (Statement.missing_checks > 0))
            )
        )
        quota = len(listed) if run.full else ceil(
            len(listed) * interval_minutes / (full_revisit_hours * 60) * _ROTATION_SLACK
        )
        # Only the columns the plan keeps, as plain rows: loading whole ORM objects was a good part of planning.
        target = select(Statement.id, Statement.url, Statement.section, Statement.title, Statement.published_on).where(
            Statement.id.in_(listed_by_source)
        )
        pending_removal = target.where(Statement.status == StatementStatus.ACTIVE, Statement.missing_checks > 0)
        due = target if full_since is None else target.where(Statement.last_checked_at < full_since)
        oldest_checked = due.order_by(Statement.last_checked_at, Statement.id).limit(quota)
        revisit: dict[int, RevisitTarget] = {}
        for statement in [*session.execute(pending_removal), *session.execute(oldest_checked)]:
            revisit.setdefault(statement.id, RevisitTarget(statement.url, statement.section, statement.title,
                                                           statement.published_on))
        validators = {
            row.url: Validator(row.etag, row.last_modified, row.has_listing_body, row.snapshot_id)
            for row in session.execute(
                select(
                    PageValidator.url,
                    PageValidator.etag,
                    PageValidator.last_modified,
                    PageValidator.listing_body.is_not(None).label("has_listing_body"),
                    PageValidator.snapshot_id,
                )
            )
        }
        return CrawlPlan(
            run_id=run.id,
            source=source,
            full=run.full,
            first_baseline=first_baseline,
            statement_by_key=statement_by_key,
            statement_by_external=statement_by_external,
            listed=listed,
            recheck_keys=recheck_keys,
            revisit=list(revisit.values()),
            validators=validators,
        )


def unfinished_full_recheck(session: Session, source: str) -> datetime | None:
    """When the source's newest full re-check began, if an item it lists has not been checked since: it was cut short
    (a poll's time budget, a stop) and the next poll goes on with it, from the items checked longest ago."""
    began = session.scalar(
        select(CrawlRun.full_since)
        .where(CrawlRun.source == source, CrawlRun.full_since.is_not(None))
        .order_by(CrawlRun.id.desc())
        .limit(1)
    )
    if began is None:
        return None
    oldest_check = session.scalar(
        select(func.min(Statement.last_checked_at)).where(
            Statement.id.in_(select(StatementSource.statement_id).where(StatementSource.source == source))
        )
    )
    return began if oldest_check is not None and oldest_check < began else None


def load_identities(session: Session, source: SourceRef) -> tuple[dict[str, int], dict[str, int]]:
    """The namespace's keys, and the external ids of the source's items, each mapped to its statement's id."""
    by_key = {
        key: statement_id
        for key, statement_id in session.execute(
            select(StatementKey.key, StatementKey.statement_id).where(StatementKey.namespace == source.namespace)
        )
    }
    externals = session.execute(
        select(Statement.external_id, Statement.id)
        .where(Statement.source == source.name, Statement.external_id.is_not(None))
        .order_by(Statement.id)
    )
    by_external = {external_id: statement_id for external_id, statement_id in externals if external_id is not None}
    return by_key, by_external
