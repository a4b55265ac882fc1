"""What the end-to-end tests of the sites' sources (watched pages, listings) share: changing an imitation site while
it serves, and reading the archive's last run and open problems."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from archive.db import Database
from archive.models import CrawlRun, HealthProblem
from testkit.sites import SiteServer


def mutate(server: SiteServer, name: str, **arguments: object) -> object:
    answer = httpx.post(server.url(f"/_site/{name}"), json=arguments)
    assert answer.status_code == 200, answer.text
    return answer.json()["result"]


def last_run(db: Database) -> CrawlRun:
    with db.sessions() as session:
        return session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).one()


def open_problems(db: Database) -> list[tuple[str, str | None, str]]:
    with db.sessions() as session:
        rows = session.scalars(select(HealthProblem).where(HealthProblem.resolved_at.is_(None)))
        return [(p.kind.value, p.source, p.message) for p in rows]
