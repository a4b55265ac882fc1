"""Shared fixtures: an archive on each backend, the local mirror, loopback SMTP and webhook servers, and korus-watch
as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from archive.db import Database
from testkit.mirror import MirrorServer, MirrorSite, korus_site
from testkit.servers import SmtpServer, WebhookReceiver, validate_slack

POSTGRES_ADMIN_URL = os.environ.get("KORUS_WATCH_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty archive: a SQLite file, or a schema of its own on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    else:
        yield from postgres_schema_url("t")


def postgres_schema_url(prefix: str) -> Iterator[str]:
    """The URL of a schema of its own on the PostgreSQL server, dropped with all it holds afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def site() -> MirrorSite:
    return korus_site()


@pytest.fixture
def mirror(site: MirrorSite) -> Iterator[MirrorServer]:
    server = MirrorServer(site).start()
    yield server
    server.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A webhook receiver; what is posted to /slack must be a payload Slack would take."""
    with WebhookReceiver() as server:
        server.expect("/slack", validate_slack)
        yield server


@dataclass
class KorusWatch:
    """korus-watch run as its users run it: a separate process with a config file."""

    config: Path
    env: dict[str, str]

    def run(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "korus_watch", *args],
            cwd=REPO, env=self.env, capture_output=True, text=True, timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"korus-watch {' '.join(args)} exited {result.returncode}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result


# Fast: the politeness policy's pace is off in tests that are not about it (tests/test_politeness.py turns it on).
PACE_OFF = "autothrottle = false\nmax_requests_per_second = 1000\n"


@pytest.fixture
def korus_watch(tmp_path: Path, database_url: str, mirror: MirrorServer) -> KorusWatch:
    config = tmp_path / "korus-watch.toml"
    config.write_text(
        "[crawl]\n"
        f"{PACE_OFF}"
        "timeout_seconds = 5\n"
        "retry_times = 1\n"
        "guard_min_pages = 5\n",
        encoding="utf-8",
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KORUS_WATCH_")},
        "KORUS_WATCH_CONFIG": str(config),
        "KORUS_WATCH_DATABASE__URL": database_url,
        "KORUS_WATCH_CRAWL__BASE_URL": mirror.base_url,
    }
    return KorusWatch(config=config, env=env)
