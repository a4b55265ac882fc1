"""Serving an ASGI app with uvicorn: inside the service's event loop, or on its own for `korus-watch web`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

from web.settings import HttpSettings

log = logging.getLogger(__name__)


class _LoopServer(uvicorn.Server):
    """A uvicorn server that leaves the signals to its host: the service handles SIGTERM and SIGINT itself
    (loop.add_signal_handler) and stops the web server through WebServer.shutdown."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class _OwnServer(uvicorn.Server):
    """A uvicorn server with a process of its own (`korus-watch web`): SIGINT and SIGTERM stop it as they stop
    uvicorn's, and the process then exits 0, as `serve` does. (uvicorn raises the signal again once it has stopped, so
    that the process ends killed by it: status -15, 143 in a shell, after a clean stop.)"""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


# How long an idle connection stays open: nginx's default, where uvicorn's is 5 s. A reader who opens a page every
# few seconds keeps one connection, and a reverse proxy that reuses its connections (its idle timeout below this
# one) never sends a request on a connection this server is closing.
KEEP_ALIVE_SECONDS = 75


def _config(app: ASGIApp, http: HttpSettings) -> uvicorn.Config:
    # log_config=None: the host process has configured logging already; uvicorn's own would replace it.
    # Proxy headers only from http.forwarded_allow_ips: uvicorn's own default trusts 127.0.0.1, and any process on
    # the machine could then name the client it liked.
    return uvicorn.Config(app, host=http.host, port=http.port, lifespan="off", log_config=None, access_log=False,
                          proxy_headers=bool(http.forwarded_allow_ips),
                          forwarded_allow_ips=[str(network) for network in http.forwarded_allow_ips],
                          server_header=False, timeout_keep_alive=KEEP_ALIVE_SECONDS)


class WebServer:
    """`await server.serve()` runs until `shutdown()`, on the running event loop (the service's asyncio reactor
    loop): no thread, no second loop."""

    def __init__(self, app: ASGIApp, http: HttpSettings) -> None:
        self.address = f"{http.host}:{http.port}"
        self._server = _LoopServer(_config(app, http))

    async def serve(self) -> None:
        try:
            await self._server.serve()
        except SystemExit:  # uvicorn's answer to a port it cannot bind: not a reason to end the service's process
            raise OSError(f"the web app cannot listen on {self.address} (uvicorn logged why)") from None

    async def wait_started(self, timeout: float = 10.0) -> None:
        """Returns once the socket listens; raises TimeoutError otherwise (for instance when the port is taken,
        in which case serve() has ended with uvicorn's error in the log)."""
        async with asyncio.timeout(timeout):
            while not self._server.started:
                await asyncio.sleep(0.02)

    @property
    def port(self) -> int:
        """The port it listens on, known after wait_started (port 0 asks the system for a free one)."""
        return int(self._server.servers[0].sockets[0].getsockname()[1])

    def shutdown(self) -> None:
        """Stops accepting, lets requests in flight finish, and ends serve()."""
        self._server.should_exit = True


def run(app: ASGIApp, http: HttpSettings) -> None:
    """Serves `app` until SIGINT or SIGTERM, in a loop of its own (`korus-watch web`), and returns."""
    log.info("web app at http://%s:%d/", http.host, http.port)
    _OwnServer(_config(app, http)).run()
