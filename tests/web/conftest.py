"""An archive built the way users build one, shared by the read-side tests of a module: korus-watch crawls the
local mirror, the mirror changes (an edit, a new statement with a hostile title, a removal), and it crawls again."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select

from archive.db import Database
from archive.identity import url_key
from archive.models import Statement, StatementUrl
from tests.conftest import POSTGRES_ADMIN_URL, KorusWatch
from tests.mirror import MirrorServer, MirrorSite, MirrorStatement, korus_site
from tests.mirror.fixtures import IPEF_PATH, SEED_EDIT, SEED_PATH

HOSTILE_TITLE = '<script>alert("title")</script> KORUS & <img src=x onerror="alert(1)"> tariffs'
HOSTILE_PARAGRAPHS = [
    'Washington, DC – The KORUS Joint Committee <b>met</b> today. <script>alert("body")</script>',
    "Officials discussed \"quotes\", 'apostrophes', the NEAR( operator and title:colons.",
    "###",
]


@dataclass(frozen=True)
class BuiltArchive:
    """A crawled archive and what the tests need to find in it."""

    url: str
    db: Database
    site: MirrorSite
    mirror: MirrorServer
    korus_watch: KorusWatch
    edited: MirrorStatement
    hostile: MirrorStatement
    removed: MirrorStatement

    def statement_id(self, statement: MirrorStatement) -> int:
        with self.db.sessions() as session:
            found = session.scalar(
                select(Statement.id).join(StatementUrl).where(StatementUrl.url_key == url_key(statement.path))
            )
        assert found is not None, f"{statement.path} is not archived"
        return found


def _postgres_schema_url() -> Iterator[str]:
    schema = f"w_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def module_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Like tests.conftest.database_url, for an archive that a whole module reads."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('archive') / 'archive.sqlite3'}"
    else:
        yield from _postgres_schema_url()


def korus_watch_for(tmp: Path, database_url: str, mirror: MirrorServer) -> KorusWatch:
    config = tmp / "korus-watch.toml"
    config.write_text("[crawl]\nautothrottle = false\ntimeout_seconds = 5\nretry_times = 1\n", encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KORUS_WATCH_")},
        "KORUS_WATCH_CONFIG": str(config),
        "KORUS_WATCH_DATABASE__URL": database_url,
        "KORUS_WATCH_CRAWL__BASE_URL": mirror.base_url,
    }
    return KorusWatch(config=config, env=env)


@pytest.fixture(scope="module")
def built(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltArchive]:
    site = korus_site()
    with MirrorServer(site) as mirror:
        korus_watch = korus_watch_for(tmp_path_factory.mktemp("config"), module_database_url, mirror)
        korus_watch.run("crawl")  # the baseline
        edited = site.edit(SEED_PATH, replace=SEED_EDIT)
        hostile = site.new_statement(title=HOSTILE_TITLE, paragraphs=HOSTILE_PARAGRAPHS, published=date(2026, 5, 4))
        removed = site.statement(IPEF_PATH)
        site.remove(IPEF_PATH)
        korus_watch.run("crawl", "--full")
        korus_watch.run("crawl")  # the second miss confirms the removal
        db = Database(module_database_url)
        yield BuiltArchive(module_database_url, db, site, mirror, korus_watch, edited, hostile, removed)
        db.dispose()
