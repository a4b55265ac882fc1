"""search through history: every version's title and body in a full-text index of its own

Revision ID: 0013
Revises: 0012

Issue 19, item 6. The index of 0005/0007 holds each statement's current version, so a statement that once said
"launched" and now says "initiated" was not found by "launched". This index holds every version, current and past:
SQLite's FTS5 table `version_fts` (rowid = the version's id, the tokenizer of `statement_fts`), PostgreSQL's
`version_search` (a weighted tsvector per version, title A and body B, under a GIN index). Triggers on `versions`
keep it in step with whatever writes the archive; the upgrade fills it for an existing archive.

A later SQLite migration that rebuilds `versions` with batch_alter_table drops these triggers with the old table:
it must create them again (`upgrade` here shows how).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_FTS = (
    "CREATE VIRTUAL TABLE version_fts USING fts5(title, body, tokenize = 'porter unicode61 remove_diacritics 2')"
)
_SQLITE_TRIGGERS = {
    "versions_history_insert": (
        "AFTER INSERT ON versions",
        "INSERT INTO version_fts (rowid, title, body) VALUES (NEW.id, NEW.title, NEW.body_text);",
    ),
    "versions_history_update": (
        "AFTER UPDATE OF title, body_text ON versions",
        "DELETE FROM version_fts WHERE rowid = OLD.id; "
        "INSERT INTO version_fts (rowid, title, body) VALUES (NEW.id, NEW.title, NEW.body_text);",
    ),
    "versions_history_delete": ("AFTER DELETE ON versions", "DELETE FROM version_fts WHERE rowid = OLD.id;"),
}

# As statement_search's document (0005): angle brackets indexed as spaces, so that `<script>` is found by its words.
_POSTGRES_DOCUMENT = (
    "setweight(to_tsvector('english', translate({v}.title, '<>', '  ')), 'A') || "
    "setweight(to_tsvector('english', translate({v}.body_text, '<>', '  ')), 'B')"
)
# A deleted version takes its row with it (the foreign key cascades).
_POSTGRES_FUNCTION = f"""
CREATE FUNCTION version_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO version_search (version_id, document) VALUES (NEW.id, {_POSTGRES_DOCUMENT.format(v="NEW")})
        ON CONFLICT (version_id) DO UPDATE SET document = EXCLUDED.document;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.create_table(
            'version_search',
            sa.Column('version_id', sa.Integer(), sa.ForeignKey('versions.id', ondelete='CASCADE'), primary_key=True),
            sa.Column('document', postgresql.TSVECTOR(), nullable=False),
        )
        op.execute(
            "INSERT INTO version_search (version_id, document) "
            f"SELECT v.id, {_POSTGRES_DOCUMENT.format(v='v')} FROM versions v"
        )
        op.create_index('ix_version_search_document', 'version_search', ['document'], postgresql_using='gin')
        op.execute(_POSTGRES_FUNCTION)
        op.execute(
            "CREATE TRIGGER versions_history AFTER INSERT OR UPDATE OF title, body_text "
            "ON versions FOR EACH ROW EXECUTE FUNCTION version_search_refresh()"
        )
        return
    op.execute(_FTS)
    op.execute("INSERT INTO version_fts (rowid, title, body) SELECT id, title, body_text FROM versions")
    create_triggers()


def create_triggers() -> None:
    """SQLite's triggers that keep version_fts in step with `versions`."""
    for name, (when, statements) in _SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN {statements} END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER versions_history ON versions")
        op.execute("DROP FUNCTION version_search_refresh()")
        op.drop_index('ix_version_search_document', 'version_search')
        op.drop_table('version_search')
        return
    for name in _SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE version_fts")
