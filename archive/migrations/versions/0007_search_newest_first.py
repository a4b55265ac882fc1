"""search: the full-text index in newest-first order, so that a search ranks a bounded set of its newest matches

Revision ID: 0007
Revises: 0006

Ranking every match of a broad search (a common word matches most of the archive) costs time in proportion to the
archive: a tenth of a second per 100,000 statements on either backend. The web app ranks the newest matches only
(archive.read.search.CANDIDATES), which each backend must find without reading the others.

SQLite: FTS5 reads its matches in rowid order only, so `statement_fts` is rebuilt with a rowid that sorts by the
current version's publication date, then by statement id (`statement_search.fts_rowid` names it, for the triggers
and the join). An undated statement sorts as the oldest. PostgreSQL: an index on statements in the archive's
newest-first order (undated last), which the candidate query walks while it checks each row's tsvector.

A later SQLite migration that rebuilds `versions` with batch_alter_table drops the triggers with the old table: it
must create them again (`upgrade` here shows how).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# The julian day of the publication date in the high 32 bits, the statement id in the low ones (archive.read.search reads
# the id back with the same mask).
_KEY = "((COALESCE(CAST(julianday(v.published_on) AS INTEGER), 0) << 32) | v.statement_id)"
_CURRENT = (
    "FROM versions v JOIN statements s ON s.id = v.statement_id "
    "WHERE v.statement_id = {sid} ORDER BY v.number DESC LIMIT 1"
)
_TRIGGERS = {
    "versions_search_insert": ("AFTER INSERT ON versions", "NEW"),
    "versions_search_update": ("AFTER UPDATE OF title, body_text, number ON versions", "NEW"),
    "versions_search_delete": ("AFTER DELETE ON versions", "OLD"),
}
_REFRESH = (
    "DELETE FROM statement_fts WHERE rowid = (SELECT fts_rowid FROM statement_search WHERE statement_id = {sid}); "
    "DELETE FROM statement_search WHERE statement_id = {sid}; "
    f"INSERT INTO statement_search (statement_id, version_id, fts_rowid) SELECT v.statement_id, v.id, {_KEY} {_CURRENT}; "
    f"INSERT INTO statement_fts (rowid, title, body) SELECT {_KEY}, v.title, v.body_text {_CURRENT};"
)
# 0005's, for the downgrade.
_OLD_REFRESH = (
    "DELETE FROM statement_search WHERE statement_id = {sid}; "
    "DELETE FROM statement_fts WHERE rowid = {sid}; "
    f"INSERT INTO statement_search (statement_id, version_id) SELECT v.statement_id, v.id {_CURRENT}; "
    f"INSERT INTO statement_fts (rowid, title, body) SELECT v.statement_id, v.title, v.body_text {_CURRENT};"
)
_FTS = "CREATE VIRTUAL TABLE statement_fts USING fts5(title, body, tokenize = 'porter unicode61 remove_diacritics 2')"
_POSTGRES_INDEX = "ix_statements_newest_first"


def _create_triggers(refresh: str) -> None:
    for name, (when, row) in _TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN {refresh.format(sid=f'{row}.statement_id')} END")


def _drop_triggers() -> None:
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index(
            _POSTGRES_INDEX, 'statements',
            [sa.text('published_on DESC NULLS LAST'), sa.text('id DESC')],
        )
        return
    _drop_triggers()
    op.execute("ALTER TABLE statement_search ADD COLUMN fts_rowid INTEGER")
    op.execute(
        f"UPDATE statement_search SET fts_rowid = (SELECT {_KEY} FROM versions v "
        "WHERE v.id = statement_search.version_id)"
    )
    op.execute("DROP TABLE statement_fts")
    op.execute(_FTS)
    op.execute(
        "INSERT INTO statement_fts (rowid, title, body) SELECT ss.fts_rowid, v.title, v.body_text "
        "FROM statement_search ss JOIN versions v ON v.id = ss.version_id"
    )
    _create_triggers(_REFRESH)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index(_POSTGRES_INDEX, 'statements')
        return
    _drop_triggers()
    op.execute("DROP TABLE statement_fts")
    op.execute(_FTS)
    op.execute(
        "INSERT INTO statement_fts (rowid, title, body) SELECT ss.statement_id, v.title, v.body_text "
        "FROM statement_search ss JOIN versions v ON v.id = ss.version_id"
    )
    op.execute("ALTER TABLE statement_search DROP COLUMN fts_rowid")
    _create_triggers(_OLD_REFRESH)
