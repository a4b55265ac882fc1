"""What every question of the read model shares: the refusal for an unknown item, and finding a statement by what
a person types (an archive id or any URL it was found under)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.identity import host_url_key, url_key
from archive.models import MAX_ID, Statement, StatementKey


class NotFound(LookupError):
    pass


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def get_statement(session: Session, statement_id: int) -> Statement:
    # An id past the database's integers names nothing (PostgreSQL would refuse the query).
    statement = session.get(Statement, statement_id) if statement_id <= MAX_ID else None
    if statement is None:
        raise NotFound(f"no statement {statement_id} in the archive")
    return statement


def find_statement(session: Session, reference: str) -> Statement:
    """An item by archive id, or by any URL it was found under (a press statement's path alone will do)."""
    if reference.isdecimal():
        return get_statement(session, int(reference))
    keys = {url_key(reference), host_url_key(reference)}
    statement = session.scalar(
        select(Statement).join(StatementKey).where(StatementKey.key.in_(keys)).order_by(Statement.id).limit(1)
    )
    if statement is None:
        raise NotFound(f"no statement {reference!r} in the archive")
    return statement
