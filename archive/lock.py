"""One crawl at a time per archive: two at once would count one missing page twice and announce one edit twice."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text


class CrawlInProgress(RuntimeError):
    pass


@contextmanager
def crawl_lock(engine: Engine) -> Iterator[None]:
    """Held for the whole crawl: a PostgreSQL advisory lock per schema, or a lock file beside the SQLite file."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            key = {"name": "korus-watch crawl"}
            if not connection.scalar(text("SELECT pg_try_advisory_lock(hashtext(current_schema() || :name))"), key):
                raise CrawlInProgress("another crawl of this archive is running")
            try:
                yield
            finally:
                connection.scalar(text("SELECT pg_advisory_unlock(hashtext(current_schema() || :name))"), key)
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    with Path(f"{database}.crawl-lock").open("w") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CrawlInProgress(f"another crawl of {database} is running") from None
        yield
