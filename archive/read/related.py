"""Items and their sources, and items related to items: what an item's text links to or corrects, and what links
to or corrects it, found by the keys the archive knows each item by (archive.models.StatementLink)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, CompoundSelect, Exists, exists, literal, select, union_all
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from archive.models import LinkRelation, Statement, StatementKey, StatementLink, StatementSource
from archive.read.schemas import RelatedItem

# How each relation reads from either end.
_OUTGOING = {LinkRelation.CITES: "links to", LinkRelation.CORRECTS: "correction of"}
_INCOMING = {LinkRelation.CITES: "linked from", LinkRelation.CORRECTS: "corrected by"}


def listed_by(sources: Collection[str], statement_id: ColumnElement[int] | InstrumentedAttribute[int]) -> Exists:
    """Whether any of `sources` lists the item named by `statement_id` (a column of the listing's query)."""
    return exists().where(StatementSource.statement_id == statement_id, StatementSource.source.in_(sources))


def related_items(session: Session, statement_id: int) -> list[RelatedItem]:
    """The items this one links to or corrects, then those linking to or correcting it, each relation once."""
    return related_items_of(session, [statement_id]).get(statement_id, [])


def related_items_of(session: Session, statement_ids: Collection[int]) -> dict[int, list[RelatedItem]]:
    """related_items of each of `statement_ids` (those with any), a query for each _BATCH of them: a digest's
    events read theirs at once."""
    related: dict[int, dict[tuple[int, str], RelatedItem]] = {}
    ordered = sorted(set(statement_ids))
    for start in range(0, len(ordered), _BATCH):
        for row in session.execute(_related_query(ordered[start:start + _BATCH])):
            label = (_OUTGOING if row.outgoing else _INCOMING)[LinkRelation(row.relation)]
            related.setdefault(row.owner, {}).setdefault((row.id, label), RelatedItem(
                id=row.id, title=row.title, source=row.source, url=row.url, relation=label))  # type: ignore[arg-type]
    return {owner: sorted(items.values(), key=lambda item: (item.relation, item.id))
            for owner, items in related.items()}


# Statement ids a query names at most: well within SQLite's and PostgreSQL's limits on a statement's parameters.
_BATCH = 500


def _related_query(statement_ids: list[int]) -> CompoundSelect:
    other = aliased(Statement)
    outgoing = (
        select(StatementLink.statement_id.label("owner"), StatementLink.relation, other.id, other.title, other.source,
               other.url, literal(True).label("outgoing"))
        .join(StatementKey, StatementKey.key == StatementLink.target_key)
        .join(other, other.id == StatementKey.statement_id)
        .where(StatementLink.statement_id.in_(statement_ids), other.id != StatementLink.statement_id)
    )
    incoming = (
        select(StatementKey.statement_id.label("owner"), StatementLink.relation, other.id, other.title, other.source,
               other.url, literal(False).label("outgoing"))
        .join(StatementKey, StatementKey.key == StatementLink.target_key)
        .join(other, other.id == StatementLink.statement_id)
        .where(StatementKey.statement_id.in_(statement_ids), other.id != StatementKey.statement_id)
    )
    return union_all(outgoing, incoming)
