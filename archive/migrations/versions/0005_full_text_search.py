"""full-text search over each statement's current version

Revision ID: 0005
Revises: 0003

`statement_search` names each statement's current version (its highest number) on both backends, so that the
read side joins one row per statement instead of grouping 300,000 versions. SQLite adds an FTS5 table
(`statement_fts`, rowid = statement id, porter-stemmed title and body); PostgreSQL keeps a weighted `tsvector`
(title A, body B) beside the row, under a GIN index. Triggers on `versions` keep both in step with whatever
writes the archive, so the recorder needs no change; the upgrade fills them for an existing archive.

A later SQLite migration that rebuilds `versions` with batch_alter_table drops these triggers with the old table:
it must create them again (`upgrade` here shows how).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# The newest version of the statement `{sid}` names, if the statement still exists (a cascade from a deleted
# statement deletes its versions after the statement itself).
_CURRENT = (
    "FROM versions v JOIN statements s ON s.id = v.statement_id "
    "WHERE v.statement_id = {sid} ORDER BY v.number DESC LIMIT 1"
)

_SQLITE_REFRESH = (
    "DELETE FROM statement_search WHERE statement_id = {sid}; "
    "DELETE FROM statement_fts WHERE rowid = {sid}; "
    f"INSERT INTO statement_search (statement_id, version_id) SELECT v.statement_id, v.id {_CURRENT}; "
    f"INSERT INTO statement_fts (rowid, title, body) SELECT v.statement_id, v.title, v.body_text {_CURRENT};"
)
_SQLITE_TRIGGERS = {
    "versions_search_insert": ("AFTER INSERT ON versions", "NEW"),
    "versions_search_update": ("AFTER UPDATE OF title, body_text, number ON versions", "NEW"),
    "versions_search_delete": ("AFTER DELETE ON versions", "OLD"),
}

# PostgreSQL's parser skips anything that looks like an HTML tag; scraped text that reads `<script>` must still be
# found by its words, so angle brackets are indexed as spaces.
_POSTGRES_DOCUMENT = (
    "setweight(to_tsvector('english', translate(v.title, '<>', '  ')), 'A') || "
    "setweight(to_tsvector('english', translate(v.body_text, '<>', '  ')), 'B')"
)
_POSTGRES_FUNCTION = f"""
CREATE FUNCTION statement_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sid integer := CASE WHEN TG_OP = 'DELETE' THEN OLD.statement_id ELSE NEW.statement_id END;
BEGIN
    DELETE FROM statement_search WHERE statement_id = sid;
    INSERT INTO statement_search (statement_id, version_id, document)
        SELECT v.statement_id, v.id, {_POSTGRES_DOCUMENT} {_CURRENT.format(sid="sid")};
    RETURN NULL;
END
$$
"""
# Every statement's current version: the one no higher number of the same statement follows.
_ALL_CURRENT = (
    "FROM versions v WHERE NOT EXISTS "
    "(SELECT 1 FROM versions newer WHERE newer.statement_id = v.statement_id AND newer.number > v.number)"
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        'statement_search',
        sa.Column('statement_id', sa.Integer(), sa.ForeignKey('statements.id', ondelete='CASCADE'), primary_key=True),
        # No foreign key: the triggers, not a cascade, move it when the current version changes.
        sa.Column('version_id', sa.Integer(), nullable=False, unique=True),
        *([sa.Column('document', postgresql.TSVECTOR(), nullable=False)] if dialect == 'postgresql' else []),
    )
    # The archive page lists statements newest first; without this every page sorts the whole table.
    op.create_index('ix_statements_published_on_id', 'statements', ['published_on', 'id'])
    if dialect == 'postgresql':
        op.create_index('ix_statement_search_document', 'statement_search', ['document'], postgresql_using='gin')
        op.execute(
            "INSERT INTO statement_search (statement_id, version_id, document) "
            f"SELECT v.statement_id, v.id, {_POSTGRES_DOCUMENT} {_ALL_CURRENT}"
        )
        op.execute(_POSTGRES_FUNCTION)
        op.execute(
            "CREATE TRIGGER versions_search AFTER INSERT OR DELETE OR UPDATE OF title, body_text, number "
            "ON versions FOR EACH ROW EXECUTE FUNCTION statement_search_refresh()"
        )
        return
    op.execute(
        "CREATE VIRTUAL TABLE statement_fts USING fts5(title, body, tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    op.execute(f"INSERT INTO statement_search (statement_id, version_id) SELECT v.statement_id, v.id {_ALL_CURRENT}")
    op.execute(f"INSERT INTO statement_fts (rowid, title, body) SELECT v.statement_id, v.title, v.body_text {_ALL_CURRENT}")
    for name, (when, row) in _SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN {_SQLITE_REFRESH.format(sid=f'{row}.statement_id')} END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER versions_search ON versions")
        op.execute("DROP FUNCTION statement_search_refresh()")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE statement_fts")
    op.drop_index('ix_statements_published_on_id', 'statements')
    op.drop_table('statement_search')
