"""An archive built the way users build one, shared by the read-side tests of a module: korus-watch crawls the
local mirror, the mirror changes (an edit, a new statement with a hostile title, a removal), and it crawls again."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from starlette.types import ASGIApp

from archive.db import Database
from archive.identity import url_key
from archive.models import Statement, StatementKey
from korus_watch import app as composition
from korus_watch.settings import Settings
from testkit.mirror import MirrorServer, MirrorSite, MirrorStatement, korus_site
from testkit.mirror.fixtures import IPEF_PATH, SEED_EDIT, SEED_PATH
from testkit.notify_support import settings_from
from tests.conftest import PACE_OFF, KorusWatch, postgres_schema_url
from web.server import WebServer
from web.settings import HttpSettings

HOSTILE_TITLE = '<script>alert("title")</script> KORUS & <img src=x onerror="alert(1)"> tariffs'
HOSTILE_PARAGRAPHS = [
    'Washington, DC – The KORUS Joint Committee <b>met</b> today. <script>alert("body")</script>',
    "Officials discussed \"quotes\", 'apostrophes', the NEAR( operator and title:colons.",
    "###",
]


CHANNEL_SECRET = "hmac-secret-never-shown"
CHANNELS = f"""
[[channels]]
name = "ingest"
type = "webhook"
url = "http://127.0.0.1:9/korus-watch"
secret = "{CHANNEL_SECRET}"
mode = "instant"
topics = []
"""


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
                select(Statement.id).join(StatementKey).where(StatementKey.key == url_key(statement.path))
            )
        assert found is not None, f"{statement.path} is not archived"
        return found


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def module_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Like tests.conftest.database_url, for an archive that a whole module reads."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('archive') / 'archive.sqlite3'}"
    else:
        yield from postgres_schema_url("w")


def korus_watch_for(tmp: Path, database_url: str, mirror: MirrorServer) -> KorusWatch:
    config = tmp / "korus-watch.toml"
    config.write_text(f"[crawl]\n{PACE_OFF}timeout_seconds = 5\nretry_times = 1\n" + CHANNELS,
                      encoding="utf-8")
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


def settings_of(built: BuiltArchive, **http: Any) -> Settings:
    """The archive's configuration, with these `[http]` settings."""
    settings = settings_from(built.korus_watch.config.read_text(encoding="utf-8"))
    return settings.model_copy(update={"http": HttpSettings.model_validate(http)})


def web_app(built: BuiltArchive, **http: Any) -> FastAPI:
    """The web app over the archive as the composition root builds it, with these `[http]` settings."""
    return composition.web_app(built.db, settings_of(built, **http))


@contextmanager
def serving(app: ASGIApp, **http: Any) -> Iterator[str]:
    """Serves `app` with web.server.WebServer on 127.0.0.1 (a free port) in a thread with its own event loop, as the
    service serves it on its loop, with these `[http]` settings; yields the base URL."""
    server = WebServer(app, HttpSettings.model_validate({**http, "host": "127.0.0.1", "port": 0}))
    started = threading.Event()
    failure: list[BaseException] = []

    async def main() -> None:
        task = asyncio.create_task(server.serve())
        try:
            await server.wait_started()
        except BaseException as exc:
            failure.append(exc)
        started.set()
        await task

    thread = threading.Thread(target=lambda: asyncio.run(main()), name="web", daemon=True)
    thread.start()
    assert started.wait(15) and not failure, failure
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(15)
        assert not thread.is_alive(), "the web server did not stop"


@pytest.fixture(scope="module")
def web_url(built: BuiltArchive) -> Iterator[str]:
    with serving(web_app(built)) as url:
        yield url
