"""The redesign and mass-change guard: a run's counts in, the health problems they show out.

A site redesign makes every statement page unreadable, or makes every re-checked statement look edited; either
would flood the channels with false events. A run that trips the guard records one health problem instead."""

from __future__ import annotations

from dataclasses import dataclass, fields

from archive.models import HealthKind


@dataclass(frozen=True)
class GuardPolicy:
    # More than this share of pages failing (or changing) trips the guard...
    share: float
    # ...once at least this many did.
    min_pages: int

    def trips(self, count: int, out_of: int) -> bool:
        return count >= self.min_pages and count > self.share * out_of


@dataclass(frozen=True)
class RunCounts:
    """What one run (or one phase of it) saw."""

    requests: int
    not_modified: int
    fetch_failures: int
    # Answers refusing a request for now: 429, 503 (crawler.pace).
    refused: int
    landings: int
    landings_failed: int
    # Statement pages read, confirmed unchanged by a 304, and fetched but unreadable.
    pages_read: int
    statements_not_modified: int
    extraction_failures: int
    # Listing pages read (a 304's stored body aside).
    listings_read: int
    # Known statements re-checked and found unchanged, and the changes to known statements held for the verdict.
    unchanged: int
    held_changes: int

    @classmethod
    def zero(cls) -> RunCounts:
        return cls(**{f.name: 0 for f in fields(cls)})

    def since(self, earlier: RunCounts) -> RunCounts:
        """What was counted after `earlier`, of the same run: one phase's counts from two running totals."""
        return RunCounts(**{f.name: getattr(self, f.name) - getattr(earlier, f.name) for f in fields(self)})


@dataclass(frozen=True)
class Finding:
    kind: HealthKind
    message: str


def judge(counts: RunCounts, policy: GuardPolicy) -> list[Finding]:
    """The health problems a run's counts show; none means its held changes may become events."""
    findings = []
    # Statement pages read, failed, or confirmed by a 304 (listing pages' 304s say nothing of extraction).
    pages_answered = counts.extraction_failures + counts.pages_read + counts.statements_not_modified
    checked_known = counts.unchanged + counts.held_changes
    reached_site = bool(counts.pages_read or counts.listings_read or counts.not_modified or counts.extraction_failures)
    if reached_site and counts.landings and counts.landings_failed == counts.landings:
        findings.append(Finding(
            HealthKind.LISTINGS_UNREADABLE,
            f"none of the {counts.landings} section landing pages could be read: the site's listings may have "
            "changed, and new statements cannot be found",
        ))
    if policy.trips(counts.extraction_failures, pages_answered):
        findings.append(Finding(
            HealthKind.REDESIGN,
            f"statement extraction failed on {counts.extraction_failures} of {pages_answered} pages: the site's "
            f"markup may have changed; {counts.held_changes} changes to known statements were held back",
        ))
    elif policy.trips(counts.held_changes, checked_known):
        findings.append(Finding(
            HealthKind.MASS_CHANGE,
            f"{counts.held_changes} of {checked_known} re-checked statements changed at once; "
            "no change events were recorded for them",
        ))
    if counts.requests and counts.refused and not reached_site:
        findings.append(Finding(
            HealthKind.RATE_LIMITED,
            f"the site is rate limiting: {counts.refused} answers were 429 or 503 (come back later), no page was "
            "served",
        ))
    elif counts.requests and counts.fetch_failures and not reached_site:
        findings.append(Finding(
            HealthKind.UNREACHABLE,
            f"the site could not be reached: {counts.fetch_failures} requests failed, none was answered",
        ))
    return findings
