"""The private PostgreSQL cluster: real initdb, pg_ctl and crashes, never the shared server."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from tests import pgcluster
from tests.pgcluster import PostgresCluster, process_alive

private_postgres = pgcluster.private_postgres  # the fixture, found by pytest in this module's namespace

REPO = Path(__file__).resolve().parents[1]
SHARED_PORT = 5432


def test_a_crash_is_an_outage_and_a_start_brings_the_data_back(
    private_postgres: PostgresCluster, record_property: Callable[[str, object], None],
) -> None:
    cluster = private_postgres
    assert cluster.running and cluster.port != SHARED_PORT
    assert cluster.url == f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres"
    record_property("start_seconds", cluster.start_seconds)
    with psycopg.connect(cluster.url, autocommit=True) as connection:
        connection.execute("CREATE TABLE outage (id int PRIMARY KEY, note text)")
        connection.execute("INSERT INTO outage VALUES (1, 'before the crash')")
    survivor = psycopg.connect(cluster.url, autocommit=True)

    cluster.crash()
    assert not cluster.running
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(cluster.url, connect_timeout=5)
    assert str(cluster.port) in str(refused.value) and "refused" in str(refused.value)
    with pytest.raises(psycopg.OperationalError):  # a connection open across the crash is broken, not hung
        survivor.execute("SELECT 1")
    survivor.close()

    started = time.monotonic()
    cluster.start()
    restart_seconds = time.monotonic() - started
    record_property("restart_seconds", restart_seconds)
    assert cluster.running and restart_seconds < 30
    with psycopg.connect(cluster.url) as connection:
        assert connection.execute("SELECT note FROM outage").fetchall() == [("before the crash",)]
    assert "not properly shut down; automatic recovery in progress" in cluster.server_log()


def test_fast_stop_and_restart_keep_the_port_and_databases(private_postgres: PostgresCluster) -> None:
    cluster = private_postgres
    port = cluster.port
    url = cluster.create_database("archive")
    assert url == f"postgresql://postgres@127.0.0.1:{port}/archive"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE TABLE t AS SELECT 42 AS answer")
    cluster.stop(mode="fast")
    assert not cluster.running
    cluster.stop()  # stopping a stopped cluster is a no-op
    cluster.start()
    assert cluster.port == port
    with psycopg.connect(url) as connection:
        assert connection.execute("SELECT answer FROM t").fetchone() == (42,)
        assert connection.execute("SHOW fsync").fetchone() == ("off",)
        # Its socket is in its data directory, not in /var/run/postgresql beside the shared server's.
        directory = connection.execute("SHOW unix_socket_directories").fetchone()
        assert directory == (str(cluster.data_dir),)


def test_the_shared_server_is_untouched(private_postgres: PostgresCluster) -> None:
    private_postgres.crash()
    shared = os.environ.get("KORUS_WATCH_TEST_POSTGRES", f"postgresql://postgres@127.0.0.1:{SHARED_PORT}/test")
    with psycopg.connect(shared, connect_timeout=5) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)


def test_two_clusters_side_by_side(tmp_path: Path) -> None:
    with PostgresCluster(tmp_path / "a") as a, PostgresCluster(tmp_path / "b") as b:
        assert a.port != b.port
        a.crash()
        with psycopg.connect(b.url) as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)
    assert not a.running and not b.running


def test_close_stops_deletes_and_keeps_the_log(tmp_path: Path) -> None:
    cluster = PostgresCluster(tmp_path).start()
    home, port = cluster.home, cluster.port
    cluster.close()
    cluster.close()  # twice is fine
    assert not cluster.running and not home.exists()
    kept = tmp_path / f"postgres-{port}.log"
    assert "database system is ready to accept connections" in kept.read_text()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", connect_timeout=5)
    PostgresCluster(tmp_path / "never").close()  # a cluster never started closes too


def test_the_fixture_stops_the_cluster_when_the_test_fails(tmp_path: Path) -> None:
    """Run in a pytest of its own, a failing test leaves no server behind and no data directory."""
    record = tmp_path / "cluster.txt"
    (tmp_path / "test_failing.py").write_text(textwrap.dedent(f"""
        from pathlib import Path
        from tests import pgcluster

        private_postgres = pgcluster.private_postgres

        def test_fails(private_postgres):
            pid = (private_postgres.data_dir / "postmaster.pid").read_text().split()[0]
            Path({str(record)!r}).write_text(f"{{pid}} {{private_postgres.home}}")
            raise AssertionError("the test failed")
    """))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "test_failing.py")],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1 and "the test failed" in result.stdout, result.stdout + result.stderr
    pid, home = record.read_text().split()
    assert not process_alive(int(pid)), "the postmaster outlived the failed test"
    assert not Path(home).exists()


def test_start_failure_names_the_cause(tmp_path: Path) -> None:
    with PostgresCluster(tmp_path / "first") as first:
        clash = PostgresCluster(tmp_path / "second", port=first.port)
        try:
            with pytest.raises(Exception, match=f"pg_ctl start failed .* on port {first.port}") as failed:
                clash.start()
            assert "could not" in str(failed.value)  # the server log's reason comes with it
        finally:
            clash.close()
