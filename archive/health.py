"""The archive's health problems: opened (or seen again) when a run shows one, resolved by the next run that
succeeds; each change told to the listener (the notifier's outbox) in the same unit of work."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.guard import Finding
from archive.listener import ChangeListener
from archive.models import HealthProblem, utcnow

log = logging.getLogger(__name__)


def record_findings(session: Session, findings: list[Finding], run_id: int | None, listener: ChangeListener,
                    *, resolve_others: bool) -> None:
    """Opens a problem for each finding not already open; `resolve_others`: the run succeeded, and every problem
    open before it is mended."""
    now = utcnow()
    open_problems = {
        p.kind: p for p in session.scalars(select(HealthProblem).where(HealthProblem.resolved_at.is_(None)))
    }
    for finding in findings:
        problem = open_problems.get(finding.kind)
        if problem is None:
            problem = HealthProblem(kind=finding.kind, message=finding.message, crawl_run_id=run_id,
                                    opened_at=now, last_seen_at=now)
            session.add(problem)
        else:
            problem.message, problem.last_seen_at, problem.crawl_run_id = finding.message, now, run_id
        listener.health_problem_seen(session, problem)
        log.error("health problem kind=%s run=%s: %s", finding.kind.value, run_id, finding.message)
    if resolve_others:
        for problem in open_problems.values():
            problem.resolved_at = now
            listener.health_problem_resolved(session, problem)
            log.info("health problem resolved kind=%s id=%s", problem.kind.value, problem.id)
