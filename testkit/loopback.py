"""What the test doubles (the mirror, the webhook receiver, the SMTP server) share: a threaded HTTP/1.1 server on
127.0.0.1 (or another loopback address: a benchmark's sites on hosts of their own), and the life cycle of a server on
an ephemeral port."""

from __future__ import annotations

import logging
import signal
import socket
import socketserver
import sys
import threading
from abc import ABC, abstractmethod
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self

log = logging.getLogger(__name__)


class LoopbackHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True
    # Named in the log when a request handler fails.
    role = "loopback server"

    def __init__(self, port: int, handler: type[BaseHTTPRequestHandler], address: str = "127.0.0.1") -> None:
        super().__init__((address, port), handler)
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up in DNS, which can stall; the name is not needed.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.socket.getsockname()[:2]

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Hangs up on kept-alive clients too, so that a stopped server really is down."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the client

    def serve_in_background(self, name: str) -> None:
        threading.Thread(target=self.serve_forever, args=(0.05,), name=name, daemon=True).start()

    def stop_serving(self) -> None:
        """Ends the waits that watch `stopping`, stops serving, closes the socket and hangs up on kept-alive
        clients: the server really is down."""
        self.stopping.set()
        self.shutdown()
        self.server_close()
        self.close_connections()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("client %s went away", client_address)  # e.g. it timed out while a reply was delayed
        else:
            log.exception("%s failed on a request from %s", self.role, client_address)


class LoopbackService(ABC):
    """A test double serving on an ephemeral port of 127.0.0.1 from a background thread: a context manager, and
    after a stop, `start` serves on the same port again."""

    kind: ClassVar[str]  # named when the port is asked for too early
    _port: int = 0
    # Any of 127.0.0.0/8: the crawler paces each host by its name, so sites on two addresses are two hosts to it.
    address: str = "127.0.0.1"

    @abstractmethod
    def start(self) -> Self: ...

    @abstractmethod
    def stop(self) -> None: ...

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError(f"the {self.kind} has not been started")
        return self._port


class LoopbackHTTPService(LoopbackService):
    """A LoopbackService whose server is the LoopbackHTTPServer that `_new_server` makes."""

    _server: LoopbackHTTPServer | None = None

    @abstractmethod
    def _new_server(self, port: int) -> LoopbackHTTPServer: ...

    def start(self) -> Self:
        """Starts serving; after a stop, on the same port again."""
        self._server = self._new_server(self._port)
        self._port = self._server.server_port
        self._server.serve_in_background(self.kind)
        log.info("%s serving on %s", self.kind, self.base_url)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop_serving()
            self._server = None

    @property
    def base_url(self) -> str:
        return f"http://{self.address}:{self.port}"


def wait_for_termination() -> None:
    """Blocks until SIGTERM or SIGINT: a `python -m testkit...` server's foreground."""
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    stop.wait()
