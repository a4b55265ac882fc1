"""A source's first baseline, and what its listings showed: what a baseline resumed after it (the first one cut short
by a stop, a kill, a database outage or its time budget) announces as new.

A baseline archives without announcing: what it finds was there before korus-watch watched. But items published
while a cut-short baseline waited to go on were not there when watching began, and must not be swallowed by the
baseline that resumes it. So a source's first baseline (and only it) reads every listing page before any item page,
records which items they showed (table first_baseline_listings, committed page by page), and, once it has read them
all, that they are complete. A resumed baseline announces an item that they did not show; where they are not
complete (or the source's finder reads no listings), whether they would have shown it is not known, and it announces
one dated on or after the day the first baseline began."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from archive.db import Database
from archive.models import FirstBaseline, FirstBaselineListing, table_of

# ustr.gov and the Federal Register date their items by Washington's calendar: the day a baseline began is that day
# there.
SITE_CALENDAR = ZoneInfo("America/New_York")
_LISTINGS = table_of(FirstBaselineListing)


@dataclass
class FirstBaselineView:
    """What a baseline run knows of its source's first baseline."""

    source: str
    began_on: date
    # The keys of the items its listings showed; the first baseline adds to them as it reads.
    listed: set[str]
    listings_complete: bool
    # This run is the first baseline: it reads the listings first and records what they show.
    records_listings: bool
    # Listing pages whose statements this run began to record and has not committed (a failed write leaves one).
    unrecorded_pages: int = 0

    def announces(self, keys: set[str], published_on: date | None) -> bool:
        """Whether a statement archived by this baseline, known by these URL keys, is news."""
        if self.records_listings or keys & self.listed:
            return False
        if self.listings_complete:
            return True
        return published_on is not None and published_on >= self.began_on

    def record_listing(self, db: Database, listed_keys: list[str]) -> None:
        """The first baseline records the items a listing page shows, by their keys (a unit of work of their own)."""
        if not self.records_listings:
            return
        # Counted until committed: a listing page whose write failed leaves the listings incomplete.
        self.unrecorded_pages += 1
        keys = set(listed_keys) - self.listed
        if keys:
            with db.sessions.begin() as session:
                session.execute(insert(_LISTINGS), [{"source": self.source, "key": key} for key in sorted(keys)])
            self.listed |= keys
        self.unrecorded_pages -= 1

    def complete_listings(self, db: Database) -> bool:
        """The first baseline records that it read every listing page and recorded its statements, unless a write
        failed; True if it did."""
        if not self.records_listings or self.unrecorded_pages:
            return False
        with db.sessions.begin() as session:
            session.execute(update(FirstBaseline).where(FirstBaseline.source == self.source)
                            .values(listings_complete=True))
        self.listings_complete = True
        return True


def open_first_baseline(session: Session, source: str, now: datetime) -> FirstBaselineView:
    """For a baseline run of `source` starting now: the source's first baseline, which begins now if there was none."""
    first = session.get(FirstBaseline, source)
    if first is None:
        session.add(FirstBaseline(source=source, began_at=now, listings_complete=False))
        return FirstBaselineView(source, site_day(now), set(), listings_complete=False, records_listings=True)
    listed = set(session.scalars(select(FirstBaselineListing.key).where(FirstBaselineListing.source == source)))
    return FirstBaselineView(source, site_day(first.began_at), listed, first.listings_complete, records_listings=False)


def site_day(moment: datetime) -> date:
    return moment.astimezone(SITE_CALENDAR).date()
