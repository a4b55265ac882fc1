"""The PostgreSQL advisory lock behind the job locks, the scheduler's leadership and a sender's presence."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine, text

from archive.db import Database, create_archive_engine
from archive.lock import AdvisoryLock
from tests.conftest import POSTGRES_ADMIN_URL

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def other_engine(db: Database) -> Iterator[Engine]:
    """A second process's view of the same archive: an engine, and a connection pool, of its own."""
    engine = create_archive_engine(db.engine.url.render_as_string(hide_password=False))
    yield engine
    engine.dispose()


def test_a_released_lock_is_free_for_another_process_while_its_connection_stays_pooled(
    db: Database, other_engine: Engine
) -> None:
    mine, theirs = AdvisoryLock(db.engine, "korus-watch test"), AdvisoryLock(other_engine, "korus-watch test")
    assert mine.try_acquire() and mine.held
    assert not theirs.try_acquire() and not theirs.held
    mine.release()
    assert db.engine.pool.checkedin() >= 1  # type: ignore[attr-defined]  # QueuePool's, not Pool's  # the connection went back to the pool, its session still open
    assert theirs.try_acquire()
    assert not mine.try_acquire()
    theirs.release()


def test_a_named_lock_is_per_schema_and_a_numbered_one_shows_in_pg_locks_under_its_key(
    db: Database, other_engine: Engine
) -> None:
    named, numbered = AdvisoryLock(db.engine, "korus-watch test"), AdvisoryLock(db.engine, 2**40 + 7)
    assert named.try_acquire()
    numbered.acquire()
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:  # the public schema: another archive
        taken_elsewhere = admin.execute("SELECT pg_try_advisory_lock(hashtext(current_schema() || 'korus-watch test'))")
        assert taken_elsewhere.fetchone() == (True,)
        held = admin.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
            "AND ((classid::bigint << 32) | objid::bigint) = %s", (2**40 + 7,)
        ).fetchone()
    assert held == (1,)
    numbered.release()
    assert AdvisoryLock(other_engine, 2**40 + 7).try_acquire()


def test_a_lock_whose_connection_was_killed_is_known_lost_and_free(db: Database, other_engine: Engine) -> None:
    mine = AdvisoryLock(db.engine, "korus-watch test")
    assert mine.try_acquire() and mine.still_held()
    with other_engine.connect() as connection:
        backend = connection.scalar(
            text("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                 "AND objid::int = hashtext(current_schema() || 'korus-watch test')")
        )
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    assert not mine.still_held() and not mine.held
    assert AdvisoryLock(other_engine, "korus-watch test").try_acquire()
