"""Which instance runs the scheduled jobs: on PostgreSQL the holder of an advisory lock, with another instance
taking over when the holder's connection ends; on SQLite the one instance there is (see Service.run)."""

from __future__ import annotations

from sqlalchemy import Engine

from archive.lock import AdvisoryLock


class Leadership:
    def __init__(self, engine: Engine) -> None:
        self.shared = engine.dialect.name == "postgresql"
        self._lock = AdvisoryLock(engine, "korus-watch scheduler")

    def try_lead(self) -> bool:
        """True when this instance holds the scheduler (now or already)."""
        if not self.shared:
            return True
        return self.still_leading() if self._lock.held else self._lock.try_acquire()

    def still_leading(self) -> bool:
        return not self.shared or self._lock.still_held()

    def release(self) -> None:
        self._lock.release()
