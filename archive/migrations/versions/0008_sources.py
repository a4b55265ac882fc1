"""sources: every item has its source, identities are the source's, items link to items

Revision ID: 0008
Revises: 0007

The press office becomes one source among several (issue 16), and a CMS migration that renumbers its nodes must not
make old statements new (issue 19):

- statements: `source` (the source that first found it), `external_id` (the source's own id of the item: the Drupal
  node id of a statement, as text, no longer unique: a renumbering may give one node's id to another for a while),
  `fields` (the metadata of the item's kind, as the current version read it); `node_id` goes.
- versions: `fields`, what each reading found of the kind's metadata.
- statement_keys replaces statement_urls: an item's identity keys within a namespace (the press office's host-less URL
  keys in "press-office", a Federal Register document's number and date in "federal_register", a watched page's URL in
  its source's), and the keys others' links find it by.
- statement_sources: every source that lists an item (one Federal Register document matched by two queries).
- statement_links: what an item's text links to or corrects, as keys, for related items either way.
- crawl_runs and health_problems: the source they are about (each source has its own baseline and problems).

On SQLite, `statements` is rebuilt to drop node_id: archive.db.migrate runs migrations with foreign keys off (else
the rebuild's DROP TABLE would cascade to every version), and the search triggers of 0007, which name `statements`,
are dropped first and made again after.
"""
import importlib

from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

PRESS_OFFICE = "press-office"
_search = importlib.import_module("archive.migrations.versions.0007_search_newest_first")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        _search._drop_triggers()
    with op.batch_alter_table('statements') as batch:
        batch.add_column(sa.Column('source', sa.String(length=100), nullable=False, server_default=PRESS_OFFICE))
        batch.add_column(sa.Column('external_id', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('fields', sa.JSON(), nullable=True))
    op.execute("UPDATE statements SET external_id = CAST(node_id AS VARCHAR(200)) WHERE node_id IS NOT NULL")
    with op.batch_alter_table('statements') as batch:
        batch.alter_column('source', server_default=None)
        batch.drop_column('node_id')
        batch.create_index('ix_statements_source_external_id', ['source', 'external_id'])
        batch.create_index('ix_statements_source', ['source'])
    if sqlite:
        _search._create_triggers(_search._REFRESH)

    op.add_column('versions', sa.Column('fields', sa.JSON(), nullable=True))

    op.create_table(
        'statement_keys',
        sa.Column('namespace', sa.String(length=100), nullable=False),
        sa.Column('key', sa.String(length=2048), nullable=False),
        sa.Column('statement_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('namespace', 'key'),
    )
    op.create_index('ix_statement_keys_key', 'statement_keys', ['key'])
    op.create_index('ix_statement_keys_statement_id', 'statement_keys', ['statement_id'])
    op.execute(
        f"INSERT INTO statement_keys (namespace, key, statement_id) "
        f"SELECT '{PRESS_OFFICE}', url_key, statement_id FROM statement_urls"
    )
    op.drop_table('statement_urls')

    op.create_table(
        'statement_sources',
        sa.Column('statement_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('statement_id', 'source'),
    )
    op.create_index('ix_statement_sources_source', 'statement_sources', ['source'])
    op.execute(f"INSERT INTO statement_sources (statement_id, source) SELECT id, '{PRESS_OFFICE}' FROM statements")

    op.create_table(
        'statement_links',
        sa.Column('statement_id', sa.Integer(), nullable=False),
        sa.Column('relation', sa.Enum('cites', 'corrects', name='linkrelation', native_enum=False, length=32),
                  nullable=False),
        sa.Column('target_key', sa.String(length=2048), nullable=False),
        sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('statement_id', 'relation', 'target_key'),
    )
    op.create_index('ix_statement_links_target_key', 'statement_links', ['target_key'])

    for table in ('crawl_runs', 'health_problems'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('source', sa.String(length=100), nullable=True))
        op.execute(f"UPDATE {table} SET source = '{PRESS_OFFICE}'")
    with op.batch_alter_table('crawl_runs') as batch:
        batch.alter_column('source', existing_type=sa.String(length=100), nullable=False)
        batch.create_index('ix_crawl_runs_source', ['source'])


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:  # versions and statements are rebuilt below
        _search._drop_triggers()
    with op.batch_alter_table('crawl_runs') as batch:
        batch.drop_index('ix_crawl_runs_source')
        batch.drop_column('source')
    with op.batch_alter_table('health_problems') as batch:
        batch.drop_column('source')
    op.drop_table('statement_links')
    op.drop_table('statement_sources')
    op.create_table(
        'statement_urls',
        sa.Column('url_key', sa.String(length=2048), nullable=False),
        sa.Column('statement_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('url_key'),
    )
    op.create_index('ix_statement_urls_statement_id', 'statement_urls', ['statement_id'])
    op.execute(
        f"INSERT INTO statement_urls (url_key, statement_id) "
        f"SELECT key, statement_id FROM statement_keys WHERE namespace = '{PRESS_OFFICE}'"
    )
    op.drop_table('statement_keys')
    with op.batch_alter_table('versions') as batch:
        batch.drop_column('fields')
    with op.batch_alter_table('statements') as batch:
        batch.drop_index('ix_statements_source')
        batch.drop_index('ix_statements_source_external_id')
        batch.add_column(sa.Column('node_id', sa.Integer(), nullable=True))
    # A node id held by two statements (a renumbering half read) is kept by the older one.
    op.execute(
        f"UPDATE statements SET node_id = CAST(external_id AS INTEGER) WHERE source = '{PRESS_OFFICE}' "
        "AND external_id IS NOT NULL AND id = (SELECT MIN(other.id) FROM statements other "
        "WHERE other.source = statements.source AND other.external_id = statements.external_id)"
    )
    with op.batch_alter_table('statements') as batch:
        batch.create_unique_constraint('uq_statements_node_id', ['node_id'])
        batch.drop_column('fields')
        batch.drop_column('external_id')
        batch.drop_column('source')
    if sqlite:
        _search._create_triggers(_search._REFRESH)
