"""The service's settings section: how it runs its schedule."""

from __future__ import annotations

from pydantic import Field

from archive.settings import Section


class ServiceSettings(Section):
    shutdown_grace_seconds: float = Field(default=30.0, gt=0)
    # Crawl-run records and the delivery log are pruned after this long; statement versions are kept forever.
    retention_days: int = Field(default=90, ge=1)
    # How often due retries and queued digests are looked for between polls.
    delivery_sweep_seconds: float = Field(default=60.0, gt=0)
    # A delivery pass claims nothing more after this long; the rest goes in the next pass, so that a slow, failing
    # channel cannot keep the pass (and the passes after it) running.
    delivery_pass_seconds: float = Field(default=60.0, gt=0)
    # Each poll starts up to this much later than its interval says, so that instances and sites are not hit
    # in lockstep.
    poll_jitter_seconds: float = Field(default=30.0, ge=0)
    # PostgreSQL: how often a standby instance tries to take over the scheduler from a leader that is gone.
    leader_check_seconds: float = Field(default=10.0, gt=0)
