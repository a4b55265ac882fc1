"""change events: their significance (substantive, wording, cosmetic) and its reasons

Revision ID: 0010
Revises: 0008

Every event recorded from now on is judged when it is recorded (archive.significance). The events already in the
archive are judged here too, rather than marked unknown: a judgement needs only what the archive keeps (both
versions' titles, bodies and dates, and the terms each topic matched in them, stored in topic_relevance), it costs
about a millisecond an edit (an archive has hundreds of edits, not millions), and an "unknown" level would sit
outside every threshold and filter for good: a timeline filtered to substantive changes would lose its history.
New, removed and restored events are substantive by definition (the columns' defaults). The judgement is the
classifier's as of this migration: archive.significance must keep `judge_edit` and `VersionText`, or this file must
carry what it needs.
"""
from alembic import op
import sqlalchemy as sa

from archive.significance import VersionText, judge_edit


revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None

_BATCH = 200
_events = sa.table('change_events', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                   sa.column('from_version_id', sa.Integer), sa.column('to_version_id', sa.Integer),
                   sa.column('significance', sa.String), sa.column('reasons', sa.JSON))
_versions = sa.table('versions', sa.column('id', sa.Integer), sa.column('title', sa.Text),
                     sa.column('body_text', sa.Text), sa.column('published_on', sa.Date))
_relevance = sa.table('topic_relevance', sa.column('version_id', sa.Integer), sa.column('topic', sa.String),
                      sa.column('matched_terms', sa.JSON))


def upgrade() -> None:
    op.add_column('change_events', sa.Column(
        'significance', sa.Enum('cosmetic', 'wording', 'substantive', name='significance', native_enum=False,
                                length=16),
        server_default='substantive', nullable=False))
    op.add_column('change_events', sa.Column('reasons', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
    connection = op.get_bind()
    last_id = 0
    while True:
        edits = connection.execute(
            sa.select(_events.c.id, _events.c.from_version_id, _events.c.to_version_id)
            .where(_events.c.kind == 'edited', _events.c.id > last_id,
                   _events.c.from_version_id.is_not(None), _events.c.to_version_id.is_not(None))
            .order_by(_events.c.id).limit(_BATCH)
        ).all()
        if not edits:
            break
        last_id = edits[-1].id
        texts = _texts(connection, {v for edit in edits for v in (edit.from_version_id, edit.to_version_id)})
        judged = []
        for edit in edits:
            judgement = judge_edit(texts[edit.from_version_id], texts[edit.to_version_id])
            judged.append({'event_id': edit.id, 'level': judgement.level.value, 'why': judgement.reasons})
        connection.execute(
            _events.update().where(_events.c.id == sa.bindparam('event_id'))
            .values(significance=sa.bindparam('level'), reasons=sa.bindparam('why')),
            judged,
        )


def _texts(connection: sa.Connection, version_ids: set[int]) -> dict[int, VersionText]:
    terms: dict[int, dict[str, tuple[str, ...]]] = {}
    for row in connection.execute(sa.select(_relevance).where(_relevance.c.version_id.in_(version_ids))):
        terms.setdefault(row.version_id, {})[row.topic] = tuple(row.matched_terms)
    return {
        row.id: VersionText(row.title, row.body_text, row.published_on, terms.get(row.id, {}))
        for row in connection.execute(sa.select(_versions).where(_versions.c.id.in_(version_ids)))
    }


def downgrade() -> None:
    with op.batch_alter_table('change_events', schema=None) as batch_op:
        batch_op.drop_column('reasons')
        batch_op.drop_column('significance')
