"""initial archive schema

Revision ID: 0001
Revises:
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('crawl_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.Enum('running', 'succeeded', 'failed', 'interrupted', name='runstatus', native_enum=False, length=16), nullable=False),
    sa.Column('full', sa.Boolean(), nullable=False),
    sa.Column('baseline', sa.Boolean(), nullable=False),
    sa.Column('requests', sa.Integer(), nullable=False),
    sa.Column('not_modified', sa.Integer(), nullable=False),
    sa.Column('new', sa.Integer(), nullable=False),
    sa.Column('edited', sa.Integer(), nullable=False),
    sa.Column('removed', sa.Integer(), nullable=False),
    sa.Column('restored', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.Column('cpu_seconds', sa.Double(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('page_validators',
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('etag', sa.String(length=512), nullable=True),
    sa.Column('last_modified', sa.String(length=64), nullable=True),
    sa.Column('listing_body', sa.LargeBinary(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('url')
    )
    op.create_table('statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=True),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('canonical_url', sa.String(length=2048), nullable=True),
    sa.Column('section', sa.String(length=200), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('active', 'removed', name='statementstatus', native_enum=False, length=16), nullable=False),
    sa.Column('missing_checks', sa.Integer(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('node_id')
    )
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statements_last_checked_at'), ['last_checked_at'], unique=False)

    op.create_table('crawl_errors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('crawl_run_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['crawl_run_id'], ['crawl_runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('crawl_errors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crawl_errors_crawl_run_id'), ['crawl_run_id'], unique=False)

    op.create_table('health_problems',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('crawl_run_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['crawl_run_id'], ['crawl_runs.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('health_problems', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_health_problems_kind'), ['kind'], unique=False)

    op.create_table('statement_urls',
    sa.Column('url_key', sa.String(length=2048), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('url_key')
    )
    with op.batch_alter_table('statement_urls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_urls_statement_id'), ['statement_id'], unique=False)

    op.create_table('versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('published_text', sa.Text(), nullable=True),
    sa.Column('doc_type', sa.String(length=200), nullable=True),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('statement_id', 'number')
    )
    op.create_table('change_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('new', 'edited', 'removed', 'restored', name='eventkind', native_enum=False, length=16), nullable=False),
    sa.Column('from_version_id', sa.Integer(), nullable=True),
    sa.Column('to_version_id', sa.Integer(), nullable=True),
    sa.Column('crawl_run_id', sa.Integer(), nullable=True),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['crawl_run_id'], ['crawl_runs.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['from_version_id'], ['versions.id'], ),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_version_id'], ['versions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('change_events', schema=None) as batch_op:
        batch_op.create_index('ix_change_events_detected_at', ['detected_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_events_statement_id'), ['statement_id'], unique=False)

    op.create_table('topic_relevance',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=100), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('relevant', sa.Boolean(), nullable=False),
    sa.Column('matched_terms', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id', 'topic')
    )
    with op.batch_alter_table('topic_relevance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topic_relevance_relevant'), ['relevant'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('topic_relevance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_topic_relevance_relevant'))

    op.drop_table('topic_relevance')
    with op.batch_alter_table('change_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_events_statement_id'))
        batch_op.drop_index('ix_change_events_detected_at')

    op.drop_table('change_events')
    op.drop_table('versions')
    with op.batch_alter_table('statement_urls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_urls_statement_id'))

    op.drop_table('statement_urls')
    with op.batch_alter_table('health_problems', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_problems_kind'))

    op.drop_table('health_problems')
    with op.batch_alter_table('crawl_errors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crawl_errors_crawl_run_id'))

    op.drop_table('crawl_errors')
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statements_last_checked_at'))

    op.drop_table('statements')
    op.drop_table('page_validators')
    op.drop_table('crawl_runs')
