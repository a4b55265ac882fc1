"""Jobs that run once at a time per archive: two crawls at once would count one missing page twice and announce
one edit twice; two senders on one SQLite file would each take the other's unfinished sends for abandoned."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)


class JobInProgress(RuntimeError):
    pass


class CrawlInProgress(JobInProgress):
    pass


@contextmanager
def crawl_lock(engine: Engine, source: str) -> Iterator[None]:
    """Held for a source's whole crawl: a PostgreSQL advisory lock per schema and source, or a lock file beside the
    SQLite file. Two sources are crawled at once; one source never twice."""
    with job_lock(engine, f"crawl-{source}", CrawlInProgress(f"another crawl of {source} in this archive is running")):
        yield


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock on a connection of its own, held until released or until that
    connection ends: a killed process or a broken connection frees it for the others.

    A name is a lock per schema (so that archives in two schemas of one database do not share it); an integer is
    the lock's own 64-bit key, as pg_locks shows it."""

    def __init__(self, engine: Engine, key: str | int) -> None:
        self.engine = engine
        self.key = key
        argument = "hashtext(current_schema() || :key)" if isinstance(key, str) else ":key"
        self._try_lock = text(f"SELECT pg_try_advisory_lock({argument})")
        self._lock = text(f"SELECT pg_advisory_lock({argument})")
        self._unlock = text(f"SELECT pg_advisory_unlock({argument})")
        self._connection: Connection | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None

    def try_acquire(self) -> bool:
        """Takes the lock if nobody holds it; True when this one holds it now."""
        return self._take(wait=False)

    def acquire(self) -> None:
        """Waits for the lock."""
        self._take(wait=True)

    def still_held(self) -> bool:
        """The lock lives as long as its connection's session: a broken connection means it may be another's now."""
        if self._connection is None:
            return False
        try:
            self._connection.scalar(text("SELECT 1"))
            return True
        except DBAPIError as exc:
            log.error("lost the connection that held the advisory lock %r: %s", self.key, exc)
            self._drop_connection()
            return False

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            # Unlocked by hand: closing returns the connection to the pool, whose session would keep the lock.
            self._connection.scalar(self._unlock, {"key": self.key})
        except DBAPIError:
            self._connection.invalidate()  # the session is gone, and its lock with it
        self._drop_connection()

    def _take(self, *, wait: bool) -> bool:
        if self._connection is not None:
            return True
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            if wait:
                connection.execute(self._lock, {"key": self.key})
            elif not connection.scalar(self._try_lock, {"key": self.key}):
                connection.close()
                return False
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        return True

    def _drop_connection(self) -> None:
        assert self._connection is not None
        connection, self._connection = self._connection, None
        try:
            connection.close()
        except DBAPIError:
            pass  # already broken


@contextmanager
def job_lock(engine: Engine, job: str, busy: JobInProgress) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        lock = AdvisoryLock(engine, f"korus-watch {job}")
        if not lock.try_acquire():
            raise busy
        try:
            yield
        finally:
            lock.release()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    with Path(f"{database}.{job}-lock").open("w") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy from None
        yield
