"""Snapshots (issue 17): every response a poll reads is kept apart from what was read of it; a 304 confirms it;
`verify` finds a body altered or lost and nothing else crashes on one; housekeeping keeps what `keep_snapshots`
says; `export --warc` writes what warcio reads back and a replay tool serves; an archive from before upgrades in
place."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update
from warcio.archiveiterator import ArchiveIterator

from archive.db import Database
from archive.models import PageValidator, Snapshot, SnapshotBody, Statement, Version, utcnow
from archive.snapshots.bodies import digest
from archive.snapshots.retention import prune_snapshots
from korus_watch import app as composition
from korus_watch.settings import load_settings
from testkit.mirror import MirrorSite
from testkit.mirror.fixtures import SEED_PATH
from tests.conftest import KorusWatch

PYWB = "pywb==2.10.0"


def count(db: Database, model: type) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def seed(db: Database, korus_watch: KorusWatch) -> tuple[int, Snapshot]:
    """The seed statement's id and the snapshot its first version was read from."""
    statement_id = int(json.loads(korus_watch.run("show", SEED_PATH, "--json").stdout)["id"])
    with db.sessions() as session:
        version = session.scalars(select(Version).where(Version.statement_id == statement_id)).one()
        assert version.snapshot is not None
        return statement_id, version.snapshot


def test_a_poll_keeps_every_response_it_reads_and_a_304_confirms_it(
    korus_watch: KorusWatch, site: MirrorSite, db: Database
) -> None:
    korus_watch.run("crawl")
    with db.sessions() as session:
        versions = session.scalars(select(Version)).all()
        assert versions and all(v.snapshot_id is not None and v.extractor_version == "1" for v in versions)
        assert session.scalar(select(func.count()).where(Statement.snapshot_id.is_(None))) == 0
        urls = set(session.scalars(select(Snapshot.final_url)))
    assert any(url.endswith("/press-office/press-releases") for url in urls), "listing pages are kept too"
    statement_id, snapshot = seed(db, korus_watch)
    served = site.respond(SEED_PATH.replace("%E2%80%99", "’"))
    assert snapshot.body_sha256 == digest(served.body) and snapshot.status == 200
    assert ["Content-Type", "text/html; charset=utf-8"] in snapshot.headers
    assert any(name == "User-Agent" and "korus-watch/" in value for name, value in snapshot.request_headers)
    assert snapshot.confirmed_at is None
    # One body per distinct response, however many snapshots have it.
    with db.sessions() as session:
        assert session.scalar(select(func.count(func.distinct(Snapshot.body_sha256)))) == count(db, SnapshotBody)

    snapshots_before = count(db, Snapshot)
    korus_watch.run("crawl", "--full")
    with db.sessions() as session:
        confirmed = session.get_one(Snapshot, snapshot.id).confirmed_at
        latest = session.get_one(Statement, statement_id).snapshot_id
    assert confirmed is not None, "the seed answered 304 to its validators: its snapshot was confirmed"
    assert latest == snapshot.id
    assert count(db, Snapshot) == snapshots_before, "nothing answered with a body: nothing new kept"


