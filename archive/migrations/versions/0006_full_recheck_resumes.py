"""crawl runs: when the full re-check a run carried out began, so that one cut short goes on in the next poll

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('crawl_runs', sa.Column('full_since', sa.DateTime(timezone=True), nullable=True))
    # Every full run so far ran its re-check from its own start. ("full" is a reserved word in PostgreSQL: the
    # expression quotes it.)
    runs = sa.table('crawl_runs', sa.column('full', sa.Boolean), sa.column('started_at'), sa.column('full_since'))
    op.execute(runs.update().where(runs.c.full == sa.true()).values(full_since=runs.c.started_at))


def downgrade() -> None:
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.drop_column('full_since')
