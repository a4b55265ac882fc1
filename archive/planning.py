"""Planning a crawl run: what the spider must know of the archive before it starts (the identities it has, the
validators for conditional requests, and which statements are due for re-verification)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from math import ceil
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from archive.db import Database
from archive.first_baseline import FirstBaselineView, open_first_baseline
from archive.identity import url_key
from archive.models import CrawlRun, PageValidator, RunStatus, Statement, StatementStatus, StatementUrl, utcnow

# Rotation quota slack: re-verifying a little faster than strictly needed absorbs skipped polls.
_ROTATION_SLACK = 1.25


@dataclass(frozen=True)
class Validator:
    etag: str | None
    last_modified: str | None
    # A listing page's body is kept in the archive, to be read back when the page answers 304
    # (RunRecorder.stored_listing): the plan holds only whether there is one.
    has_listing_body: bool


@dataclass(frozen=True)
class RevisitTarget:
    path: str
    section: str


@dataclass
class CrawlPlan:
    """What the spider needs to know about the archive before it starts."""

    run_id: int
    full: bool
    # A baseline's view of the archive's first baseline (archive.first_baseline); None in a run that is not one.
    first_baseline: FirstBaselineView | None
    # The archive's identities, kept current during the run: URL key or node id -> statement id.
    statement_by_key: dict[str, int]
    statement_by_node: dict[int, int]
    # Removed or possibly removed statements are re-checked wherever a listing shows them.
    recheck_keys: set[str]
    revisit: list[RevisitTarget]
    validators: dict[str, Validator]

    @property
    def baseline(self) -> bool:
        return self.first_baseline is not None

    def announces_new(self, keys: set[str], published_on: date | None) -> bool:
        """Whether a statement archived now for the first time, known by these URL keys, is announced as new."""
        return self.first_baseline is None or self.first_baseline.announces(keys, published_on)

    def is_known(self, url: str) -> bool:
        return url_key(url) in self.statement_by_key

    def needs_recheck(self, url: str) -> bool:
        return url_key(url) in self.recheck_keys


def start_run(db: Database, *, full: bool, interval_minutes: float, full_revisit_hours: float) -> CrawlPlan:
    """Opens a crawl run and plans it; a run into an archive never crawled to the end is a full baseline."""
    now = utcnow()
    with db.sessions.begin() as session:
        # The caller holds the archive's crawl lock (archive.lock), so a run still marked running was killed.
        session.execute(
            update(CrawlRun)
            .where(CrawlRun.status == RunStatus.RUNNING)
            .values(status=RunStatus.INTERRUPTED, finished_at=now, message="process ended during the crawl")
        )
        # Initialised: a crawl once ended well, whatever it found (baselines killed part-way may have archived
        # everything between them, leaving the one that ends nothing new). A killed or failed crawl (the site down,
        # a maintenance page at every landing, the archive unwritable) leaves the next one a baseline.
        initialised = session.scalar(select(CrawlRun.id).where(CrawlRun.status == RunStatus.SUCCEEDED).limit(1))
        baseline = initialised is None
        # A full re-check asked for (or a baseline) begins now; one cut short by an earlier run's time budget goes on.
        full_since = now if full or baseline else unfinished_full_recheck(session)
        run = CrawlRun(started_at=now, full=full_since is not None, baseline=baseline, full_since=full_since)
        session.add(run)
        session.flush()
        first_baseline = open_first_baseline(session, now) if baseline else None

        statement_by_key, statement_by_node = load_identities(session)
        recheck_keys = set(
            session.scalars(
                select(StatementUrl.url_key)
                .join(Statement)
                .where((Statement.status == StatementStatus.REMOVED) | (Statement.missing_checks > 0))
            )
        )
        total = session.scalar(select(func.count(Statement.id))) or 0
        quota = total if run.full else ceil(total * interval_minutes / (full_revisit_hours * 60) * _ROTATION_SLACK)
        # Only the columns the plan keeps, as plain rows: loading whole ORM objects was a good part of planning.
        target = select(Statement.id, Statement.url, Statement.section)
        pending_removal = target.where(Statement.status == StatementStatus.ACTIVE, Statement.missing_checks > 0)
        due = target if full_since is None else target.where(Statement.last_checked_at < full_since)
        oldest_checked = due.order_by(Statement.last_checked_at, Statement.id).limit(quota)
        revisit: dict[int, RevisitTarget] = {}
        for statement in [*session.execute(pending_removal), *session.execute(oldest_checked)]:
            revisit.setdefault(statement.id, RevisitTarget(url_path(statement.url), statement.section))
        validators = {
            row.url: Validator(row.etag, row.last_modified, row.has_listing_body)
            for row in session.execute(
                select(
                    PageValidator.url,
                    PageValidator.etag,
                    PageValidator.last_modified,
                    PageValidator.listing_body.is_not(None).label("has_listing_body"),
                )
            )
        }
        return CrawlPlan(
            run_id=run.id,
            full=run.full,
            first_baseline=first_baseline,
            statement_by_key=statement_by_key,
            statement_by_node=statement_by_node,
            recheck_keys=recheck_keys,
            revisit=list(revisit.values()),
            validators=validators,
        )


def unfinished_full_recheck(session: Session) -> datetime | None:
    """When the newest full re-check began, if a statement has not been checked since: it was cut short (a poll's
    time budget, a stop) and the next poll goes on with it, from the statements checked longest ago."""
    began = session.scalar(
        select(CrawlRun.full_since).where(CrawlRun.full_since.is_not(None)).order_by(CrawlRun.id.desc()).limit(1)
    )
    if began is None:
        return None
    oldest_check = session.scalar(select(func.min(Statement.last_checked_at)))
    return began if oldest_check is not None and oldest_check < began else None


def load_identities(session: Session) -> tuple[dict[str, int], dict[int, int]]:
    """The archive's URL keys and node ids, each mapped to its statement's id."""
    by_key = {
        key: statement_id
        for key, statement_id in session.execute(select(StatementUrl.url_key, StatementUrl.statement_id))
    }
    nodes = session.execute(select(Statement.node_id, Statement.id).where(Statement.node_id.is_not(None)))
    by_node = {node_id: statement_id for node_id, statement_id in nodes if node_id is not None}
    return by_key, by_node


def url_path(url: str) -> str:
    """The path and query of a stored URL, to be fetched again from the configured base URL."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