def test_verify_names_an_altered_and_a_lost_body_which_crash_nothing(
    korus_watch: KorusWatch, db: Database, tmp_path: Path
) -> None:
    korus_watch.run("crawl")
    assert korus_watch.run("verify").stdout.strip().endswith("checked: no problem")
    statement_id, snapshot = seed(db, korus_watch)
    with db.sessions.begin() as session:
        session.execute(update(SnapshotBody).where(SnapshotBody.sha256 == snapshot.body_sha256)
                        .values(data=zlib.compress(b"<html>not what was fetched</html>")))

    verified = korus_watch.run("verify", check=False)
    assert verified.returncode == 1
    assert (f"body {snapshot.body_sha256}: was altered" in verified.stdout
            and f"statement {statement_id} version 1" in verified.stdout)
    assert verified.stdout.strip().endswith("checked: 1 problems")

    client = TestClient(composition.web_app(db, load_settings(korus_watch.config)))
    assert client.get(f"/statements/{statement_id}").status_code == 200
    shown = client.get(f"/snapshots/{snapshot.id}")
    assert shown.status_code == 410 and "was altered" in shown.text
    assert client.get(f"/api/v1/statements/{statement_id}/versions/1/snapshot/body").status_code == 410

    exported = korus_watch.run("export", "--warc", str(tmp_path / "a.warc.gz"), check=False)
    assert exported.returncode == 1 and f"snapshot {snapshot.id} " in exported.stdout
    assert (tmp_path / "a.warc.gz").stat().st_size > 0
    reread = korus_watch.run("reextract", check=False)
    assert reread.returncode == 1 and f"statement {statement_id} " in reread.stdout and ", 1 unreadable" in reread.stdout

    # A snapshot deleted behind the archive's back (foreign keys off, as the sqlite3 shell has them).
    other = count(db, Snapshot)
    if db.engine.dialect.name == "sqlite":
        with contextlib.closing(sqlite3.connect(str(db.engine.url.database))) as shell:  # foreign keys off
            shell.execute("DELETE FROM snapshots WHERE id = ?", (snapshot.id,))
            shell.commit()
    else:
        with db.engine.begin() as connection:
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(text("DELETE FROM snapshots WHERE id = :id"), {"id": snapshot.id})
    assert count(db, Snapshot) == other - 1
    verified = korus_watch.run("verify", check=False)
    assert verified.returncode == 1
    assert f"statement {statement_id} version 1: its snapshot {snapshot.id} is missing" in verified.stdout
    assert client.get(f"/snapshots/{snapshot.id}").status_code == 404
    assert client.get(f"/statements/{statement_id}").status_code == 200


def test_keep_snapshots_prunes_what_no_version_and_no_item_names(
    korus_watch: KorusWatch, site: MirrorSite, db: Database
) -> None:
    korus_watch.run("crawl")
    site.set_chrome("A new footer on every page")  # every page answers with a new body, the same statements
    korus_watch.run("crawl", "--full")
    total = count(db, Snapshot)
    with db.sessions.begin() as session:
        assert prune_snapshots(session, "all", utcnow()) == (0, 0)
        pruned, bodies = prune_snapshots(session, "versions", utcnow())
    assert pruned > 0 and bodies > 0 and count(db, Snapshot) == total - pruned
    with db.sessions() as session:
        kept = set(session.scalars(select(Snapshot.id)))
        named = {*session.scalars(select(Version.snapshot_id)), *session.scalars(select(Statement.snapshot_id)),
                 *session.scalars(select(PageValidator.snapshot_id).where(PageValidator.snapshot_id.is_not(None)))}
    assert named <= kept and kept == named, "exactly what a version, an item or a validator names is kept"
    assert korus_watch.run("verify").returncode == 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pywb_venv(cache: Path) -> Path | None:
    """A virtualenv with pywb (which cannot share korus-watch's: it pins brotlipy, which replaces Scrapy's brotli),
    made once and kept in pytest's cache; None when pip cannot install it here."""
    venv = cache / "pywb-venv"
    if (venv / "bin" / "wayback").exists():
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    installed = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", PYWB], capture_output=True, text=True,
                               timeout=600)
    return venv if installed.returncode == 0 else None


