"""Turns one crawl's findings into archive rows and change events, each in its own unit of work.

New statements are stored as they arrive. Changes to known statements (edits, missing pages,
restorations) are held until the phase of the run that found them ends, so that the redesign guard
can judge the phase as a whole and record one health problem instead of a flood of events. A run
has one phase, or two (crawler.phases): the new statements first, then the re-checks; the first
phase's changes are committed when it ends, not when the re-checks do."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive.db import Database
from archive.guard import Finding, GuardPolicy, RunCounts, judge
from archive.health import record_findings
from archive.identities import KNOWN_STATEMENT, LATEST_VERSION, Identities
from archive.listener import ChangeListener
from archive.models import (
    CrawlError,
    CrawlRun,
    EventKind,
    HealthKind,
    PageValidator,
    RunStatus,
    Statement,
    StatementStatus,
    Version,
    table_of,
    utcnow,
)
from archive.planning import CrawlPlan, Validator
from archive.records import (
    FetchedStatement,
    ListingPage,
    PageProblem,
    Snapshot,
    SnapshotConfirmed,
    StatementGone,
    StatementNotModified,
)
from archive.snapshots.store import SnapshotStore
from archive.writer import ReadFrom, StatementWriter, WrittenVersion

log = logging.getLogger(__name__)

_STATEMENTS, _VALIDATORS = table_of(Statement), table_of(PageValidator)
_VERSIONS = table_of(Version)
_INSERT_VALIDATOR = insert(_VALIDATORS)
_UPDATE_VALIDATOR = update(_VALIDATORS).where(_VALIDATORS.c.url == bindparam("key_url"))
_STATUS_ANDLATEST_VERSION = (
    select(_STATEMENTS.c.status, _VERSIONS.c.id)
    .join_from(_STATEMENTS, _VERSIONS, _VERSIONS.c.statement_id == _STATEMENTS.c.id)
    .where(_STATEMENTS.c.id == bindparam("statement_id"))
    .order_by(_VERSIONS.c.number.desc())
    .limit(1)
)


@dataclass
class _HeldChange:
    statement_id: int
    fetched: FetchedStatement | None = None  # new content, or None for a 304 of a removed statement
    gone_status: int | None = None
    # Its URL now serves another Drupal node: the site itself says it is gone, no confirmation needed.
    replaced: bool = False


@dataclass
class RunRecorder:
    db: Database
    plan: CrawlPlan
    writer: StatementWriter
    guard: GuardPolicy
    # A statement missing from the site this many runs in a row is removed.
    removal_confirmations: int
    listener: ChangeListener
    # More new items than this in one run (a baseline aside) are more likely a renumbering or a changed listing
    # than news: a health problem, and one summary per channel instead of an alert each.
    mass_new_threshold: int
    new: int = 0
    unchanged: int = 0
    errors: int = 0
    pages_read: int = 0
    listings_read: int = 0
    statements_not_modified: int = 0
    extraction_failures: int = 0
    # One change per statement and phase, whichever of its URLs was read first: a statement listed under
    # two URLs must not count two missing checks in one run.
    _held: dict[int, _HeldChange] = field(default_factory=dict)
    _present: set[int] = field(default_factory=set)
    # The changes recorded as events so far, and the health problems found so far, one per kind.
    _recorded: dict[EventKind, int] = field(
        default_factory=lambda: {EventKind.EDITED: 0, EventKind.REMOVED: 0, EventKind.RESTORED: 0}
    )
    _findings: dict[HealthKind, Finding] = field(default_factory=dict)
    # What the pages that open a health problem said (PageProblem.opens), by the problem they open.
    _opened: dict[HealthKind, list[str]] = field(default_factory=dict)
    # The run's counts when the current phase began.
    _phase_start: RunCounts = field(default_factory=RunCounts.zero)
    # The new items' events of the run, while their number is within mass_new_threshold.
    _new_events: list[int] = field(default_factory=list)
    snapshots: SnapshotStore = field(default_factory=SnapshotStore)
    identities: Identities = field(init=False)

    def __post_init__(self) -> None:
        self.identities = Identities(self.plan, self.writer)

    # -- what the crawler reports --------------------------------------------------------------

    @contextmanager
    def _unit_of_work(self) -> Iterator[Session]:
        """A unit of work that may store snapshots: they are known as stored once it has committed."""
        try:
            with self.db.sessions.begin() as session:
                yield session
        except BaseException:
            self.snapshots.rolled_back()
            raise
        self.snapshots.committed()

    def statement_fetched(self, page: FetchedStatement) -> None:
        self.pages_read += 1
        try:
            self._statement_fetched(page)
        except IntegrityError:
            if self.plan.source.namespace == self.plan.source.name:
                raise
            # Another source of the shared namespace archived the same item in the same moment (two Federal Register
            # queries crawled at once): it is known now, and found the second time.
            self._statement_fetched(page)

    def _statement_fetched(self, page: FetchedStatement) -> None:
        with self._unit_of_work() as session:
            # Kept whatever comes of the reading, a change the guard holds back included.
            snapshot_id = self.snapshots.stored_id(session, page.snapshot, page.also_read)
            known = self.identities.find(session, page)
            if known is None:
                statement_id, keys = self._create(session, page, snapshot_id)
            else:
                statement_id = known.id
                self._mark_present(statement_id)
                keys = self.identities.remember(session, known, page)
                self._compare(session, known, page, snapshot_id)
        self.identities.learn(statement_id, page, keys)

    def _compare(self, session: Session, known: Row, page: FetchedStatement, snapshot_id: int | None) -> None:
        latest = session.execute(LATEST_VERSION, {"statement_id": known.id}).one()
        if latest.content_hash != page.content_hash() or known.status == StatementStatus.REMOVED:
            self._hold(_HeldChange(known.id, fetched=page))
            return
        self._confirm_unchanged(session, known.id, latest.id, snapshot_id)
        self._save_validator(session, page.url, page.etag, page.last_modified, snapshot_id=snapshot_id)

    def statement_not_modified(self, item: StatementNotModified) -> None:
        self.statements_not_modified += 1
        statement_id = self.plan.statement_by_key.get(self.plan.key_of(item.url))
        if statement_id is None:
            self.problem(PageProblem(item.url, "unknown_statement", "304 for a statement not archived"))
            return
        # The bulk of a routine poll: one query and two UPDATEs (three with the snapshot the 304 confirms).
        with self.db.sessions.begin() as session:
            status, latest_version_id = session.execute(
                _STATUS_ANDLATEST_VERSION, {"statement_id": statement_id}
            ).one()
            if item.snapshot_id is not None:
                self.snapshots.confirm(session, item.snapshot_id, utcnow())
            self._mark_present(statement_id)
            if status == StatementStatus.REMOVED:
                self._hold(_HeldChange(statement_id))
                return
            self._confirm_unchanged(session, statement_id, latest_version_id)

    def statement_gone(self, item: StatementGone) -> None:
        with self.db.sessions.begin() as session:
            statement_id = self.plan.statement_by_key.get(self.plan.key_of(item.url))
            known = None if statement_id is None else self.identities.known(session, statement_id)
            if known is None:
                self._problem(session, PageProblem(item.url, f"http_{item.status}", "listed statement is missing"))
                return
            self._set_statement(session, known.id, last_checked_at=utcnow())
            if self.plan.key_of(item.url) != self.plan.key_of(known.url):
                # Only the statement's current URL speaks for it; an old alias may well be gone.
                self._problem(
                    session,
                    PageProblem(
                        item.url,
                        f"http_{item.status}",
                        f"an old URL of statement {known.id} is missing; its current URL is {known.url}",
                    ),
                )
            elif known.status == StatementStatus.ACTIVE and known.id not in self._present:
                self._hold(_HeldChange(known.id, gone_status=item.status))

    def listing_fetched(self, page: ListingPage) -> None:
        self.listings_read += 1
        if self.plan.first_baseline is not None:
            self.plan.first_baseline.record_listing(self.db, [self.plan.key_of(url) for url in page.listed])
        with self._unit_of_work() as session:
            snapshot_id = self.snapshots.stored_id(session, page.snapshot)
            self._save_validator(session, page.url, page.etag, page.last_modified, page.body, snapshot_id)

    def snapshot_read(self, snapshot: Snapshot) -> None:
        """A response none of whose records stored it (a listing page read only for the pages it names, a page that
        could not be read): kept all the same."""
        with self._unit_of_work() as session:
            self.snapshots.stored_id(session, snapshot)

    def snapshot_confirmed(self, item: SnapshotConfirmed) -> None:
        with self.db.sessions.begin() as session:
            self.snapshots.confirm(session, item.snapshot_id, utcnow())

    def stored_listing(self, url: str) -> bytes | None:
        """The body a listing page had when its validators were stored, to stand in for its 304."""
        with self.db.sessions() as session:
            return session.scalar(select(PageValidator.listing_body).where(PageValidator.url == url))

    def problem(self, problem: PageProblem) -> None:
        with self.db.sessions.begin() as session:
            self._problem(session, problem)
            statement_id = self.plan.statement_by_key.get(self.plan.key_of(problem.url))
            if statement_id is not None and problem.checked:
                # A failed check still moves the statement to the back of the re-verification rotation, so that
                # pages that always fail cannot hold up the rest of the archive.
                self._set_statement(session, statement_id, last_checked_at=utcnow())
        if problem.opens is not None:
            self._opened.setdefault(problem.opens, []).append(problem.message)  # readers name the URL

    def _hold(self, change: _HeldChange) -> None:
        self._held.setdefault(change.statement_id, change)

    def _mark_present(self, statement_id: int) -> None:
        """The statement answered under one of its URLs in this run: a 404 under another does not remove it."""
        self._present.add(statement_id)
        held = self._held.get(statement_id)
        if held is not None and held.gone_status is not None:
            del self._held[statement_id]

    # -- the end of a phase, and of the run -----------------------------------------------------

    def close_phase(
        self, *, requests: int, not_modified: int, fetch_failures: int, landings: int, landings_failed: int,
        listings_complete: bool, refused: int = 0,
    ) -> None:
        """Ends the run's current phase (the crawler's counts are the run's so far): judged by its own pages, its
        held changes become events, committed now, unless it tripped the guard. `listings_complete`: every listing
        page the phase asked for was read (the first baseline records it: archive.first_baseline)."""
        totals = self._totals(requests, not_modified, fetch_failures, refused, landings, landings_failed)
        self._end_phase(totals, record=True)
        if listings_complete and self.plan.first_baseline and self.plan.first_baseline.complete_listings(self.db):
            log.info("first baseline of %s: every listing page read, %d items listed", self.plan.source.name,
                     len(self.plan.first_baseline.listed))

    def finish(
        self,
        *,
        requests: int,
        not_modified: int,
        fetch_failures: int,
        landings: int,
        landings_failed: int,
        cpu_seconds: float,
        refused: int = 0,
        interrupted: bool = False,
        failure: str | None = None,
        note: str | None = None,
        unwritable: str | None = None,
        rate_limited: str | None = None,
    ) -> CrawlRun:
        """Ends the run, its last phase with it. `interrupted`: stopped before its end; `failure`: stopped for this
        reason (a timeout); either drops the changes held in the last phase. `note`: what to say of a run that did
        not fail. `unwritable`: stopped because the archive refused writes, for this reason (a health problem).
        `rate_limited`: left re-checks for the next poll because the site refused, as this says (a health problem;
        what was checked is recorded)."""
        totals = self._totals(requests, not_modified, fetch_failures, refused, landings, landings_failed)
        self._end_phase(totals, record=not interrupted and failure is None and unwritable is None)
        if rate_limited is not None:
            self._findings[HealthKind.RATE_LIMITED] = Finding(HealthKind.RATE_LIMITED, rate_limited)
        # What the pages said names the problem better than the guard's counts can.
        for kind, messages in self._opened.items():
            more = f" (and {len(messages) - 1} more pages)" if len(messages) > 1 else ""
            self._findings[kind] = Finding(kind, messages[0] + more)
        findings = list(self._findings.values())
        if (identities := self.identities.summary()) is not None:
            log.info("crawl run %d (%s): %s", self.plan.run_id, self.plan.source.name, identities)
        if unwritable is not None:
            findings.insert(0, Finding(
                HealthKind.ARCHIVE_UNWRITABLE,
                f"the archive could not be written ({unwritable}): the crawl stopped, and what it could not store "
                "is read again by the next crawl",
            ))
        with self.db.sessions.begin() as session:
            run = session.get_one(CrawlRun, self.plan.run_id)
            run.finished_at = utcnow()
            run.requests, run.not_modified, run.cpu_seconds = requests, not_modified, cpu_seconds
            run.new, run.unchanged, run.errors = self.new, self.unchanged, self.errors
            run.edited, run.removed, run.restored = (
                self._recorded[EventKind.EDITED],
                self._recorded[EventKind.REMOVED],
                self._recorded[EventKind.RESTORED],
            )
            if failure is not None:
                run.status, run.message = RunStatus.FAILED, f"{failure}; held changes dropped"
            elif interrupted and unwritable is None:
                run.status, run.message = RunStatus.INTERRUPTED, note or "stopped before the end; held changes dropped"
            elif findings:
                run.status, run.message = RunStatus.FAILED, "; ".join(finding.message for finding in findings)
            else:
                run.status, run.message = RunStatus.SUCCEEDED, note
            record_findings(session, findings, self.plan.source.name, run.id, self.listener,
                            resolve_others=run.status == RunStatus.SUCCEEDED)
            return run

    def _totals(
        self, requests: int, not_modified: int, fetch_failures: int, refused: int, landings: int, landings_failed: int
    ) -> RunCounts:
        return RunCounts(
            requests=requests, not_modified=not_modified, fetch_failures=fetch_failures, refused=refused,
            landings=landings, landings_failed=landings_failed, pages_read=self.pages_read,
            listings_read=self.listings_read,
            statements_not_modified=self.statements_not_modified, extraction_failures=self.extraction_failures,
            unchanged=self.unchanged, held_changes=0,
        )

    def _end_phase(self, totals: RunCounts, *, record: bool) -> None:
        """Judges the phase that ends at `totals`; with `record`, its held changes become events unless it tripped
        the guard. Either way they are gone: the next phase holds its own."""
        findings = judge(replace(totals.since(self._phase_start), held_changes=len(self._held)), self.guard)
        self._findings.update((finding.kind, finding) for finding in findings)
        if record and not findings and self._held:
            with self._unit_of_work() as session:
                for change in self._held.values():
                    kind = self._apply(session, change)
                    if kind is not None:
                        self._recorded[kind] += 1
        self._held.clear()
        self._phase_start = totals

    # -- units of work -------------------------------------------------------------------------

    def _apply(self, session: Session, change: _HeldChange) -> EventKind | None:
        known = session.execute(KNOWN_STATEMENT, {"statement_id": change.statement_id}).one()
        latest = session.execute(LATEST_VERSION, {"statement_id": known.id}).one()
        before = self.writer.stored_version(session, latest.id)
        now = utcnow()
        if change.gone_status is not None:
            missing_checks = known.missing_checks + 1
            if missing_checks < self.removal_confirmations and not change.replaced:
                self._set_statement(session, known.id, last_checked_at=now, missing_checks=missing_checks)
                return None
            self._set_statement(session, known.id, last_checked_at=now, missing_checks=missing_checks,
                                status=StatementStatus.REMOVED)
            self._record_event(session, EventKind.REMOVED, known.id, now, before=before)
            return EventKind.REMOVED

        fetched = change.fetched
        after = before  # a removed statement back as it was
        read_from: dict[str, int] = {}
        if fetched is not None:
            snapshot_id = self.snapshots.stored_id(session, fetched.snapshot, fetched.also_read)
            self._save_validator(session, fetched.url, fetched.etag, fetched.last_modified, snapshot_id=snapshot_id)
            if fetched.content_hash() != latest.content_hash:
                after = self.writer.add_version(session, known.id, fetched, self._read_from(snapshot_id),
                                                latest.number + 1, now)
            if snapshot_id is not None:
                read_from["snapshot_id"] = snapshot_id
        kind = EventKind.RESTORED if known.status == StatementStatus.REMOVED else EventKind.EDITED
        self._set_statement(session, known.id, last_checked_at=now, last_seen_at=now, missing_checks=0,
                            status=StatementStatus.ACTIVE, **read_from)
        self._record_event(session, kind, known.id, now, before=before, after=after)
        return kind

    def _record_event(
        self, session: Session, kind: EventKind, statement_id: int, now: datetime,
        *, before: WrittenVersion | None = None, after: WrittenVersion | None = None,
    ) -> int:
        """The one place change events are made, inside the unit of work that made the change."""
        event = self.writer.record_event(session, kind, statement_id, self.plan.run_id, now, before=before, after=after)
        self.listener.event_recorded(session, event)
        return event.id

    def _new_arrived(self, session: Session, event_id: int) -> None:
        """Past mass_new_threshold new items, the run's new items become one summary per channel (those not sent
        yet, and every later one) and a health problem."""
        self._new_events.append(event_id)
        if HealthKind.MASS_NEW not in self._findings:
            if len(self._new_events) <= self.mass_new_threshold:
                return
            self._findings[HealthKind.MASS_NEW] = Finding(
                HealthKind.MASS_NEW,
                f"more than {self.mass_new_threshold} new items (crawl.mass_new_threshold) in one poll of "
                f"{self.plan.source.name}: announced as one summary per channel, as a renumbering or a changed "
                "listing would look like this",
            )
        self.listener.mass_arrival(session, self._new_events)
        self._new_events = []

    def _read_from(self, snapshot_id: int | None) -> ReadFrom:
        return ReadFrom(snapshot_id, self.plan.source.extractor_version)

    def _create(self, session: Session, page: FetchedStatement, snapshot_id: int | None) -> tuple[int, list[str]]:
        now = utcnow()
        new_keys, moved = self.identities.claim(session, page)
        for key in moved:
            previous_owner = self.plan.statement_by_key[key]
            previous_url = session.scalar(select(_STATEMENTS.c.url).where(_STATEMENTS.c.id == previous_owner))
            if previous_url is not None and self.plan.key_of(previous_url) == key:
                self._hold(_HeldChange(previous_owner, gone_status=200, replaced=True))
        statement_id, version = self.writer.create_statement(session, self.plan.source, page,
                                                             self._read_from(snapshot_id), now,
                                                             new_keys=new_keys, moved_keys=moved)
        self.new += 1
        if self.plan.announces_new(set(self.identities.keys_of(page)), page.published_on):
            event_id = self._record_event(session, EventKind.NEW, statement_id, now, after=version)
            self._new_arrived(session, event_id)
        self._save_validator(session, page.url, page.etag, page.last_modified, snapshot_id=snapshot_id)
        return statement_id, sorted(new_keys | moved)

    def _confirm_unchanged(
        self, session: Session, statement_id: int, version_id: int, snapshot_id: int | None = None
    ) -> None:
        """The statement reads as its latest version; `snapshot_id`: from this response, now the one it was last read
        from (a 304 names none: the response it confirms is that already)."""
        now = utcnow()
        read_from = {} if snapshot_id is None else {"snapshot_id": snapshot_id}
        self._set_statement(session, statement_id, last_checked_at=now, last_seen_at=now, missing_checks=0,
                            **read_from)
        session.execute(update(_VERSIONS).where(_VERSIONS.c.id == version_id).values(last_seen_at=now))
        self.unchanged += 1

    @staticmethod
    def _set_statement(session: Session, statement_id: int, **values: object) -> None:
        session.execute(update(_STATEMENTS).where(_STATEMENTS.c.id == statement_id).values(**values))

    def _save_validator(
        self,
        session: Session,
        url: str,
        etag: str | None,
        last_modified: str | None,
        listing_body: bytes | None = None,
        snapshot_id: int | None = None,
    ) -> None:
        if etag is None and last_modified is None:
            return
        values = {"etag": etag, "last_modified": last_modified, "listing_body": listing_body, "updated_at": utcnow(),
                  "snapshot_id": snapshot_id}
        # Statements built once, given parameters: one built per response costs a poll's recorder measurably.
        if url in self.plan.validators:
            session.execute(_UPDATE_VALIDATOR, {"key_url": url, **values})
        else:
            session.execute(_INSERT_VALIDATOR, {"url": url, **values})
        self.plan.validators[url] = Validator(etag, last_modified, listing_body is not None, snapshot_id)

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

