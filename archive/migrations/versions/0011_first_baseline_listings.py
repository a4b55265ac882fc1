"""first baseline: when the archive's first baseline began and what its listings showed, so that a baseline cut
short and resumed announces the statements published meanwhile

Revision ID: 0011
Revises: 0007

An archive whose baseline was cut short before this migration (crawl runs, none succeeded) gets its first baseline
from its first run, with no listings known: its resumed baseline announces the statements dated on or after the day
that run began.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    first_baseline = op.create_table('first_baseline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('began_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('listings_complete', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('first_baseline_listings',
    sa.Column('url_key', sa.String(length=2048), nullable=False),
    sa.PrimaryKeyConstraint('url_key')
    )
    # Copied in SQL: SQLite hands its dates back as text, which a DateTime column does not take.
    runs = sa.table('crawl_runs', sa.column('status', sa.String), sa.column('started_at'))
    first_run = (
        sa.select(runs.c.started_at, sa.false())
        .where(~sa.exists().where(runs.c.status == 'succeeded'))
        .order_by(runs.c.started_at)
        .limit(1)
    )
    op.execute(sa.insert(first_baseline).from_select(['began_at', 'listings_complete'], first_run))


def downgrade() -> None:
    op.drop_table('first_baseline_listings')
    op.drop_table('first_baseline')
