"""The crawl's way into the archive: the run's recorder, called on a thread of its own.

A slow or stalled database then never stalls Scrapy's event loop, so fetching goes on meanwhile (and, in the
service, the health endpoint answers). One thread keeps the calls in the order the spider made them, one at a
time, as the recorder expects. Scrapy's components find it through their crawler's settings."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from scrapy.crawler import Crawler

from archive.planning import CrawlPlan
from archive.recorder import RunRecorder

_SETTING = "KORUS_WATCH_RECORDING"
Result = TypeVar("Result")
log = logging.getLogger(__name__)


class Recording:
    def __init__(self, recorder: RunRecorder, on_phase_committed: Callable[[], object] | None = None) -> None:
        """`on_phase_committed`: called on the event loop once a phase's changes are committed (the service starts
        a delivery pass, so that their alerts need not wait for the rest of the poll)."""
        self.recorder = recorder
        self.on_phase_committed = on_phase_committed
        # Why the archive stopped taking writes, once it has: the crawl stops, and the run is recorded as failed.
        self.unwritable: str | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive")

    @property
    def plan(self) -> CrawlPlan:
        return self.recorder.plan

    def attach(self, crawler: Crawler) -> None:
        """Makes this the recording of the crawler's run, before the crawler builds its components."""
        crawler.settings.set(_SETTING, self, priority="cmdline")

    @staticmethod
    def of(crawler: Crawler) -> Recording:
        recording = crawler.settings[_SETTING]
        assert isinstance(recording, Recording), "the crawl was started without a recording (crawler.run)"
        return recording

    async def call(self, function: Callable[..., Result], *args: object) -> Result:
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    def close_phase(self, counts: dict[str, int], *, listings_complete: bool) -> None:
        """Closes the run's current phase (RunRecorder.close_phase) after the calls already made, without waiting."""
        close = partial(self.recorder.close_phase, **counts, listings_complete=listings_complete)
        done = asyncio.get_running_loop().run_in_executor(self._thread, close)
        done.add_done_callback(self._phase_closed)

    def _phase_closed(self, done: asyncio.Future[None]) -> None:
        if done.cancelled():
            return
        if (error := done.exception()) is not None:
            # Its changes stay held (RunRecorder._end_phase clears them only once committed): the run's end records
            # them, and a database that stays unwritable stops the crawl at its next write (crawler.pipelines).
            log.error("could not close the crawl's first phase, its changes wait for the run's end: %s", error,
                      exc_info=error)
            return
        if self.on_phase_committed is not None:
            self.on_phase_committed()

    def close(self) -> None:
        """Waits for the calls in progress; the crawl has ended, so no more come."""
        self._thread.shutdown(wait=True)
