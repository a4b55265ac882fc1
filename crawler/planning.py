"""Opening a crawl run of a source in the archive with the crawler's settings. Free of Scrapy, so that what makes
change events the way a crawl does (the notifier's tests, its benchmark) needs no crawler."""

from __future__ import annotations

import logging

from archive.db import Database
from archive.guard import GuardPolicy
from archive.listener import ChangeListener
from archive.planning import SourceRef, start_run
from archive.recorder import RunRecorder
from archive.relevance import Topic, TopicScorer
from archive.writer import StatementWriter
from crawler.settings import CrawlSettings

log = logging.getLogger(__name__)


def prepare_recorder(
    db: Database, crawl: CrawlSettings, source: SourceRef, interval_minutes: float, topics: list[Topic],
    listener: ChangeListener, *, full: bool,
) -> RunRecorder:
    """Opens and plans a crawl run of `source`, polled every `interval_minutes` (database work: off the event loop in
    the service)."""
    plan = start_run(
        db, source, full=full, interval_minutes=interval_minutes, full_revisit_hours=crawl.full_revisit_hours
    )
    log.info(
        "crawl run %d started (%s) full=%s baseline=%s revisit=%d", plan.run_id, source.name, plan.full,
        plan.baseline, len(plan.revisit)
    )
    return RunRecorder(
        db=db,
        plan=plan,
        writer=StatementWriter([TopicScorer(topic) for topic in topics]),
        guard=GuardPolicy(crawl.guard_share, crawl.guard_min_pages),
        removal_confirmations=crawl.removal_confirmations,
        listener=listener,
        mass_new_threshold=crawl.mass_new_threshold,
    )
