"""A PostgreSQL cluster of a test's own, for tests that stop the database on purpose.

The shared server on 127.0.0.1:5432 must never go down under other tests, so a test that needs an outage starts
its own cluster from Debian's server binaries, on a free port of 127.0.0.1, and crashes that one instead.

Use the `private_postgres` fixture by naming it in a test module, where pytest finds fixtures (tests/conftest.py
stays as it is). `from tests.pgcluster import private_postgres` works too, but ruff then reports F401 at the import
and F811 at every test taking the fixture; an assignment is neither::

    from tests import pgcluster
    from tests.pgcluster import PostgresCluster

    private_postgres = pgcluster.private_postgres

    def test_outage(private_postgres: PostgresCluster) -> None:
        private_postgres.crash()
"""

from __future__ import annotations

import atexit
import logging
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

import psycopg
import pytest

log = logging.getLogger(__name__)

PG_ROOT = Path("/usr/lib/postgresql")
SERVER_USER = "postgres"  # initdb and postgres refuse to run as root
StopMode = Literal["smart", "fast", "immediate"]
# Where clusters live unless KORUS_WATCH_TEST_PG_ROOT says otherwise: memory, because this disk is slow with many
# small files (initdb 2.5 s and copying a cluster's 1,000 files 1.2 s on /tmp, 1.0 s and 0.1 s on /dev/shm). A
# crash here kills processes, not the machine, so what was committed survives it in memory just the same.
SHM = Path("/dev/shm")


class ClusterError(RuntimeError):
    """initdb or pg_ctl failed; the message carries the end of the server log."""


