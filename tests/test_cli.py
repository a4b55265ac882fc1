"""The command line as people use it: exit codes scripts rely on, options where people put them, listings that
say what they hold."""

from __future__ import annotations

import json

from archive.db import Database
from archive.models import CrawlRun, RunStatus, utcnow
from tests.conftest import KorusWatch
from tests.mirror import MirrorServer


def test_status_exit_codes_say_whether_all_is_well(korus_watch: KorusWatch, db: Database,
                                                   mirror: MirrorServer) -> None:
    assert korus_watch.run("status").returncode == 0  # no crawl yet: nothing has gone wrong
    korus_watch.run("crawl")
    assert korus_watch.run("status").returncode == 0

    with db.sessions.begin() as session:
        session.add(CrawlRun(status=RunStatus.FAILED, finished_at=utcnow(), message="the crawl timed out"))
    failed = korus_watch.run("status", check=False)
    assert failed.returncode == 3 and "last crawl" in failed.stdout and "failed" in failed.stdout
    assert korus_watch.run("status", "--json", check=False).returncode == 3

    mirror.stop()  # the site down: the crawl fails and opens a health problem
    assert korus_watch.run("crawl", check=False).returncode == 1
    problem = korus_watch.run("status", check=False)
    assert problem.returncode == 4 and "HEALTH PROBLEM unreachable" in problem.stdout
    as_json = korus_watch.run("status", "--json", check=False)
    assert as_json.returncode == 4 and json.loads(as_json.stdout)["health_problems"]
