"""A filesystem that fills up, for an archive that runs out of disk in a korus-watch process of its own.

A small tmpfs mounted for the test is the only cap another process cannot get around: SQLite's
`PRAGMA max_page_count` holds for the connection that set it and is not stored in the file, so a korus-watch
subprocess opening the archive would never see it. Growing the tmpfs (a remount) frees space without touching
the files on it, as an operator freeing disk would.

Mounting needs root (CAP_SYS_ADMIN). Where it fails, the `small_disk` fixture fails the test with the reason:
a test that means to fill a disk and silently skips proves nothing. Use it by naming it in a test module::

    from tests import diskfull
    from tests.diskfull import TmpfsDisk

    small_disk = diskfull.small_disk

    def test_disk_full(small_disk: TmpfsDisk) -> None: ...
"""

from __future__ import annotations

import atexit
import errno
import logging
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Self

import pytest

log = logging.getLogger(__name__)

DEFAULT_SIZE = "3m"
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_LIVE: set[TmpfsDisk] = set()  # unmounted at exit if a test forgot to


class MountError(RuntimeError):
    """mount or a remount failed; the message says what was run and what it answered."""


def size_in_bytes(size: int | str) -> int:
    """Bytes from an int or a size as mount(8) writes it for tmpfs: "3m", "256k", "1g"."""
    if isinstance(size, int):
        return size
    match = re.fullmatch(r"\s*(\d+)\s*([kmg]?)\s*", size.lower())
    if match is None:
        raise ValueError(f"not a size: {size!r} (bytes, or a number with k, m or g)")
    return int(match[1]) * _UNITS[match[2]]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), capture_output=True, text=True, timeout=30, env={**os.environ, "LC_ALL": "C"})


class TmpfsDisk:
    """A tmpfs of a fixed size mounted at `mountpoint`, so that writes beyond it fail with ENOSPC.

    `grow` and `resize` remount it with another size and keep its files; `unmount` (or leaving the context) always
    takes it down, lazily when a process still has files open on it."""

    def __init__(self, mountpoint: Path, size: int | str = DEFAULT_SIZE) -> None:
        self.mountpoint = Path(mountpoint)
        self._size = size_in_bytes(size)
        self._mounted = False

    def mount(self) -> Self:
        if self._mounted:
            return self
        if not self.mountpoint.exists():
            try:
                self.mountpoint.mkdir(parents=True)
            except OSError as error:
                raise MountError(f"cannot create the mount point {self.mountpoint}: {error}") from error
        self._mount("mount", "-t", "tmpfs", "-o", f"size={self._size},mode=0755", "tmpfs", str(self.mountpoint))
        self._mounted = True
        _LIVE.add(self)
        if not os.path.ismount(self.mountpoint):
            self.unmount()
            raise MountError(f"mount reported success but {self.mountpoint} is not a mount point")
        log.info("tmpfs of %d bytes mounted at %s", self.capacity, self.mountpoint)
        return self

    def resize(self, size: int | str) -> None:
        """Remounts with `size`: files stay. Shrinking below what is in use fails (tmpfs refuses it)."""
        if not self._mounted:
            raise MountError(f"{self.mountpoint} is not mounted")
        new_size = size_in_bytes(size)
        self._mount("mount", "-o", f"remount,size={new_size}", str(self.mountpoint))
        self._size = new_size
        log.info("tmpfs at %s resized to %d bytes", self.mountpoint, self.capacity)

    def grow(self, size: int | str) -> None:
        """Gives the filesystem `size` in all (not `size` more): room for the writes that failed."""
        if size_in_bytes(size) < self._size:
            raise ValueError(f"{size!r} is smaller than the current {self._size} bytes; use resize to shrink")
        self.resize(size)

    def fill(self, leave: int = 0, name: str = "ballast") -> Path:
        """Writes a ballast file until at most `leave` bytes are free, so that the next large write fails."""
        ballast = self.mountpoint / name
        chunk = b"\0" * 65536
        with ballast.open("ab", buffering=0) as file:  # unbuffered: a failed write leaves nothing to flush at close
            while (room := self.free - leave) > 0:
                try:
                    file.write(chunk[:min(room, len(chunk))])
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
                    break
        return ballast

    def unmount(self) -> None:
        if not self._mounted:
            return
        result = _run("umount", str(self.mountpoint))
        if result.returncode != 0:
            # A process (a korus-watch child the test left running) still holds a file: detach it now, the kernel
            # frees the memory when the last file closes.
            log.warning("umount %s failed (%s); detaching it lazily", self.mountpoint, result.stderr.strip())
            lazy = _run("umount", "-l", str(self.mountpoint))
            if lazy.returncode != 0:
                raise MountError(f"umount -l {self.mountpoint} failed: {lazy.stderr.strip()}")
        self._mounted = False
        _LIVE.discard(self)

    # -- state

    @property
    def mounted(self) -> bool:
        return self._mounted and os.path.ismount(self.mountpoint)

    @property
    def capacity(self) -> int:
        """The filesystem's size in bytes as the kernel reports it (the size asked for, rounded up to pages)."""
        stats = os.statvfs(self.mountpoint)
        return stats.f_blocks * stats.f_frsize

    @property
    def free(self) -> int:
        stats = os.statvfs(self.mountpoint)
        return stats.f_bavail * stats.f_frsize

    def __enter__(self) -> Self:
        return self.mount()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None,
    ) -> None:
        self.unmount()

    def __repr__(self) -> str:
        return f"<TmpfsDisk {self.mountpoint} {self._size} bytes{' mounted' if self._mounted else ''}>"

    def _mount(self, *command: str) -> None:
        result = _run(*command)
        if result.returncode == 0:
            return
        lines = (result.stderr or result.stdout).strip().splitlines()
        answer = " ".join(line.strip() for line in lines if "dmesg(1)" not in line).rstrip(".")
        hint = ""
        if os.geteuid() != 0 or "permission denied" in answer.lower() or "must be superuser" in answer.lower():
            hint = (" Mounting a tmpfs needs root (CAP_SYS_ADMIN); in a container, run it with --privileged or "
                    "--cap-add SYS_ADMIN.")
        raise MountError(f"`{' '.join(command)}` failed ({result.returncode}): {answer}.{hint}")


@atexit.register
def _unmount_forgotten_disks() -> None:
    for disk in list(_LIVE):
        try:
            disk.unmount()
        except MountError as error:
            log.error("%s", error)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[TmpfsDisk]:
    """A 3 MB tmpfs at tmp_path/"disk", unmounted afterwards whatever the test did. Fails (never skips) when it
    cannot be mounted."""
    disk = TmpfsDisk(tmp_path / "disk", DEFAULT_SIZE)
    failure = None
    try:
        disk.mount()
    except MountError as error:
        failure = str(error)
    if failure is not None:
        pytest.fail(f"small_disk: cannot mount a tmpfs: {failure}", pytrace=False)
    try:
        yield disk
    finally:
        disk.unmount()
