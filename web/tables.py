"""The search tables of migration 0005, declared for queries (the triggers, not the application, write them)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, Text
from sqlalchemy.dialects.postgresql import TSVECTOR

# Their own metadata: archive.models owns the archive's tables, and these must never be created from here.
metadata = MetaData()

# One row per statement naming its current version; on PostgreSQL also its weighted tsvector.
statement_search = Table(
    "statement_search",
    metadata,
    Column("statement_id", Integer, ForeignKey("statements.id"), primary_key=True),
    Column("version_id", Integer, nullable=False),
    Column("document", TSVECTOR),
)

# SQLite's FTS5 table: rowid is the statement id.
statement_fts = Table(
    "statement_fts",
    metadata,
    Column("rowid", Integer, primary_key=True),
    Column("title", Text),
    Column("body", Text),
)
