"""Turns one crawl's findings into archive rows and change events, each in its own unit of work.

New statements are stored as they arrive. Changes to known statements (edits, missing pages,
restorations) are held until the run ends, so that the redesign guard can judge the run as a
whole and record one health problem instead of a flood of events."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from math import ceil
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from archive.db import Database
from archive.identity import url_key
from archive.models import (
    Base,
    ChangeEvent,
    CrawlError,
    CrawlRun,
    EventKind,
    HealthProblem,
    PageValidator,
    RunStatus,
    Statement,
    StatementStatus,
    StatementUrl,
    TopicRelevance,
    Version,
    utcnow,
)
from archive.records import FetchedStatement, ListingPage, PageProblem, StatementGone, StatementNotModified
from archive.relevance import TopicScorer

log = logging.getLogger(__name__)

# Rotation quota slack: re-verifying a little faster than strictly needed absorbs skipped polls.
_ROTATION_SLACK = 1.25

# Plain INSERTs into the tables, built once: rows that need no change tracking skip the ORM's unit of work.
_TABLES = Base.metadata.tables
_INSERT_STATEMENT = insert(_TABLES[Statement.__tablename__]).returning(Statement.id)
_INSERT_STATEMENT_URL = insert(_TABLES[StatementUrl.__tablename__])
_INSERT_VERSION = insert(_TABLES[Version.__tablename__]).returning(Version.id)
_INSERT_TOPIC_RELEVANCE = insert(_TABLES[TopicRelevance.__tablename__])
_INSERT_PAGE_VALIDATOR = insert(_TABLES[PageValidator.__tablename__])
_STATUS_AND_LATEST_VERSION = (
    select(Statement.status, Version.id)
    .join_from(Statement, Version, Version.statement_id == Statement.id)
    .where(Statement.id == bindparam("statement_id"))
    .order_by(Version.number.desc())
    .limit(1)
)


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
    baseline: bool
    # The archive's identities, kept current during the run: URL key or node id -> statement id.
    statement_by_key: dict[str, int]
    statement_by_node: dict[int, int]
    # Removed or possibly removed statements are re-checked wherever a listing shows them.
    recheck_keys: set[str]
    revisit: list[RevisitTarget]
    validators: dict[str, Validator]

    def is_known(self, url: str) -> bool:
        return url_key(url) in self.statement_by_key

    def needs_recheck(self, url: str) -> bool:
        return url_key(url) in self.recheck_keys


@dataclass(frozen=True)
class GuardPolicy:
    removal_confirmations: int
    share: float
    min_pages: int


@dataclass
class _StagedChange:
    statement_id: int
    fetched: FetchedStatement | None = None  # new content, or None for a 304 of a removed statement
    gone_status: int | None = None
    # Its URL now serves another Drupal node: the site itself says it is gone, no confirmation needed.
    replaced: bool = False


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
        # Initialised: a crawl once ended well having archived something. A crawl that was killed, or that
        # read nothing (a maintenance page at every landing), leaves the next one a baseline.
        initialised = session.scalar(
            select(CrawlRun.id).where(CrawlRun.status == RunStatus.SUCCEEDED, CrawlRun.new > 0).limit(1)
        )
        baseline = initialised is None
        run = CrawlRun(started_at=now, full=full or baseline, baseline=baseline)
        session.add(run)
        session.flush()

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
        oldest_checked = target.order_by(Statement.last_checked_at, Statement.id).limit(quota)
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
            baseline=baseline,
            statement_by_key=statement_by_key,
            statement_by_node=statement_by_node,
            recheck_keys=recheck_keys,
            revisit=list(revisit.values()),
            validators=validators,
        )


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


class ChangeListener(Protocol):
    """Told of each change event and health change inside the transaction that records it (the notifier's outbox)."""

    def event_recorded(self, session: Session, event: ChangeEvent, version: Version) -> None: ...

    def health_problem_seen(self, session: Session, problem: HealthProblem) -> None:
        """Called in every run that raises the problem, the first included."""

    def health_problem_resolved(self, session: Session, problem: HealthProblem) -> None: ...


@dataclass
class RunRecorder:
    db: Database
    plan: CrawlPlan
    scorers: list[TopicScorer]
    guard: GuardPolicy
    listener: ChangeListener
    new: int = 0
    unchanged: int = 0
    errors: int = 0
    pages_read: int = 0
    statements_not_modified: int = 0
    extraction_failures: int = 0
    # One change per statement and run, whichever of its URLs was read first: a statement listed under
    # two URLs must not count two missing checks in one run.
    _staged: dict[int, _StagedChange] = field(default_factory=dict)
    _present: set[int] = field(default_factory=set)

    # -- what the crawler reports --------------------------------------------------------------

    def statement_fetched(self, page: FetchedStatement) -> None:
        self.pages_read += 1
        keys = _url_keys(page)
        if self.plan.baseline and not self._names_a_known_statement(page, keys):
            self._insert_baseline_statement(page, keys)
            return
        with self.db.sessions.begin() as session:
            statement = self._find(session, page.url, page.canonical_url, page.node_id)
            if statement is None:
                statement = self._create(session, page)
                session.flush()  # gives it the id that the identity maps need
            else:
                self._mark_present(statement.id)
                self._remember_urls(session, statement, page)
                self._compare(session, statement, page)
        self._learn_identity(statement, page)

    def _compare(self, session: Session, statement: Statement, page: FetchedStatement) -> None:
        latest_id, latest_hash = self._latest_version_hash(session, statement.id)
        if latest_hash != page.content_hash() or statement.status == StatementStatus.REMOVED:
            self._stage(_StagedChange(statement.id, fetched=page))
            return
        self._confirm_unchanged(session, statement.id, latest_id)
        self._save_validator(session, page.url, page.etag, page.last_modified)

    def statement_not_modified(self, item: StatementNotModified) -> None:
        self.statements_not_modified += 1
        statement_id = self.plan.statement_by_key.get(url_key(item.url))
        if statement_id is None:
            self.problem(PageProblem(item.url, "unknown_statement", "304 for a statement not archived"))
            return
        # The bulk of a routine poll: one query and two UPDATEs on a connection, no session.
        with self.db.engine.begin() as connection:
            status, latest_version_id = connection.execute(
                _STATUS_AND_LATEST_VERSION, {"statement_id": statement_id}
            ).one()
            self._mark_present(statement_id)
            if status == StatementStatus.REMOVED:
                self._stage(_StagedChange(statement_id))
                return
            self._confirm_unchanged(connection, statement_id, latest_version_id)

    def statement_gone(self, item: StatementGone) -> None:
        with self.db.sessions.begin() as session:
            statement = self._find(session, item.url, None, None)
            if statement is None:
                self._problem(session, PageProblem(item.url, f"http_{item.status}", "listed statement is missing"))
                return
            statement.last_checked_at = utcnow()
            if url_key(item.url) != url_key(statement.url):
                # Only the statement's current URL speaks for it; an old alias may well be gone.
                self._problem(
                    session,
                    PageProblem(
                        item.url,
                        f"http_{item.status}",
                        f"an old URL of statement {statement.id} is missing; its current URL is {statement.url}",
                    ),
                )
            elif statement.status == StatementStatus.ACTIVE and statement.id not in self._present:
                self._stage(_StagedChange(statement.id, gone_status=item.status))

    def listing_fetched(self, page: ListingPage) -> None:
        with self.db.engine.begin() as connection:
            self._save_validator(connection, page.url, page.etag, page.last_modified, page.body)

    def stored_listing(self, url: str) -> bytes | None:
        """The body a listing page had when its validators were stored, to stand in for its 304."""
        with self.db.engine.connect() as connection:
            return connection.scalar(select(PageValidator.listing_body).where(PageValidator.url == url))

    def problem(self, problem: PageProblem) -> None:
        with self.db.sessions.begin() as session:
            self._problem(session, problem)
            statement_id = self.plan.statement_by_key.get(url_key(problem.url))
            if statement_id is not None:
                # A failed check still moves the statement to the back of the re-verification rotation, so that
                # pages that always fail cannot hold up the rest of the archive.
                session.execute(
                    update(Statement)
                    .where(Statement.id == statement_id)
                    .values(last_checked_at=utcnow())
                    .execution_options(synchronize_session=False)
                )

    def _stage(self, change: _StagedChange) -> None:
        self._staged.setdefault(change.statement_id, change)

    def _mark_present(self, statement_id: int) -> None:
        """The statement answered under one of its URLs in this run: a 404 under another does not remove it."""
        self._present.add(statement_id)
        staged = self._staged.get(statement_id)
        if staged is not None and staged.gone_status is not None:
            del self._staged[statement_id]

    # -- the end of the run --------------------------------------------------------------------

    def finish(
        self,
        *,
        requests: int,
        not_modified: int,
        fetch_failures: int,
        landings: int,
        landings_failed: int,
        cpu_seconds: float,
        interrupted: bool = False,
        failure: str | None = None,
    ) -> CrawlRun:
        """Ends the run. `interrupted`: stopped before its end; `failure`: stopped for this reason (a timeout)."""
        counts = {EventKind.EDITED: 0, EventKind.REMOVED: 0, EventKind.RESTORED: 0}
        health: list[tuple[str, str]] = []
        checked_known = self.unchanged + len(self._staged)
        # Statement pages read, failed, or confirmed by a 304 (listing pages' 304s say nothing of extraction).
        pages_answered = self.extraction_failures + self.pages_read + self.statements_not_modified
        reached_site = bool(self.pages_read or not_modified or self.extraction_failures)
        if reached_site and landings and landings_failed == landings:
            health.append(
                (
                    "listings_unreadable",
                    (
                        f"none of the {landings} section landing pages could be read: the site's listings may have "
                        "changed, and new statements cannot be found"
                    ),
                )
            )
        if self._trips(self.extraction_failures, pages_answered):
            health.append(
                (
                    "redesign",
                    (
                        f"statement extraction failed on {self.extraction_failures} of {pages_answered} pages: "
                        f"the site's markup may have changed; {len(self._staged)} changes to known statements were held back"
                    ),
                )
            )
        elif self._trips(len(self._staged), checked_known):
            health.append(
                (
                    "mass_change",
                    (
                        f"{len(self._staged)} of {checked_known} re-checked statements changed at once; "
                        "no change events were recorded for them"
                    ),
                )
            )
        if requests and fetch_failures and not reached_site:
            health.append(
                ("unreachable", f"the site could not be reached: {fetch_failures} requests failed, none was answered")
            )

        with self.db.sessions.begin() as session:
            if not health and not interrupted and failure is None:
                for change in self._staged.values():
                    kind = self._apply(session, change)
                    if kind is not None:
                        counts[kind] += 1
            run = session.get_one(CrawlRun, self.plan.run_id)
            run.finished_at = utcnow()
            run.requests, run.not_modified, run.cpu_seconds = requests, not_modified, cpu_seconds
            run.new, run.unchanged, run.errors = self.new, self.unchanged, self.errors
            run.edited, run.removed, run.restored = (
                counts[EventKind.EDITED],
                counts[EventKind.REMOVED],
                counts[EventKind.RESTORED],
            )
            if failure is not None:
                run.status, run.message = RunStatus.FAILED, f"{failure}; held changes dropped"
            elif interrupted:
                run.status, run.message = RunStatus.INTERRUPTED, "stopped before the end; held changes dropped"
            elif health:
                run.status, run.message = RunStatus.FAILED, "; ".join(message for _, message in health)
            else:
                run.status = RunStatus.SUCCEEDED
            self._update_health(session, run, health)
            for problem_kind, message in health:
                log.error("health problem kind=%s run=%s: %s", problem_kind, run.id, message)
            return run

    def _trips(self, count: int, out_of: int) -> bool:
        return count >= self.guard.min_pages and count > self.guard.share * out_of

    def _update_health(self, session: Session, run: CrawlRun, raised: list[tuple[str, str]]) -> None:
        now = utcnow()
        open_problems = {
            p.kind: p for p in session.scalars(select(HealthProblem).where(HealthProblem.resolved_at.is_(None)))
        }
        for kind, message in raised:
            problem = open_problems.get(kind)
            if problem is None:
                problem = HealthProblem(kind=kind, message=message, crawl_run_id=run.id, opened_at=now, last_seen_at=now)
                session.add(problem)
            else:
                problem.message, problem.last_seen_at, problem.crawl_run_id = message, now, run.id
            self.listener.health_problem_seen(session, problem)
        if run.status == RunStatus.SUCCEEDED:
            for problem in open_problems.values():
                problem.resolved_at = now
                self.listener.health_problem_resolved(session, problem)
                log.info("health problem resolved kind=%s id=%s", problem.kind, problem.id)

    # -- units of work -------------------------------------------------------------------------

    def _apply(self, session: Session, change: _StagedChange) -> EventKind | None:
        statement = session.get_one(Statement, change.statement_id)
        latest = self._latest_version(session, statement.id)
        now = utcnow()
        statement.last_checked_at = now
        if change.gone_status is not None:
            statement.missing_checks += 1
            if statement.missing_checks < self.guard.removal_confirmations and not change.replaced:
                return None
            statement.status = StatementStatus.REMOVED
            self._record_event(session, statement, EventKind.REMOVED, now, before=latest)
            return EventKind.REMOVED

        statement.missing_checks = 0
        statement.last_seen_at = now
        fetched = change.fetched
        if fetched is not None:
            self._save_validator(session, fetched.url, fetched.etag, fetched.last_modified)
        if fetched is not None and fetched.content_hash() != latest.content_hash:
            version = self._add_version(session, statement, fetched, latest.number + 1)
        else:  # a removed statement back as it was
            version = latest
        kind = EventKind.RESTORED if statement.status == StatementStatus.REMOVED else EventKind.EDITED
        statement.status = StatementStatus.ACTIVE
        self._record_event(session, statement, kind, now, before=latest, after=version)
        return kind

    def _record_event(
        self, session: Session, statement: Statement, kind: EventKind, now: datetime,
        *, before: Version | None = None, after: Version | None = None,
    ) -> None:
        """The one place change events are made, inside the unit of work that made the change."""
        event = ChangeEvent(statement=statement, kind=kind, from_version=before, to_version=after,
                            crawl_run_id=self.plan.run_id, detected_at=now)
        session.add(event)
        # The version whose content and topics the event is about: the new one, or the last one of a removal.
        described = after or before
        assert described is not None, "every change event has a version"
        self.listener.event_recorded(session, event, described)

    def _names_a_known_statement(self, page: FetchedStatement, keys: set[str]) -> bool:
        return page.node_id in self.plan.statement_by_node or any(key in self.plan.statement_by_key for key in keys)

    def _insert_baseline_statement(self, page: FetchedStatement, keys: set[str]) -> None:
        """What _create stores, for the common case of a baseline (no event) whose page names no archived statement
        (no URL to move): plain INSERTs, without the ORM's unit of work, which cost most of a first crawl's CPU."""
        now = utcnow()
        # A connection, not a session: nothing here needs an identity map or a unit of work.
        with self.db.engine.begin() as connection:
            statement_id = connection.execute(_INSERT_STATEMENT, _statement_values(page, now)).scalar_one()
            connection.execute(_INSERT_STATEMENT_URL, [{"url_key": key, "statement_id": statement_id} for key in keys])
            version_id = connection.execute(
                _INSERT_VERSION, {"statement_id": statement_id, **_version_values(page, 1, now)}
            ).scalar_one()
            relevance = self._relevance_values(page)
            if relevance:
                connection.execute(_INSERT_TOPIC_RELEVANCE, [{"version_id": version_id, **row} for row in relevance])
            self._save_validator(connection, page.url, page.etag, page.last_modified)
        self.new += 1
        for key in keys:
            self.plan.statement_by_key[key] = statement_id
        if page.node_id is not None:
            self.plan.statement_by_node[page.node_id] = statement_id

    def _create(self, session: Session, page: FetchedStatement) -> Statement:
        # Built through relationships: the unit of work inserts it all in one flush at commit.
        now = utcnow()
        statement = Statement(**_statement_values(page, now))
        for key in _url_keys(page):
            # A key already known belongs to an older node whose path Drupal gave to this one: it moves.
            previous_owner = self.plan.statement_by_key.get(key)
            if previous_owner is None:
                statement.urls.append(StatementUrl(url_key=key))
                continue
            statement.urls.append(session.get_one(StatementUrl, key))
            if url_key(session.get_one(Statement, previous_owner).url) == key:
                self._stage(_StagedChange(previous_owner, gone_status=200, replaced=True))
        session.add(statement)
        version = self._add_version(session, statement, page, 1)
        if not self.plan.baseline:
            self._record_event(session, statement, EventKind.NEW, now, after=version)
        self._save_validator(session, page.url, page.etag, page.last_modified)
        self.new += 1
        return statement

    def _add_version(self, session: Session, statement: Statement, page: FetchedStatement, number: int) -> Version:
        version = Version(statement=statement, **_version_values(page, number, utcnow()))
        version.relevance.extend(TopicRelevance(**row) for row in self._relevance_values(page))
        session.add(version)
        statement.title, statement.published_on = page.title, page.published_on
        return version

    def _confirm_unchanged(self, transaction: Session | Connection, statement_id: int, version_id: int) -> None:
        # Plain UPDATEs: the common case of a poll, kept out of the ORM's change tracking and flushes.
        now = utcnow()
        unsynchronised = {"synchronize_session": False}
        transaction.execute(
            update(Statement)
            .where(Statement.id == statement_id)
            .values(last_checked_at=now, last_seen_at=now, missing_checks=0)
            .execution_options(**unsynchronised)
        )
        transaction.execute(
            update(Version).where(Version.id == version_id).values(last_seen_at=now).execution_options(**unsynchronised)
        )
        self.unchanged += 1

    def _find(self, session: Session, url: str, canonical: str | None, node_id: int | None) -> Statement | None:
        """The archived statement these URLs or this node id name, looked up in the plan's identity maps."""
        if node_id is not None and node_id in self.plan.statement_by_node:
            return session.get_one(Statement, self.plan.statement_by_node[node_id])
        keys = [url_key(url), *([url_key(canonical)] if canonical else [])]
        statement_id = next((self.plan.statement_by_key[k] for k in keys if k in self.plan.statement_by_key), None)
        if statement_id is None:
            return None
        statement = session.get_one(Statement, statement_id)
        if node_id is not None and statement.node_id is not None:
            return None  # another Drupal node now lives at this URL: a different statement
        return statement

    def _remember_urls(self, session: Session, statement: Statement, page: FetchedStatement) -> None:
        if statement.node_id is None and page.node_id is not None:
            statement.node_id = page.node_id
        if (statement.url, statement.canonical_url) != (page.url, page.canonical_url):
            statement.url, statement.canonical_url = page.url, page.canonical_url
        for key in _url_keys(page):
            known_as = self.plan.statement_by_key.get(key)
            if known_as is None:
                session.add(StatementUrl(url_key=key, statement_id=statement.id))
            elif known_as != statement.id:
                session.get_one(StatementUrl, key).statement_id = statement.id

    def _learn_identity(self, statement: Statement, page: FetchedStatement) -> None:
        """After a commit: the plan's maps now name this statement too."""
        for key in _url_keys(page):
            self.plan.statement_by_key[key] = statement.id
        if statement.node_id is not None:
            self.plan.statement_by_node[statement.node_id] = statement.id

    @staticmethod
    def _latest_version_hash(session: Session, statement_id: int) -> tuple[int, str]:
        row = session.execute(
            select(Version.id, Version.content_hash)
            .where(Version.statement_id == statement_id)
            .order_by(Version.number.desc())
            .limit(1)
        ).one()
        return row.id, row.content_hash

    @staticmethod
    def _latest_version(session: Session, statement_id: int) -> Version:
        return session.scalars(
            select(Version).where(Version.statement_id == statement_id).order_by(Version.number.desc()).limit(1)
        ).one()

    def _save_validator(
        self,
        transaction: Session | Connection,
        url: str,
        etag: str | None,
        last_modified: str | None,
        listing_body: bytes | None = None,
    ) -> None:
        if etag is None and last_modified is None:
            return
        values = {"etag": etag, "last_modified": last_modified, "listing_body": listing_body, "updated_at": utcnow()}
        if url in self.plan.validators:
            transaction.execute(update(PageValidator).where(PageValidator.url == url).values(**values))
        else:
            transaction.execute(_INSERT_PAGE_VALIDATOR, {"url": url, **values})
        self.plan.validators[url] = Validator(etag, last_modified, listing_body is not None)

    def _problem(self, session: Session, problem: PageProblem) -> None:
        self.errors += 1
        if problem.extraction_failed:
            self.extraction_failures += 1
        log.warning("crawl problem kind=%s url=%s: %s", problem.kind, problem.url, problem.message)
        session.add(
            CrawlError(
                crawl_run_id=self.plan.run_id, url=problem.url, kind=problem.kind, message=problem.message[:2000]
            )
        )

    def _relevance_values(self, page: FetchedStatement) -> list[dict[str, Any]]:
        """A topic_relevance row per topic, all but the version it belongs to."""
        scores = (scorer.score(page.title, page.body_text) for scorer in self.scorers)
        return [
            {"topic": s.topic, "score": s.score, "relevant": s.relevant, "matched_terms": list(s.matched_terms)}
            for s in scores
        ]


# The columns of a new statement and of a version, for the ORM path and the plain INSERTs alike.
def _statement_values(page: FetchedStatement, now: datetime) -> dict[str, Any]:
    return {
        "node_id": page.node_id,
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
        "body_text": page.body_text,
        "body_html": page.body_html,
        "content_hash": page.content_hash(),
        "first_seen_at": now,
        "last_seen_at": now,
    }


def _url_keys(page: FetchedStatement) -> set[str]:
    return {url_key(page.url), *([url_key(page.canonical_url)] if page.canonical_url else [])}
