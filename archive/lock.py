"""Jobs that run once at a time per archive: two crawls at once would count one missing page twice and announce
one edit twice; two senders on one SQLite file would each take the other's unfinished sends for abandoned."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text


class JobInProgress(RuntimeError):
    pass


class CrawlInProgress(JobInProgress):
    pass


@contextmanager
def crawl_lock(engine: Engine) -> Iterator[None]:
    """Held for the whole crawl: a PostgreSQL advisory lock per schema, or a lock file beside the SQLite file."""
    with job_lock(engine, "crawl", CrawlInProgress("another crawl of this archive is running")):
        yield


@contextmanager
def sqlite_sender_lock(engine: Engine) -> Iterator[bool]:
    """On SQLite, one sender at a time (yields True: any send still marked in progress was abandoned);
    on PostgreSQL, senders share the work row by row and this lock is not taken (yields False)."""
    if engine.dialect.name == "postgresql":
        yield False
        return
    with job_lock(engine, "deliver", JobInProgress("another korus-watch process is sending from this archive")):
        yield True


@contextmanager
def job_lock(engine: Engine, job: str, busy: JobInProgress) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            key = {"name": f"korus-watch {job}"}
            if not connection.scalar(text("SELECT pg_try_advisory_lock(hashtext(current_schema() || :name))"), key):
                raise busy
            try:
                yield
            finally:
                connection.scalar(text("SELECT pg_advisory_unlock(hashtext(current_schema() || :name))"), key)
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
