"""The archive's health problems, each a source's (or, with no source, the archive's own): opened (or seen again)
when a run of the source shows one, resolved by the source's next run that succeeds; each change told to the
listener (the notifier's outbox) in the same unit of work. A problem of one source never hides another's."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.guard import Finding
from archive.listener import ChangeListener
from archive.models import HealthProblem, utcnow

log = logging.getLogger(__name__)


def record_findings(session: Session, findings: list[Finding], source: str | None, run_id: int | None,
                    listener: ChangeListener, *, resolve_others: bool) -> None:
    """Opens a problem of `source` for each finding not already open; `resolve_others`: the source's run succeeded,
    and every problem of the source open before it is mended, and so is the archive's own (it took the run's
    writes)."""
    now = utcnow()
    open_problems = session.scalars(
        select(HealthProblem).where(HealthProblem.resolved_at.is_(None),
                                    (HealthProblem.source == source) | HealthProblem.source.is_(None))
    ).all()
    own = {p.kind: p for p in open_problems if p.source == source}
    for finding in findings:
        problem = own.pop(finding.kind, None)
        if problem is None:
            problem = HealthProblem(kind=finding.kind, source=source, message=finding.message, crawl_run_id=run_id,
                                    opened_at=now, last_seen_at=now)
            session.add(problem)
        else:
            problem.message, problem.last_seen_at, problem.crawl_run_id = finding.message, now, run_id
        listener.health_problem_seen(session, problem)
        log.error("health problem kind=%s source=%s run=%s: %s", finding.kind.value, source, run_id, finding.message)
    if resolve_others:
        # A run that succeeded found nothing wrong: every problem open before it is mended.
        assert not findings, "a run with findings has failed"
        for problem in open_problems:
            problem.resolved_at = now
            listener.health_problem_resolved(session, problem)
            log.info("health problem resolved kind=%s source=%s id=%s", problem.kind.value, problem.source,
                     problem.id)
