"""scheduler job-run records replace APScheduler's pickled job store

Revision ID: 0004
Revises: 0003
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    job_runs = op.create_table('scheduler_job_runs',
    sa.Column('job_id', sa.String(length=191), nullable=False),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('job_id')
    )
    # Each stored job's next run carries over: a run that fell due before the upgrade still happens once.
    stored = op.get_bind().execute(sa.text('SELECT id, next_run_time FROM scheduler_jobs')).all()
    op.bulk_insert(job_runs, [
        {'job_id': job_id, 'last_run_at': None,
         'next_run_at': None if next_run is None else datetime.fromtimestamp(next_run, UTC)}
        for job_id, next_run in stored
    ])
    with op.batch_alter_table('scheduler_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduler_jobs_next_run_time'))
    op.drop_table('scheduler_jobs')


def downgrade() -> None:
    op.drop_table('scheduler_job_runs')
    op.create_table('scheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('scheduler_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduler_jobs_next_run_time'), ['next_run_time'], unique=False)
