"""snapshots: every response a poll reads is kept apart from what was read of it

Revision ID: 0012
Revises: 0011

Issue 17. `snapshot_bodies` holds each distinct body once (zlib, keyed by its SHA-256), `snapshots` each response
(URL, final URL, status, headers, when fetched and last confirmed by a 304), `snapshot_companions` the other
responses an item was read with. A version names the snapshot it was read from, its origin (a poll, or a
re-reading by a newer extractor), the extractor version and the korus-watch release that read it; an item names
the snapshot it was last read from; a page's validators the response they came with; `source_extractors` the
extractor version each source was last read with.

Versions archived before this migration keep their history and have no snapshot (nothing is fetched again). The new
columns are added in place (SQLite's ALTER TABLE ADD COLUMN takes a REFERENCES clause for a column that defaults to
NULL), so no table is rebuilt and the search triggers of 0007 on `versions` stay as they are; the downgrade rebuilds
`versions` and `statements` and makes the triggers again.
"""
import importlib

from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_search = importlib.import_module("archive.migrations.versions.0007_search_newest_first")
# The tables that name a snapshot, each in a column `snapshot_id`.
_REFERENCING = ('statements', 'versions', 'page_validators')


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.create_table(
        'snapshot_bodies',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('sha256'),
    )
    op.create_table(
        'snapshots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=100), nullable=False),
        sa.Column('url', sa.String(length=2048), nullable=False),
        sa.Column('final_url', sa.String(length=2048), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('protocol', sa.String(length=16), nullable=False),
        sa.Column('request_headers', sa.JSON(), nullable=False),
        sa.Column('headers', sa.JSON(), nullable=False),
        sa.Column('body_sha256', sa.String(length=64), nullable=False),
        sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['body_sha256'], ['snapshot_bodies.sha256']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_snapshots_source', 'snapshots', ['source'])
    op.create_index('ix_snapshots_body_sha256', 'snapshots', ['body_sha256'])
    op.create_index('ix_snapshots_fetched_at', 'snapshots', ['fetched_at'])
    op.create_table(
        'snapshot_companions',
        sa.Column('snapshot_id', sa.Integer(), nullable=False),
        sa.Column('companion_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['snapshot_id'], ['snapshots.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['companion_id'], ['snapshots.id']),
        sa.PrimaryKeyConstraint('snapshot_id', 'companion_id'),
    )
    op.create_index('ix_snapshot_companions_companion_id', 'snapshot_companions', ['companion_id'])
    op.create_table(
        'source_extractors',
        sa.Column('source', sa.String(length=100), nullable=False),
        sa.Column('extractor_version', sa.String(length=32), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('source'),
    )

    for table in _REFERENCING:
        if sqlite:
            op.execute(f"ALTER TABLE {table} ADD COLUMN snapshot_id INTEGER REFERENCES snapshots (id)")
        else:
            op.add_column(table, sa.Column('snapshot_id', sa.Integer(), nullable=True))
            op.create_foreign_key(None, table, 'snapshots', ['snapshot_id'], ['id'])
        op.create_index(f'ix_{table}_snapshot_id', table, ['snapshot_id'])
    op.add_column('versions', sa.Column(
        'origin', sa.Enum('crawl', 'reextraction', name='versionorigin', native_enum=False, length=16),
        nullable=False, server_default='crawl'))
    op.add_column('versions', sa.Column('extractor_version', sa.String(length=32), nullable=True))
    op.add_column('versions', sa.Column('read_by', sa.String(length=64), nullable=True))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:  # versions and statements are rebuilt below
        _search._drop_triggers()
    with op.batch_alter_table('versions') as batch:
        batch.drop_column('read_by')
        batch.drop_column('extractor_version')
        batch.drop_column('origin')
    for table in _REFERENCING:
        op.drop_index(f'ix_{table}_snapshot_id', table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column('snapshot_id')
    if sqlite:
        _search._create_triggers(_search._REFRESH)
    op.drop_table('source_extractors')
    op.drop_index('ix_snapshot_companions_companion_id', 'snapshot_companions')
    op.drop_table('snapshot_companions')
    op.drop_index('ix_snapshots_fetched_at', 'snapshots')
    op.drop_index('ix_snapshots_body_sha256', 'snapshots')
    op.drop_index('ix_snapshots_source', 'snapshots')
    op.drop_table('snapshots')
    op.drop_table('snapshot_bodies')
