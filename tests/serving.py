"""`korus-watch serve` (or `korus-watch web`) as a real process for the tests: started with a test's configuration,
its log collected, its health endpoint and metrics read."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from tests.conftest import REPO, KorusWatch


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Serve:
    """One `korus-watch serve` process (or `web`: `command="web"`), its log lines collected as they come."""

    korus_watch: KorusWatch
    port: int = field(default_factory=free_port)
    command: str = "serve"
    started_at: float = 0.0  # time.monotonic() when it was spawned
    lines: list[str] = field(default_factory=list)
    process: subprocess.Popen[str] | None = None

    def start(self) -> Serve:
        env = {**self.korus_watch.env, "KORUS_WATCH_HTTP__PORT": str(self.port)}
        self.started_at = time.monotonic()
        self.process = subprocess.Popen([sys.executable, "-m", "korus_watch", self.command], cwd=REPO, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_until(self.listening, "the HTTP port to answer")
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def listening(self) -> bool:
        """Whether the port answers HTTP (`serve` at /healthz; `web`, which has no /healthz, with its 404)."""
        try:
            httpx.get(f"{self.url}/healthz", timeout=2)
        except httpx.TransportError:
            return False
        return True

    def _read(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def health(self) -> tuple[int, dict[str, object]] | None:
        try:
            response = httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2)
        except httpx.TransportError:
            return None
        return response.status_code, response.json()

    def metrics(self) -> str:
        return httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=2).text

    def wait_until(self, condition: Callable[[], object], what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"{self.command} exited {self.process.returncode} waiting for {what}:\n" + self.log())
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}:\n" + self.log())

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)

    def log(self) -> str:
        return "\n".join(self.lines[-60:])
