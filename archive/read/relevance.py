"""Relevance as the listings read it: the topics a set of versions is relevant to, read in one query for a whole page
of statements or events, and the filter for one topic."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import ColumnElement, Exists, exists, select
from sqlalchemy.orm import Session

from archive.models import TopicRelevance
from archive.read.schemas import TopicMatch


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


def relevant_to(topic: str, version_id: ColumnElement[int]) -> Exists:
    """Whether the version named by `version_id` (a column of the listing's query) is relevant to `topic`."""
    return exists().where(
        TopicRelevance.version_id == version_id, TopicRelevance.topic == topic, TopicRelevance.relevant.is_(True)
    )
