"""Who learns of the archive's changes: told of each change event and health change inside the unit of work that
records it, so that what it writes (the notifier's outbox) commits or rolls back with the change."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from archive.models import HealthProblem
from archive.writer import RecordedEvent


class ChangeListener(Protocol):
    def event_recorded(self, session: Session, event: RecordedEvent) -> None: ...

    def mass_arrival(self, session: Session, event_ids: list[int]) -> None:
        """These new items' events (recorded already) arrived in a flood: one summary per channel, not an alert
        each. Called again with each later one of the same run."""

    def health_problem_seen(self, session: Session, problem: HealthProblem) -> None:
        """Called in every run that raises the problem, the first included."""

    def health_problem_resolved(self, session: Session, problem: HealthProblem) -> None: ...
