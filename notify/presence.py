"""Which senders are alive, and one channel's queue changed by one instance at a time."""

from __future__ import annotations

import secrets

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from archive.lock import AdvisoryLock


class SenderPresence:
    """On PostgreSQL a sender shows that it is alive by holding an advisory lock on a key of its own for as long as
    it runs; a delivery claimed under a key that nobody holds any more was abandoned and is taken over at once.
    A live sender's claim is never taken, however slow its send: that would send the message twice."""

    def __init__(self, engine: Engine) -> None:
        self.key: int | None = None
        self._lock: AdvisoryLock | None = None
        if engine.dialect.name == "postgresql":
            self.key = secrets.randbits(62) or 1
            self._lock = AdvisoryLock(engine, self.key)
            self._lock.acquire()

    def alive(self) -> bool:
        """False once the lock that shows it was lost with its connection (the database restarted, say)."""
        return self._lock is None or self._lock.still_held()

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()


# A bigint advisory lock shows in pg_locks as its high and low 32 bits (classid, objid) with objsubid 1.
SENDER_GONE = text(
    "deliveries.claimed_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
    "AND granted AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = deliveries.claimed_by)"
)


def lock_channel(session: Session, channel: str) -> None:
    """Serialises changes to one channel's queue across PostgreSQL instances (SQLite writers are serial anyway)."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(current_schema() || :key))"),
                        {"key": f"korus-watch channel {channel}"})
