"""Engines, sessions and migrations: SQLite in WAL mode by default, PostgreSQL by URL."""

from __future__ import annotations

import ast
import logging
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from archive.unavailable import explain, missing_folder, read_only, unparseable_url, unsupported_url

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
_UNIT_OF_WORK = "korus_watch_unit_of_work"
# The drivers korus-watch installs: SQLite's, in Python, and psycopg 3.
_SHIPPED_DRIVERS = frozenset({"sqlite", "sqlite+pysqlite", "postgresql+psycopg"})
# The module-level identifiers of an Alembic script, e.g. `down_revision: str | None = '0001'`.
_REVISION_LINE = re.compile(
    r"^(revision|down_revision|branch_labels|depends_on)\b[^=\n]*=(.*)$", re.MULTILINE
)


# SQLite's answers that no write will succeed for a while, by their primary result code.
_SQLITE_LASTING = {
    "SQLITE_FULL": "the disk is full",
    "SQLITE_READONLY": "the database is read-only",
    "SQLITE_IOERR": "a disk I/O error",
    "SQLITE_CANTOPEN": "the database file cannot be opened",
}
# PostgreSQL's, by SQLSTATE: insufficient resources (the disk full, out of memory) and a read-only transaction.
_POSTGRES_LASTING = (("53", "the server is out of resources"), ("25006", "the database is read-only"))


@dataclass(frozen=True)
class DatabaseFault:
    """A failure that every further write would meet too, for a while: the database gone, or refusing writes."""

    unreachable: bool
    reason: str

    def __str__(self) -> str:
        return self.reason


class ArchiveUnwritable(Exception):
    """The archive refuses writes for a lasting reason: every further write would fail the same way."""


def lasting_failure(error: SQLAlchemyError) -> DatabaseFault | None:
    """Why no write will succeed for a while (the database gone, the disk full, the database read-only); None for a
    failure of one write (a constraint, a bad value) that the next write need not share."""
    cause = getattr(error, "orig", None)
    detail = " ".join(str(cause or error).split())[:300]
    sqlstate = getattr(cause, "sqlstate", None)
    if (isinstance(error, DBAPIError) and error.connection_invalidated) or (
        isinstance(sqlstate, str) and sqlstate.startswith("08")
    ):
        return DatabaseFault(True, f"the connection to the database was lost: {detail}")
    if isinstance(cause, sqlite3.Error):
        # Extended codes (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED, ...) name their primary code first.
        name = getattr(cause, "sqlite_errorname", "")
        return next((DatabaseFault(False, f"{reason}: {detail}") for code, reason in _SQLITE_LASTING.items()
                     if name == code or name.startswith(f"{code}_")), None)
    if isinstance(sqlstate, str):
        return next((DatabaseFault(False, f"{reason}: {detail}") for prefix, reason in _POSTGRES_LASTING
                     if sqlstate.startswith(prefix)), None)
    if isinstance(error, DBAPIError) and type(cause).__name__ == "OperationalError":
        return DatabaseFault(True, f"the database cannot be reached: {detail}")  # no server answered: no SQLSTATE
    return None


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("korus-watch", appauthor=False))


def default_database_url() -> str:
    return f"sqlite:///{default_data_dir() / 'archive.sqlite3'}"


def archive_url(url: str | None) -> URL:
    """The archive's URL (the default SQLite file when none is given), with plain postgresql:// URLs driven by
    psycopg 3; raises DatabaseUnavailable for a URL that is not one of the two databases korus-watch ships for."""
    try:
        parsed = make_url(url or default_database_url())
    except ArgumentError:
        raise unparseable_url() from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername not in _SHIPPED_DRIVERS:
        raise unsupported_url(parsed)
    return parsed


