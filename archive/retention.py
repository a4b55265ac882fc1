"""What the archive forgets: crawl-run records (and their errors) after the retention period. Statements,
versions and change events are the archive and are kept forever."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from archive.models import CrawlRun, RunStatus


def prune_crawl_runs(session: Session, cutoff: datetime) -> int:
    """Deletes finished crawl runs started before `cutoff`; returns how many."""
    return session.execute(  # type: ignore[attr-defined, no-any-return]
        delete(CrawlRun).where(CrawlRun.status != RunStatus.RUNNING, CrawlRun.started_at < cutoff)
    ).rowcount
