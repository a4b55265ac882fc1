"""The service's database work, run on threads off the event loop, and what a database that does not answer or
refuses writes does to it: logged once, reported by the health endpoint, recorded as a health problem as soon as
the archive takes writes again, and the work left for the next time it is due."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from archive.db import Database, DatabaseFault
    from archive.listener import ChangeListener
    from scheduler.health import HealthSource

Result = TypeVar("Result")


class DatabaseWork:
    def __init__(self, db: Database, health: HealthSource, listener: ChangeListener) -> None:
        self.db = db
        self.health = health
        self.listener = listener
        # A refusal of writes not yet recorded in the archive (it refused that too).
        self._unrecorded_fault: DatabaseFault | None = None

    async def run(self, function: Callable[..., Result], *args: Any) -> Result | None:
        """Runs database work on a thread. A database that does not answer, or refuses writes, is logged (once) and
        the work is left for the next time it is due (None); a refusal is also recorded as a health problem as soon
        as the archive takes writes again."""
        from archive.db import ArchiveUnwritable, DatabaseFault, lasting_failure

        try:
            result = await asyncio.to_thread(function, *args)
        except SQLAlchemyError as error:
            fault = lasting_failure(error)
            if fault is None:
                raise  # a fault of this one piece of work, not of the database: the job's error is logged
        except ArchiveUnwritable as error:
            fault = DatabaseFault(False, str(error))
        else:
            self.health.database.answered()
            return result
        self.health.database.failed(fault)
        if not fault.unreachable:
            self._unrecorded_fault = fault
        return None

    def failed(self, error: SQLAlchemyError) -> None:
        from archive.db import DatabaseFault, lasting_failure

        self.health.database.failed(lasting_failure(error) or DatabaseFault(True, " ".join(str(error).split())[:300]))

    async def record_refusal(self) -> bool:
        """Records a refusal of writes not recorded yet; False while the archive still refuses them."""
        if self._unrecorded_fault is None:
            return True
        fault, self._unrecorded_fault = self._unrecorded_fault, None
        if await self.run(self._record_fault, fault) is None:
            return False
        self.health.database.wrote()
        return True

    def _record_fault(self, fault: DatabaseFault) -> bool:
        """The archive took no writes for a while: now that it may, the health problem and its alert."""
        from archive.guard import Finding
        from archive.health import record_findings
        from archive.models import HealthKind

        finding = Finding(HealthKind.ARCHIVE_UNWRITABLE,
                          f"the archive could not be written ({fault.reason}): polls and deliveries waited")
        with self.db.sessions.begin() as session:
            record_findings(session, [finding], None, None, self.listener, resolve_others=False)
        return True

    @asynccontextmanager
    async def held(self, lock: AbstractContextManager[None]) -> AsyncIterator[None]:
        """A lock whose taking and releasing talk to the database, taken and released on a thread."""
        await asyncio.to_thread(lock.__enter__)
        try:
            yield
        finally:
            await asyncio.to_thread(lock.__exit__, None, None, None)
