"""The topics a set of versions is relevant to, read in one query for a whole page of statements or events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import TopicRelevance
from web.schemas import TopicMatch


def relevant_topics(session: Session, version_ids: Collection[int]) -> dict[int, list[TopicMatch]]:
    topics: dict[int, list[TopicMatch]] = defaultdict(list)
    if not version_ids:
        return topics
    rows = session.scalars(
        select(TopicRelevance)
        .where(TopicRelevance.version_id.in_(version_ids), TopicRelevance.relevant.is_(True))
        .order_by(TopicRelevance.version_id, TopicRelevance.score.desc(), TopicRelevance.topic)
    )
    for row in rows:
        topics[row.version_id].append(TopicMatch(topic=row.topic, score=row.score, matched_terms=row.matched_terms))
    return topics
