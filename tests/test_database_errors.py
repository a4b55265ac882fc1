"""An archive that cannot be opened, as users meet it: one line naming the database (its password masked) and what
to do, never a traceback, and the file left exactly as it was."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.db import Database
from tests.conftest import REPO

PASSWORD = "hunter2-secret"


def korus_watch(*args: str, database_url: str | None, home: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KORUS_WATCH_")}
    env["XDG_DATA_HOME"] = str(home / "data")  # the default archive's folder, on Linux
    if database_url is not None:
        env["KORUS_WATCH_DATABASE__URL"] = database_url
    return subprocess.run([sys.executable, "-m", "korus_watch", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert PASSWORD not in result.stderr + result.stdout
    return lines[0]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fingerprint(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    path = tmp_path / "archive.sqlite3"
    Database(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def read_only(archive: Path) -> Iterator[Path]:
    """The archive, read-only for this process: by its mode, or for root (whom modes do not stop) immutable."""
    if os.geteuid() != 0:
        archive.chmod(0o444)
        yield archive
        archive.chmod(0o644)
        return
    immutable = subprocess.run(["chattr", "+i", str(archive)], capture_output=True, text=True)
    if immutable.returncode != 0:  # fails loudly: a skip would pass for a test that checked nothing
        pytest.fail(f"cannot make the archive read-only for root (chattr +i: {immutable.stderr.strip()}); run the "
                    "tests as another user, or with CAP_LINUX_IMMUTABLE", pytrace=False)
    try:
        yield archive
    finally:
        subprocess.run(["chattr", "-i", str(archive)], check=True)


def test_an_unreachable_postgresql_server(tmp_path: Path) -> None:
    port = closed_port()
    line = one_line_error(korus_watch("status", database_url=f"postgresql://postgres:{PASSWORD}@127.0.0.1:{port}/test",
                                      home=tmp_path))
    assert f"postgresql://postgres:***@127.0.0.1:{port}/test" in line
    assert "connection refused" in line.lower() and "server running" in line, line


@pytest.mark.postgres
def test_a_postgresql_database_that_does_not_exist(tmp_path: Path) -> None:
    name = f"korus_missing_{uuid.uuid4().hex[:8]}"
    line = one_line_error(korus_watch("status", database_url=f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/{name}",
                                      home=tmp_path))
    assert f"postgresql://postgres:***@127.0.0.1:5432/{name}" in line
    assert "does not exist" in line and f"createdb -h 127.0.0.1 -p 5432 -U postgres {name}" in line, line


@pytest.mark.parametrize("url", [f"mysql://watch:{PASSWORD}@db.example.org/archive",
                                 f"postgresql+psycopg2://watch:{PASSWORD}@db.example.org/archive",
                                 "not a url"])
def test_an_unsupported_database_url(tmp_path: Path, url: str) -> None:
    line = one_line_error(korus_watch("status", database_url=url, home=tmp_path))
    assert "database.url" in line and "sqlite:///" in line and "postgresql://" in line, line
    if "@" in url:
        assert "watch:***@db.example.org/archive" in line


def test_a_corrupted_sqlite_file_is_named_and_left_alone(tmp_path: Path, archive: Path) -> None:
    with archive.open("r+b") as file:
        file.write(b"not an archive any more " * 8)
    before = fingerprint(archive)
    for command in ("status", "crawl", "statements"):
        line = one_line_error(korus_watch(command, database_url=f"sqlite:///{archive}", home=tmp_path))
        assert str(archive) in line and "not a SQLite database or is damaged" in line and "backup" in line, line
    assert fingerprint(archive) == before


def test_a_read_only_sqlite_file_is_named_and_left_alone(tmp_path: Path, read_only: Path) -> None:
    before = fingerprint(read_only)
    for command in ("status", "crawl"):
        line = one_line_error(korus_watch(command, database_url=f"sqlite:///{read_only}", home=tmp_path))
        assert str(read_only) in line and "read-only" in line and "writable" in line, line
    assert fingerprint(read_only) == before


def test_a_sqlite_path_in_a_folder_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    mistyped = tmp_path / "archvie" / "archive.sqlite3"
    line = one_line_error(korus_watch("status", database_url=f"sqlite:///{mistyped}", home=tmp_path))
    assert f"{mistyped.parent} does not exist" in line and "database.url" in line, line
    assert not mistyped.parent.exists()


def test_the_default_archive_folder_is_created(tmp_path: Path) -> None:
    result = korus_watch("status", database_url=None, home=tmp_path)
    assert "no crawl yet" in result.stdout, result.stderr
    assert (tmp_path / "data" / "korus-watch" / "archive.sqlite3").is_file()