def server_bin_dir() -> Path:
    """The newest installed server version's bin directory (initdb and pg_ctl are not on PATH on Debian)."""
    override = os.environ.get("KORUS_WATCH_TEST_PG_BIN")
    if override:
        return Path(override)
    versions = sorted((p for p in PG_ROOT.glob("*/bin") if (p / "initdb").exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if not versions:
        raise ClusterError(f"no PostgreSQL server binaries under {PG_ROOT} (apt-get install postgresql)")
    return versions[-1]


def data_root() -> Path:
    """The directory clusters are made in: world-writable, reachable by the server user, short enough a path for
    the Unix socket inside the data directory (107 bytes at most)."""
    override = os.environ.get("KORUS_WATCH_TEST_PG_ROOT")
    if override:
        return Path(override)
    return SHM if SHM.is_dir() and os.access(SHM, os.W_OK) else Path(tempfile.gettempdir())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_alive(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie (a daemonised postmaster is reaped by init, later)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


class _ServerUser:
    """Runs the server binaries as `postgres` when this process is root, and as itself otherwise."""

    def __init__(self) -> None:
        self.as_root = os.geteuid() == 0
        account = pwd.getpwnam(SERVER_USER) if self.as_root else pwd.getpwuid(os.geteuid())
        self.uid, self.gid = account.pw_uid, account.pw_gid

    def run(self, *command: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        argv = [str(part) for part in command]
        if self.as_root:
            argv = ["runuser", "-u", SERVER_USER, "--", *argv]
        # cwd "/": runuser keeps root's cwd, which the server user may not be allowed to enter.
        return subprocess.run(argv, cwd="/", capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "LC_ALL": "C"})

    def owns(self, path: Path) -> None:
        if self.as_root:
            os.chown(path, self.uid, self.gid)


class _Templates:
    """One initdb per test process (per directory and server version): each cluster starts as a copy of it, which
    takes 0.1 s instead of initdb's 1 s."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._homes: dict[tuple[Path, Path], Path] = {}

    def data_dir(self, user: _ServerUser, bin_dir: Path, root: Path) -> Path:
        with self._lock:
            home = self._homes.get((root, bin_dir))
            if home is None:
                home = Path(tempfile.mkdtemp(prefix="korus-pg-template-", dir=root))
                user.owns(home)
                started = time.monotonic()
                result = user.run(bin_dir / "initdb", "-D", home / "data", "-U", "postgres", "--auth=trust",
                                  "--encoding=UTF8", "--locale=C", "--no-sync")
                if result.returncode != 0:
                    shutil.rmtree(home, ignore_errors=True)
                    raise ClusterError(f"initdb failed ({result.returncode}):\n{result.stdout}{result.stderr}")
                log.info("initdb of the template cluster took %.2f s", time.monotonic() - started)
                self._homes[(root, bin_dir)] = home
            return home / "data"

    def remove(self) -> None:
        with self._lock:
            for home in self._homes.values():
                shutil.rmtree(home, ignore_errors=True)
            self._homes.clear()


_TEMPLATES = _Templates()
_LIVE: set[PostgresCluster] = set()  # stopped at exit if a test forgot to


@atexit.register
def _clean_up_at_exit() -> None:
    for cluster in list(_LIVE):
        cluster.close()
    _TEMPLATES.remove()


class PostgresCluster:
    """A throwaway PostgreSQL cluster: trust auth, superuser `postgres`, 127.0.0.1 on a free port, its socket in
    its data directory. `start` after `stop` or `crash` brings the same data back on the same port.

    The cluster lives in a fresh directory under `root` (default: data_root(), not tmp_dir: pytest's tmp_path is
    under a root-only 0700 directory the server user cannot enter); `close` deletes it and keeps its server log
    in tmp_dir. `fsync` is off: a crash here is a killed server, not a lost machine, so what was committed is
    still there when it starts again, and the tests run faster."""

    def __init__(
        self, tmp_dir: Path, *, port: int = 0, bin_dir: Path | None = None, root: Path | None = None,
    ) -> None:
        self._user = _ServerUser()
        self._bin = bin_dir or server_bin_dir()
        self.tmp_dir = Path(tmp_dir)
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        self._root = root or data_root()
        self.home = Path(tempfile.mkdtemp(prefix="korus-pg-", dir=self._root))
        self._user.owns(self.home)
        self.data_dir = self.home / "data"
        self.log_path = self.home / "server.log"
        self._port = port
        self._port_settled = bool(port)  # a given port, or one a start has used, is kept: it is in the service's URL
        self._initialised = False
        self._closed = False
        self.start_seconds: float | None = None  # how long the last start took, initdb or copy included

    # -- life cycle

    def start(self) -> Self:
        """Starts the server (creating the cluster on first use) and waits until it accepts connections."""
        if self._closed:
            raise ClusterError("this cluster was closed")
        if self.running:
            return self
        started = time.monotonic()
        if not self._initialised:
            self._create()
        _LIVE.add(self)
        for attempt in range(3):
            if not self._port:
                self._port = free_port()
            result = self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.log_path), "-o", self._options())
            if result.returncode == 0:
                break
            tail = self._log_tail()
            if not self._port_settled and attempt < 2 and ("could not bind" in tail or "already in use" in tail):
                log.info("port %d was taken before the server bound it; trying another", self._port)
                self._port = 0
                continue
            raise ClusterError(f"pg_ctl start failed ({result.returncode}) on port {self._port}:\n"
                               f"{result.stdout}{result.stderr}\n--- {self.log_path}:\n{self._log_tail()}")
        self._port_settled = True
        self.start_seconds = time.monotonic() - started
        log.info("private PostgreSQL on %s started in %.2f s", self.url, self.start_seconds)
        return self

    def stop(self, mode: StopMode = "fast") -> None:
        """Stops the server: `fast` rolls back and disconnects clients cleanly, `immediate` is a crash."""
        pid = self._postmaster_pid()
        if pid is None or not process_alive(pid):
            return
        result = self._pg_ctl("stop", "-w", "-t", "60", "-m", mode)
        if result.returncode != 0 and self.running:
            raise ClusterError(f"pg_ctl stop -m {mode} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
        # pg_ctl returns once postmaster.pid is gone, which the postmaster deletes just before it exits.
        deadline = time.monotonic() + 10
        while process_alive(pid):
            if time.monotonic() > deadline:
                raise ClusterError(f"the postmaster {pid} is still alive 10 s after pg_ctl stop -m {mode}")
            time.sleep(0.01)
        log.info("private PostgreSQL on port %d stopped (%s)", self._port, mode)

    def crash(self) -> None:
        """An outage as a service sees it: every backend dies at once, no checkpoint, connections reset."""
        self.stop("immediate")

    def close(self) -> None:
        """Stops the server for good and deletes the cluster, keeping a copy of its log in tmp_dir."""
        if self._closed:
            return
        try:
            self.stop("immediate")  # its data is about to be deleted: no need for a clean shutdown
        finally:
            self._closed = True
            _LIVE.discard(self)
            if self.log_path.exists():
                try:
                    shutil.copyfile(self.log_path, self.tmp_dir / f"postgres-{self._port or 'unstarted'}.log")
                except OSError:
                    pass  # tmp_dir may already be gone
            shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- state

    @property
    def running(self) -> bool:
        """Whether the postmaster is alive (its pid read from postmaster.pid, as pg_ctl does)."""
        pid = self._postmaster_pid()
        return pid is not None and process_alive(pid)

    @property
    def port(self) -> int:
        if not self._port:
            raise ClusterError("the cluster has not been started")
        return self._port

    @property
    def url(self) -> str:
        """The superuser's URL of the `postgres` database."""
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Creates database `name` and returns its URL."""
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def server_log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    # -- helpers

    def _postmaster_pid(self) -> int | None:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def _create(self) -> None:
        template = _TEMPLATES.data_dir(self._user, self._bin, self._root)
        result = self._user.run("cp", "-a", template, self.data_dir)
        if result.returncode != 0:
            raise ClusterError(f"copying the template cluster failed: {result.stderr}")
        self._initialised = True

    def _options(self) -> str:
        return (f"-p {self._port} -k {self.data_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c full_page_writes=off -c logging_collector=off")

    def _pg_ctl(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return self._user.run(self._bin / "pg_ctl", "-D", self.data_dir, *arguments)

    def _log_tail(self, lines: int = 25) -> str:
        return "\n".join(self.server_log().splitlines()[-lines:])

    def __repr__(self) -> str:
        state = "closed" if self._closed else "running" if self.running else "stopped"
        return f"<PostgresCluster {self.data_dir} port={self._port or None} {state}>"


@pytest.fixture
def private_postgres(tmp_path: Path) -> Iterator[PostgresCluster]:
    """A started cluster of this test's own; stopped and deleted afterwards, whatever the test did."""
    cluster = PostgresCluster(tmp_path / "postgres")
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.close()