def replay_with_pywb(venv: Path, warc: Path, folder: Path, url: str, timestamp: str) -> bytes:
    """The body pywb's `wayback` serves for `url` from a collection holding `warc` (the identity mode, id_)."""
    subprocess.run([str(venv / "bin" / "wb-manager"), "init", "evidence"], cwd=folder, check=True,
                   capture_output=True)
    subprocess.run([str(venv / "bin" / "wb-manager"), "add", "evidence", str(warc)], cwd=folder, check=True,
                   capture_output=True)
    port = free_port()
    server = subprocess.Popen([str(venv / "bin" / "wayback"), "--port", str(port), "--bind", "127.0.0.1"],
                              cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/evidence/{timestamp}id_/{url}", timeout=10)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "wayback did not start"
                time.sleep(0.2)
        assert answer.status_code == 200, answer.text[:500]
        return answer.content
    finally:
        server.terminate()
        server.wait(10)


def replay_with_warcio(warc: Path, url: str) -> bytes:
    """The response record for `url` served over HTTP by warcio's reader: the fallback where pywb cannot install."""

    class Replay(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            with warc.open("rb") as stream:
                for record in ArchiveIterator(stream):
                    if record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI") == url:
                        body = record.content_stream().read()
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                        return
            self.send_error(404)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Replay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        return httpx.get(f"http://127.0.0.1:{server.server_port}/", timeout=10).content
    finally:
        server.shutdown()
        server.server_close()


def reading_of(payload: bytes) -> dict[str, Any]:
    """A metadata record's fields: one a line, each value JSON."""
    fields = (line.split(": ", 1) for line in payload.decode("utf-8").split("\r\n") if line)
    return {name: json.loads(value) for name, value in fields}


def test_a_warc_export_reads_back_passes_warcio_check_and_replays(
    korus_watch: KorusWatch, site: MirrorSite, db: Database, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    korus_watch.run("crawl")
    statement_id, snapshot = seed(db, korus_watch)
    warc = tmp_path / "archive.warc.gz"
    exported = korus_watch.run("export", "--warc", str(warc))
    assert exported.stdout.strip() == (f"export: {count(db, Snapshot)} snapshots and {count(db, Version)} versions "
                                       f"written to {warc}")
    checked = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", str(warc)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    with warc.open("rb") as stream:
        records = [(r.rec_type, r.rec_headers, r.content_stream().read()) for r in ArchiveIterator(stream)]
    assert records[0][0] == "warcinfo" and records[0][1].get_header("WARC-Type") == "warcinfo"
    (response,) = [r for r in records if r[0] == "response" and r[1].get_header("WARC-Target-URI") ==
                   snapshot.final_url]
    assert digest(response[2]) == snapshot.body_sha256
    assert response[1].get_header("WARC-Date").startswith(snapshot.fetched_at.strftime("%Y-%m-%dT%H:%M:%S"))
    (metadata,) = [r for r in records if r[0] == "metadata" and reading_of(r[2])["statement_id"] == statement_id]
    assert metadata[1].get_header("Content-Type") == "application/warc-fields"
    assert metadata[1].get_header("WARC-Refers-To") == response[1].get_header("WARC-Record-ID")
    reading = reading_of(metadata[2])
    with db.sessions() as session:
        version = session.scalars(select(Version).where(Version.statement_id == statement_id)).one()
    assert (reading["text"], reading["content_hash"], reading["extractor_version"]) == (
        version.body_text, version.content_hash, "1")
    assert sum(r[0] == "request" for r in records) == count(db, Snapshot)

    venv = None if os.environ.get("KORUS_WATCH_TEST_NO_PYWB") else pywb_venv(request.config.cache.mkdir("pywb"))
    if venv is not None:
        replayed = replay_with_pywb(venv, warc, tmp_path, snapshot.final_url,
                                    snapshot.fetched_at.strftime("%Y%m%d%H%M%S"))
    else:
        replayed = replay_with_warcio(warc, snapshot.final_url)
    assert digest(replayed) == snapshot.body_sha256


def test_an_archive_from_before_snapshots_upgrades_in_place(database_url: str, korus_watch: KorusWatch) -> None:
    from alembic import command
    from alembic.config import Config

    from archive.db import MIGRATIONS, create_archive_engine

    engine = create_archive_engine(database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0008")
        connection.execute(text(
            "INSERT INTO statements (id, source, url, section, title, status, missing_checks, first_seen_at, "
            "last_seen_at, last_checked_at) VALUES (1, 'press-office', 'https://ustr.gov/a', 'press-releases', "
            "'Before', 'active', 0, :now, :now, :now)"), {"now": utcnow()})
        connection.execute(text(
            "INSERT INTO versions (statement_id, number, title, body_text, body_html, content_hash, first_seen_at, "
            "last_seen_at) VALUES (1, 1, 'Before', 'Text.', '<p>Text.</p>', 'x', :now, :now)"), {"now": utcnow()})
    engine.dispose()

    history = json.loads(korus_watch.run("history", "1", "--json").stdout)  # migrates
    (version,) = history["versions"]
    assert (version["snapshot"], version["origin"], version["read_by"]) == (None, "crawl", None)
    client = TestClient(composition.web_app(Database(database_url), load_settings(korus_watch.config)))
    assert "no snapshot: archived before korus-watch kept the responses it read" in client.get("/statements/1").text
    missing = client.get("/api/v1/statements/1/versions/1/snapshot")
    assert missing.status_code == 404 and "has no snapshot" in missing.json()["detail"]
