"""Which instance runs the scheduled jobs: on PostgreSQL the holder of an advisory lock, with another instance
taking over when the holder's connection ends; on SQLite the one instance there is (see Service.run)."""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

_KEY = {"name": "korus-watch scheduler"}


class Leadership:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None

    @property
    def shared(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def try_lead(self) -> bool:
        """True when this instance holds the scheduler (now or already)."""
        if not self.shared:
            return True
        if self._connection is not None:
            return self.still_leading()
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            acquired = connection.scalar(
                text("SELECT pg_try_advisory_lock(hashtext(current_schema() || :name))"), _KEY
            )
        except DBAPIError:
            connection.close()
            raise
        if not acquired:
            connection.close()
            return False
        self._connection = connection
        return True

    def still_leading(self) -> bool:
        """The lock lives as long as its session: a broken connection means another instance may lead now."""
        if not self.shared:
            return True
        if self._connection is None:
            return False
        try:
            self._connection.scalar(text("SELECT 1"))
            return True
        except DBAPIError as exc:
            log.error("lost the scheduler lock's database connection: %s", exc)
            self._drop_connection()
            return False

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.scalar(text("SELECT pg_advisory_unlock(hashtext(current_schema() || :name))"), _KEY)
            except DBAPIError:
                pass  # the session is gone, and its lock with it
            self._drop_connection()

    def _drop_connection(self) -> None:
        assert self._connection is not None
        try:
            self._connection.close()
        except DBAPIError:
            pass  # already broken
        self._connection = None