def _check_sqlite_file(database: str) -> None:
    """Refuses a file in a folder that does not exist (a mistyped path would start a new, empty archive) except in
    the default data directory, which is made; and a file this user cannot write."""
    path = Path(database)
    if path.parent == default_data_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        raise missing_folder(path)
    if path.exists() and not os.access(path, os.W_OK):
        raise read_only(path)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # SQLAlchemy, not the driver, starts transactions (see _begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # type: ignore[no-untyped-def]
        # A unit of work takes the write lock when it starts. A deferred transaction that reads and then writes
        # fails at once with "database is locked" if another process (the crawler and the notifier, say)
        # committed in between; an immediate one waits its turn for up to busy_timeout. Reads stay deferred.
        immediate = connection.get_execution_options().get(_UNIT_OF_WORK, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_archive_engine(url: str | None) -> Engine:
    parsed = archive_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _check_sqlite_file(parsed.database)
        engine = create_engine(parsed)
        _configure_sqlite(engine)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


def script_heads() -> set[str] | None:
    """The head revisions of the migration scripts, read from their source without importing Alembic (a tenth of a
    second); None for a script this plain reading does not cover, which leaves the question to Alembic."""
    parents: dict[str, tuple[str, ...]] = {}
    for script in (MIGRATIONS / "versions").glob("*.py"):
        values: dict[str, object] = {}
        for name, value in _REVISION_LINE.findall(script.read_text(encoding="utf-8")):
            try:
                values[name] = ast.literal_eval(value.strip())
            except (ValueError, SyntaxError):
                return None
        revision, down_revision = values.get("revision"), values.get("down_revision")
        if not isinstance(revision, str) or values.get("branch_labels") or values.get("depends_on"):
            return None
        if isinstance(down_revision, str):
            parents[revision] = (down_revision,)
        elif isinstance(down_revision, tuple | list):
            parents[revision] = tuple(str(parent) for parent in down_revision)
        else:
            parents[revision] = ()
    heads = set(parents) - {parent for revision_parents in parents.values() for parent in revision_parents}
    return heads or None


def schema_is_current(engine: Engine) -> bool:
    """Whether the archive's stored Alembic revision is the scripts' head: one query, no Alembic."""
    heads = script_heads()
    if heads is None:
        return False
    try:
        with engine.connect() as connection:
            stored = set(connection.scalars(text("SELECT version_num FROM alembic_version")))
    except DBAPIError:  # a new archive, without the table
        return False
    return stored == heads


def migrate(engine: Engine) -> None:
    """Brings the schema to the newest Alembic revision; a no-op when it is there already."""
    if schema_is_current(engine):
        return
    with _migrating(engine) as (_, config):
        from alembic import command

        command.upgrade(config, "head")


def downgrade(engine: Engine, revision: str) -> None:
    """Takes the schema back to an older Alembic revision (rolling back a release), keeping the rows."""
    with _migrating(engine) as (_, config):
        from alembic import command

        command.downgrade(config, revision)


@contextmanager
def _migrating(engine: Engine) -> Iterator[tuple[Connection, Config]]:
    """A connection in one transaction and an Alembic configuration on it; on SQLite, with foreign keys off."""
    # Imported here: Alembic takes a third of the command line's start-up time.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.execution_options(**{_UNIT_OF_WORK: True}).connect() as connection:
        # The driver's own connection: a statement through SQLAlchemy's would begin a transaction first.
        driver = connection.connection.driver_connection
        assert driver is not None
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            # SQLite rebuilds a table to change it (batch mode): with foreign keys on, dropping the old copy would
            # delete every row that references it (ON DELETE CASCADE). Off outside the transaction, as SQLite asks,
            # and checked before it commits.
            driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                yield connection, config
                if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()):
                    raise RuntimeError(f"the migrated archive has rows that reference nothing: {broken[:5]}")
        finally:
            if sqlite:
                driver.execute("PRAGMA foreign_keys=ON")


class Sessions(sessionmaker[Session]):
    """`sessions()` for reading; `sessions.begin()` for a unit of work, which commits at the end of its block."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, expire_on_commit=False)
        self._unit_of_work_bind = engine.execution_options(**{_UNIT_OF_WORK: True})

    @contextmanager
    def begin(self) -> Iterator[Session]:  # type: ignore[override]
        with self(bind=self._unit_of_work_bind) as session, session.begin():
            yield session


class Database:
    """An engine whose schema is current, and the session factory for units of work on it."""

    def __init__(self, url: str | None) -> None:
        """Raises DatabaseUnavailable, with advice, when the archive cannot be opened."""
        self.engine = create_archive_engine(url)
        try:
            migrate(self.engine)
        except DBAPIError as exc:
            self.engine.dispose()
            raise explain(exc, self.engine.url) from None
        self.sessions = Sessions(self.engine)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()
