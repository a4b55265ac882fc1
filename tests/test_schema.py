"""The models and the migrations describe the same database: what Alembic's autogenerate would find to change in an
archive migrated to the head is nothing, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from archive.db import Database, migrate
from archive.models import Base
from notify.models import Delivery
from scheduler.job_runs import JobRun

# One metadata for the whole database: each package's tables are on it once its models are imported.
TABLES_OF_EVERY_PACKAGE = (Delivery, JobRun)


def test_a_migrated_archive_is_what_the_models_declare(db: Database) -> None:
    migrate(db.engine)
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    # Each backend's own search objects (migrations 0005, 0007 and 0013): SQLite's FTS5 tables (virtual tables, which
    # Alembic cannot read), statement_search's rowid column and no version_search; PostgreSQL's tsvector columns,
    # their GIN indexes and the newest-first index its candidate query walks (an index on expressions, which Alembic
    # does not compare), and no FTS5 tables.
    expected = (("statement_fts", "'document'", "version_fts", "version_search") if db.engine.dialect.name == "sqlite"
                else ("statement_fts", "'fts_rowid'", "ix_statements_newest_first", "version_fts"))
    assert [d for d in differences if not any(name in str(d) for name in expected)] == []
