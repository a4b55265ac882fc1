"""Faults that must lose no alert and flood none, each reproduced with real processes: killed baselines, a full
disk, the database going away under the service, and a slow failing channel."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select

from archive.db import Database
from archive.models import ChangeEvent, CrawlRun, EventKind, Statement
from notify.models import Delivery
from tests.conftest import KorusWatch
from tests.mirror import MirrorSite, generated_site
from tests.notify_support import channel_toml

KORUS_PARAGRAPHS = ["Washington, DC – The KORUS Joint Committee met today on the U.S.-Korea Free Trade Agreement."]


def statement_count(db: Database) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count(Statement.id))) or 0


def kill_crawl_when(korus_watch: KorusWatch, condition: Callable[[], bool], what: str) -> None:
    """Starts `korus-watch crawl` and SIGKILLs it as soon as `condition` holds."""
    crawl = subprocess.Popen([sys.executable, "-m", "korus_watch", "crawl"], cwd=korus_watch.config.parent,
                             env=korus_watch.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while not condition():
            assert crawl.poll() is None, f"the crawl ended (status {crawl.returncode}) before {what}"
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.02)
        crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=10)
    finally:
        crawl.kill()


@pytest.fixture
def site() -> MirrorSite:
    return generated_site(240, seed=7)


def test_baselines_killed_at_several_points_leave_an_archive_that_announces_the_next_new_statement(
    korus_watch: KorusWatch, site: MirrorSite, db: Database
) -> None:
    korus_watch.config.write_text(
        korus_watch.config.read_text(encoding="utf-8") + channel_toml(name="team", type="webhook",
                                                                      url="http://127.0.0.1:9/hook"),
        encoding="utf-8",
    )
    total = len(site.statements)
    kill_crawl_when(korus_watch, lambda: statement_count(db) >= 30, "30 statements archived")
    kill_crawl_when(korus_watch, lambda: statement_count(db) >= 150, "150 statements archived")
    # The last kill comes once everything is archived: one statement page hangs, so the crawl cannot end.
    stuck = site.statements[0]
    site.hang(stuck.path, 60)
    kill_crawl_when(korus_watch, lambda: statement_count(db) >= total - 1, "every other statement archived")
    site.clear_override(stuck.path)

    finished = korus_watch.run("crawl")
    assert "succeeded (baseline)" in finished.stdout
    with db.sessions() as session:
        assert [r.status.value for r in session.scalars(select(CrawlRun).order_by(CrawlRun.id))] == [
            "interrupted", "interrupted", "interrupted", "succeeded"]
        assert session.scalar(select(func.count(ChangeEvent.id))) == 0

    site.new_statement(title="USTR Statement on the KORUS Joint Committee", paragraphs=KORUS_PARAGRAPHS,
                       published=date(2026, 12, 1))
    routine = korus_watch.run("crawl")
    assert "(baseline)" not in routine.stdout and "new 1," in routine.stdout
    with db.sessions() as session:
        (event,) = session.scalars(select(ChangeEvent)).all()
        assert event.kind == EventKind.NEW and event.statement.title == "USTR Statement on the KORUS Joint Committee"
        (delivery,) = session.scalars(select(Delivery)).all()
        assert (delivery.channel, delivery.event_id) == ("team", event.id)
    assert statement_count(db) == total + 1
