"""Items and their sources, and items related to items: what an item's text links to or corrects, and what links
to or corrects it, found by the keys the archive knows each item by (archive.models.StatementLink)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, Exists, exists, literal, select, union_all
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
    other = aliased(Statement)
    outgoing = (
        select(StatementLink.relation, other.id, other.title, other.source, other.url, StatementLink.target_key)
        .join(StatementKey, StatementKey.key == StatementLink.target_key)
        .join(other, other.id == StatementKey.statement_id)
        .where(StatementLink.statement_id == statement_id, other.id != statement_id)
        .add_columns(literal(True).label("outgoing"))
    )
    incoming = (
        select(StatementLink.relation, other.id, other.title, other.source, other.url, StatementLink.target_key)
        .join(StatementKey, StatementKey.key == StatementLink.target_key)
        .join(other, other.id == StatementLink.statement_id)
        .where(StatementKey.statement_id == statement_id, other.id != statement_id)
        .add_columns(literal(False).label("outgoing"))
    )
    related: dict[tuple[int, str], RelatedItem] = {}
    for row in session.execute(union_all(outgoing, incoming)):
        label = (_OUTGOING if row.outgoing else _INCOMING)[LinkRelation(row.relation)]
        related.setdefault((row.id, label), RelatedItem(id=row.id, title=row.title, source=row.source, url=row.url,
                                                        relation=label))  # type: ignore[arg-type]
    return sorted(related.values(), key=lambda item: (item.relation, item.id))
