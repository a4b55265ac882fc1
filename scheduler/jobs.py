"""The scheduled jobs as the persistent job store names them ("scheduler.jobs:poll"): each runs on the service
of this process. Keeping them module-level keeps the stored jobs valid across restarts and code changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scheduler.service import Service

_service: Service | None = None


def attach(service: Service | None) -> None:
    global _service
    _service = service


def _current() -> Service:
    if _service is None:
        raise RuntimeError("no korus-watch service runs in this process")
    return _service


async def poll() -> None:
    await _current().poll()


async def deliver() -> None:
    await _current().deliver()


async def digest(channel: str) -> None:
    await _current().digest(channel)


async def housekeeping() -> None:
    await _current().housekeeping()
