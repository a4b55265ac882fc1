"""`korus-watch serve` (or `korus-watch web`) as a real process for the tests: started with a test's configuration,
its log collected, its health endpoint and metrics read."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

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
    port: int = 0  # 0: a free port, picked again at start when another process has taken it meanwhile
    command: str = "serve"
    public_url: bool = False  # whether http.public_url is set, to the address it serves at (alerts link there)
    # Whether the address goes on the command line (`--host 127.0.0.1 --port N`, which `web` takes) instead of into
    # the environment, leaving the configuration's [http] address as it is.
    address_on_command_line: bool = False
    started_at: float = 0.0  # time.monotonic() when it was spawned
    lines: list[str] = field(default_factory=list)
    process: subprocess.Popen[str] | None = None
    _picked: bool = False
    _reader: threading.Thread | None = None

    def __post_init__(self) -> None:
        if self.port == 0:
            self.port, self._picked = free_port(), True

    def start(self, attempts: int = 3) -> Serve:
        """Spawns it and waits until it listens; when the port it was given was taken first (a free port picked
        earlier is free until some process binds it), on another free port."""
        for _ in range(attempts - 1):
            try:
                return self._start()
            except AssertionError:
                if not (self._picked and self._port_taken()):
                    raise
            self.port, self.lines = free_port(), []
        return self._start()

    def _start(self) -> Serve:
        self._spawn()
        self.wait_until(self.listening, "the HTTP port to answer")
        return self

    def _spawn(self) -> None:
        env, command = dict(self.korus_watch.env), [sys.executable, "-m", "korus_watch", self.command]
        if self.address_on_command_line:
            command += ["--host", "127.0.0.1", "--port", str(self.port)]
        else:
            env["KORUS_WATCH_HTTP__PORT"] = str(self.port)
        if self.public_url:
            env["KORUS_WATCH_HTTP__PUBLIC_URL"] = self.url
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(command, cwd=REPO, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self._reader = threading.Thread(target=self._read, args=(self.process, self.lines), daemon=True)
        self._reader.start()

    def _port_taken(self) -> bool:
        assert self.process is not None and self._reader is not None
        if self.process.poll() is None:
            return False
        self._reader.join(10)
        return any("address already in use" in line for line in self.lines)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def listening(self) -> bool:
        """Whether it has bound its port (uvicorn says so) and the port answers HTTP (`serve` at /healthz; `web`,
        which has no /healthz, with its 404): an answer alone may come from a process that took the port first."""
        if not any("Uvicorn running on" in line for line in self.lines):
            return False
        try:
            httpx.get(f"{self.url}/healthz", timeout=2)
        except httpx.TransportError:
            return False
        return True

    @staticmethod
    def _read(process: subprocess.Popen[str], lines: list[str]) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line.rstrip("\n"))

    def health(self) -> tuple[int, dict[str, Any]] | None:
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


def serve_starter(korus_watch: KorusWatch) -> Iterator[Callable[[], Serve]]:
    """The body of a fixture: a function that starts `serve` with this configuration, as often as a test calls it;
    what still runs when the test ends is killed."""
    started: list[Serve] = []

    def start() -> Serve:
        started.append(Serve(korus_watch).start())
        return started[-1]

    yield start
    for instance in started:
        if instance.process is not None and instance.process.poll() is None:
            instance.process.kill()
            instance.process.wait()
