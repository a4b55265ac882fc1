"""first baselines: when each source's first baseline began and what its listings showed, so that a baseline cut
short and resumed announces the items published meanwhile

Revision ID: 0011
Revises: 0010

A source whose baseline was cut short before this migration (crawl runs of it, none succeeded) gets its first
baseline from its first run, with no listings known: its resumed baseline announces the items dated on or after the
day that run began.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    first_baselines = op.create_table('first_baselines',
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('began_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('listings_complete', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('source')
    )
    op.create_table('first_baseline_listings',
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('key', sa.String(length=2048), nullable=False),
    sa.PrimaryKeyConstraint('source', 'key')
    )
    # Copied in SQL: SQLite hands its dates back as text, which a DateTime column does not take.
    runs = sa.table('crawl_runs', sa.column('source', sa.String), sa.column('status', sa.String),
                    sa.column('started_at'))
    other = runs.alias('other')
    first_runs = (
        sa.select(runs.c.source, sa.func.min(runs.c.started_at), sa.false())
        .where(~sa.exists().where(other.c.source == runs.c.source, other.c.status == 'succeeded'))
        .group_by(runs.c.source)
    )
    op.execute(sa.insert(first_baselines).from_select(['source', 'began_at', 'listings_complete'], first_runs))


def downgrade() -> None:
    op.drop_table('first_baseline_listings')
    op.drop_table('first_baselines')
