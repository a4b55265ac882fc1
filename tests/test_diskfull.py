"""The filling filesystem: a real tmpfs, real ENOSPC, and a SQLite archive in another process running out of it."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests import diskfull
from tests.diskfull import MountError, TmpfsDisk, size_in_bytes

small_disk = diskfull.small_disk  # the fixture, found by pytest in this module's namespace

REPO = Path(__file__).resolve().parents[1]
MB = 1024 * 1024

# Inserts 16 KB rows into a SQLite file (WAL, as korus-watch's archive) until it has `rows` or the disk is full.
SQLITE_WRITER = textwrap.dedent("""
    import sqlite3, sys
    path, rows = sys.argv[1], int(sys.argv[2])
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE IF NOT EXISTS versions (id INTEGER PRIMARY KEY, body BLOB)")
    written = 0
    try:
        for _ in range(rows):
            with connection:
                connection.execute("INSERT INTO versions (body) VALUES (randomblob(16384))")
            written += 1
    except sqlite3.OperationalError as error:
        print(f"written={written} error={error}")
        sys.exit(3)
    print(f"written={written}")
""")


def write_until_full(path: Path, chunk: int = 64 * 1024) -> int:
    """Appends to `path` until the filesystem refuses; returns the bytes that made it."""
    written = 0
    with path.open("ab", buffering=0) as file:
        while True:
            try:
                written += file.write(b"x" * chunk)
            except OSError as error:
                assert error.errno == errno.ENOSPC, error
                return written


def test_writes_fail_with_enospc_until_the_disk_grows(small_disk: TmpfsDisk) -> None:
    assert small_disk.mounted and os.path.ismount(small_disk.mountpoint)
    assert small_disk.capacity == 3 * MB
    data = small_disk.mountpoint / "data"
    written = write_until_full(data)
    assert 2.5 * MB < written <= 3 * MB and small_disk.free < 64 * 1024
    with pytest.raises(OSError) as full:
        (small_disk.mountpoint / "more").write_bytes(b"y" * 65536)
    assert full.value.errno == errno.ENOSPC

    small_disk.grow("8m")
    assert small_disk.capacity == 8 * MB and data.stat().st_size == written  # nothing lost by the remount
    (small_disk.mountpoint / "more").write_bytes(b"y" * MB)
    assert write_until_full(data) > 3 * MB
    with pytest.raises(ValueError, match="smaller"):
        small_disk.grow("1m")


def test_a_sqlite_archive_in_another_process_runs_out_and_recovers(small_disk: TmpfsDisk) -> None:
    archive = small_disk.mountpoint / "archive.sqlite3"

    def writer(rows: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", SQLITE_WRITER, str(archive), str(rows)],
                              capture_output=True, text=True, timeout=60)

    full = writer(10_000)
    assert full.returncode == 3 and "database or disk is full" in full.stdout, full.stdout + full.stderr
    stored = int(full.stdout.split()[0].removeprefix("written="))
    assert stored > 50  # 3 MB took a good share of 16 KB rows before the disk filled

    small_disk.grow("16m")
    again = writer(100)
    assert again.returncode == 0, again.stdout + again.stderr
    with sqlite3.connect(archive) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("SELECT count(*) FROM versions").fetchone() == (stored + 100,)


def test_max_page_count_caps_only_its_own_connection(tmp_path: Path) -> None:
    """Why the disk is a tmpfs: the SQLite cap is neither shared with other connections nor stored in the file."""
    path = tmp_path / "capped.sqlite3"
    capped = sqlite3.connect(path)
    capped.execute("CREATE TABLE t (body BLOB)")
    capped.execute("PRAGMA max_page_count = 20")
    with pytest.raises(sqlite3.OperationalError, match="full"), capped:
        capped.execute("INSERT INTO t VALUES (randomblob(200000))")
    with sqlite3.connect(path) as other:  # another connection, as korus-watch's process would open
        other.execute("INSERT INTO t VALUES (randomblob(200000))")
        assert other.execute("PRAGMA max_page_count").fetchone()[0] > 1_000_000
    capped.close()


def test_fill_leaves_the_room_asked_for(small_disk: TmpfsDisk) -> None:
    ballast = small_disk.fill(leave=256 * 1024)
    assert 256 * 1024 - 4096 <= small_disk.free <= 256 * 1024 + 4096 and ballast.stat().st_size > 2 * MB
    (small_disk.mountpoint / "fits").write_bytes(b"z" * 200 * 1024)
    with pytest.raises(OSError) as full:
        (small_disk.mountpoint / "does-not-fit").write_bytes(b"z" * 200 * 1024)
    assert full.value.errno == errno.ENOSPC
    ballast.unlink()  # deleting files frees room, as on a real disk
    (small_disk.mountpoint / "does-not-fit").write_bytes(b"z" * 200 * 1024)


def test_unmount_even_while_a_process_holds_a_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    disk = TmpfsDisk(tmp_path / "busy", "1m").mount()
    (disk.mountpoint / "held").write_text("x")
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; f = open(sys.argv[1]); time.sleep(60)",
                               str(disk.mountpoint / "held")])
    try:
        for _ in range(100):  # until the child has the file open
            if any(os.path.realpath(f"/proc/{holder.pid}/fd/{fd}") == str(disk.mountpoint / "held")
                   for fd in os.listdir(f"/proc/{holder.pid}/fd")):
                break
            subprocess.run(["sleep", "0.05"])
        disk.unmount()  # plain umount says "target is busy"; the lazy one detaches it
        assert not disk.mounted and not os.path.ismount(disk.mountpoint)
        assert "target is busy" in caplog.text and "detaching it lazily" in caplog.text
    finally:
        holder.kill()
        holder.wait()


def test_a_failed_mount_says_why(tmp_path: Path) -> None:
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    with pytest.raises(MountError, match=r"`mount -t tmpfs .*` failed \(\d+\): .*not a directory"):
        TmpfsDisk(not_a_directory).mount()
    with pytest.raises(MountError, match="cannot create the mount point"):
        TmpfsDisk(not_a_directory / "disk").mount()
    assert size_in_bytes("3m") == 3 * MB and size_in_bytes("256K") == 256 * 1024 and size_in_bytes(4096) == 4096
    with pytest.raises(ValueError, match="not a size"):
        size_in_bytes("3 megabytes")


def test_the_fixture_fails_loudly_where_mounting_is_not_allowed(tmp_path: Path) -> None:
    """Root without CAP_SYS_ADMIN, as in an unprivileged container: the test using the fixture errors, with the
    reason; it is not skipped. And a test that fails leaves no mount behind."""
    (tmp_path / "test_disk.py").write_text(textwrap.dedent(f"""
        from pathlib import Path
        from tests import diskfull

        small_disk = diskfull.small_disk

        def test_uses_the_disk(small_disk):
            Path({str(tmp_path / "mountpoint.txt")!r}).write_text(str(small_disk.mountpoint))
            raise AssertionError("the test failed")
    """))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    command = [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", str(tmp_path / "test_disk.py")]
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    unprivileged = subprocess.run(["setpriv", "--bounding-set", "-sys_admin", *command], cwd=tmp_path, env=env,
                                  capture_output=True, text=True, timeout=120)
    output = unprivileged.stdout + unprivileged.stderr
    assert unprivileged.returncode == 1 and "1 error" in output and "skipped" not in output, output
    assert "small_disk: cannot mount a tmpfs" in output and "needs root (CAP_SYS_ADMIN)" in output, output

    privileged = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert privileged.returncode == 1 and "the test failed" in privileged.stdout, privileged.stdout
    mountpoint = (tmp_path / "mountpoint.txt").read_text()
    assert not os.path.ismount(mountpoint) and mountpoint not in Path("/proc/self/mounts").read_text()
