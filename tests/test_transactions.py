"""Units of work on SQLite: two writers that each read and then write, one committing between the other's read and
its write (the crawler's recorder and a delivery thread of the service, say), both succeed and neither loses the
other's update."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from archive.db import Database

UnitOfWork = Callable[[Database], AbstractContextManager[Session | Connection]]
# How long the first writer holds its read open once the second one has set off: ample for the second to commit,
# had it been allowed to.
_OVERLAP_SECONDS = 0.5


@pytest.fixture
def writers(tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    """Two processes' views of one archive: an engine and a connection pool each."""
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    first, second = Database(url), Database(url)
    with first.engine.begin() as connection:
        connection.execute(text("CREATE TABLE tally (value INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO tally VALUES (0)"))
    yield first, second
    first.dispose()
    second.dispose()


def unit_of_work(db: Database) -> AbstractContextManager[Session]:
    return db.sessions.begin()


@contextmanager
def deferred_transaction(db: Database) -> Iterator[Connection]:
    """A plain engine.begin(): SQLite's deferred BEGIN, which takes the write lock only at the first write."""
    with db.engine.begin() as connection:
        yield connection


def increment(transaction: Session | Connection, between: Callable[[], None] = lambda: None) -> None:
    value = transaction.scalar(text("SELECT value FROM tally"))
    between()
    transaction.execute(text("UPDATE tally SET value = :value"), {"value": value + 1})


def interleave(begin: UnitOfWork, writers: tuple[Database, Database]) -> int:
    """The first writer reads; the second sets off on its whole read-then-write unit of work; the first then writes
    and commits; returns the tally once both are done (2 when neither update was lost)."""
    first, second = writers
    second_started = threading.Event()
    failures: list[BaseException] = []

    def second_writer() -> None:
        second_started.set()
        try:
            with begin(second) as transaction:
                increment(transaction)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    thread = threading.Thread(target=second_writer)

    def let_the_second_writer_go() -> None:
        thread.start()
        second_started.wait(5)
        thread.join(_OVERLAP_SECONDS)

    try:
        with begin(first) as transaction:
            increment(transaction, between=let_the_second_writer_go)
    finally:
        thread.join(10)
    if failures:
        raise failures[0]
    with first.engine.connect() as connection:
        return int(connection.scalar(text("SELECT value FROM tally")))


def test_a_unit_of_work_waits_for_the_write_lock_so_interleaved_writers_both_succeed(
    writers: tuple[Database, Database],
) -> None:
    started = time.monotonic()
    assert interleave(unit_of_work, writers) == 2
    # The second writer waited for the first to commit rather than slipping in between its read and its write.
    assert time.monotonic() - started >= _OVERLAP_SECONDS


def test_a_deferred_transaction_fails_in_the_same_interleaving(writers: tuple[Database, Database]) -> None:
    # What the test above guards against: the second writer commits between the first one's read and write, and
    # SQLite refuses the first one's late upgrade to a writer at once, whatever the busy timeout.
    with pytest.raises(OperationalError, match="database is locked"):
        interleave(deferred_transaction, writers)
