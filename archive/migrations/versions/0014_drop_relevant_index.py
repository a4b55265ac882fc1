"""drop the index on topic_relevance.relevant

Revision ID: 0014
Revises: 0013

No query wants it: a version's topics are read by the primary key (version_id, topic). SQLite's planner, which has no
statistics of a column holding true for most rows, preferred it to the primary key, and read every relevant row to
find the topics of a page of 25 versions (10 ms of every archive page and search at 100,000 statements).
"""
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_topic_relevance_relevant', table_name='topic_relevance')


def downgrade() -> None:
    op.create_index('ix_topic_relevance_relevant', 'topic_relevance', ['relevant'], unique=False)
