"""Serves a MirrorSite over HTTP/1.1 on 127.0.0.1, with conditional requests, latency, a timed request log and a
control API."""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from dataclasses import asdict, dataclass, replace
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from testkit.loopback import LoopbackHTTPServer
from testkit.mirror import control, timing
from testkit.mirror.site import MirrorSite, Reply

log = logging.getLogger(__name__)

CONTROL_PREFIX = "/_mirror/"


@dataclass(frozen=True)
class MirrorRequest:
    method: str
    path: str  # decoded
    query: str
    status: int
    if_none_match: str | None
    user_agent: str | None
    arrived: float = 0.0  # time.monotonic() when its request line was read
    finished: float | None = None  # when its answer had been written; None while it is being written


class RequestLog:
    """The requests answered, in the order their answers were ready. An entry is recorded before its answer is
    written, so that a client holding the answer finds it logged, and completed once the answer is out."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[MirrorRequest] = []
        self._dropped = 0  # entries cleared so far: a position stays valid across a clear

    def record(self, request: MirrorRequest) -> int:
        """Logs `request`; returns its position for `finish`."""
        with self._lock:
            self._entries.append(request)
            return self._dropped + len(self._entries) - 1

    def finish(self, position: int, when: float) -> None:
        with self._lock:
            index = position - self._dropped
            if 0 <= index < len(self._entries):  # else cleared meanwhile
                self._entries[index] = replace(self._entries[index], finished=when)

    def entries(self) -> list[MirrorRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._dropped += len(self._entries)
            self._entries.clear()

    def peak_requests_per_second(self, window: float = 1.0) -> int:
        """The most requests that arrived within any `window` seconds (a sliding window, not calendar seconds)."""
        return timing.peak_per_window((r.arrived for r in self.entries()), window)

    def peak_in_flight(self) -> int:
        """The most requests the mirror was answering at one instant, latency and hangs included (of the requests
        logged: one still waiting out its latency is not logged yet)."""
        return timing.peak_in_flight((r.arrived, r.finished) for r in self.entries())

    def summary(self, window: float = 1.0) -> dict[str, float | int | None]:
        """The timings in one JSON-ready document, for a mirror in another process (GET /_mirror/timing)."""
        entries = self.entries()
        finished = [r.finished for r in entries if r.finished is not None]
        first, last = (min(r.arrived for r in entries), max(finished, default=None)) if entries else (None, None)
        return {
            "requests": len(entries),
            "peak_requests_per_second": timing.peak_per_window((r.arrived for r in entries), 1.0),
            "window": window,
            "peak_requests_per_window": timing.peak_per_window((r.arrived for r in entries), window),
            "peak_in_flight": timing.peak_in_flight((r.arrived, r.finished) for r in entries),
            "first_arrival": first,
            "last_finish": last,
            "seconds": last - first if first is not None and last is not None else None,
        }


class ServingOptions:
    """How the mirror answers, beyond what the site answers: shared by a MirrorServer's restarts and changed
    through the control API."""

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency

    @property
    def latency(self) -> float:
        return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        if not isinstance(seconds, int | float) or not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError(f"latency must be a finite number of seconds >= 0, not {seconds!r}")
        self._latency = float(seconds)


class _Server(LoopbackHTTPServer):
    role = "mirror"

    def __init__(self, port: int, site: MirrorSite, request_log: RequestLog, options: ServingOptions) -> None:
        super().__init__(port, _Handler)
        self.site = site
        self.request_log = request_log
        self.options = options


def _not_modified(headers: Any, reply: Reply) -> bool:
    if reply.status != 200:
        return False
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:  # RFC 9110: If-Modified-Since is ignored when If-None-Match is present
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or reply.etag in tags
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since is None or reply.last_modified is None:
        return False
    try:
        return reply.last_modified <= parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: Nagle would hold the body back ~40 ms
    server: _Server
    arrived = 0.0

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests read MirrorServer.requests instead

    def parse_request(self) -> bool:
        # Called once the request line is in, before the headers: the arrival of a request on a kept-alive
        # connection, not of the connection.
        self.arrived = time.monotonic()
        return super().parse_request()

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_POST(self) -> None:
        path = self._path()
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length) if length else b""
        if not path.startswith(CONTROL_PREFIX):
            self._send(405, b"", "text/plain")
            return
        if path == CONTROL_PREFIX + "clear_log":
            self.server.request_log.clear()
            self._send_json(200, {"ok": True})
            return
        try:
            arguments = json.loads(payload or b"{}")
            if path == CONTROL_PREFIX + "latency":
                self.server.options.latency = arguments.get("seconds")
                self._send_json(200, {"ok": True, "latency": self.server.options.latency})
                return
            result = control.apply(self.server.site, path.removeprefix(CONTROL_PREFIX), arguments)
        except KeyError as error:
            self._send_json(404, {"error": str(error)})
        except (ValueError, TypeError) as error:
            self._send_json(400, {"error": str(error)})
        else:
            self._send_json(200, result)

    def _path(self) -> str:
        # A client that sends raw UTF-8 instead of percent-encoding arrives here decoded as Latin-1.
        raw = urlsplit(self.path).path.encode("latin-1", "replace").decode("utf-8", "replace")
        return unquote(raw)

    def _serve(self, *, send_body: bool) -> None:
        path, query = self._path(), urlsplit(self.path).query
        if path == CONTROL_PREFIX + "statements":
            self._send_json(200, {"paths": [s.path for s in self.server.site.statements]})
            return
        if path == CONTROL_PREFIX + "requests":
            self._send_json(200, {"requests": [asdict(r) for r in self.server.request_log.entries()]})
            return
        if path == CONTROL_PREFIX + "timing":
            try:
                window = float(parse_qs(query).get("window", ["1"])[0])
                self._send_json(200, self.server.request_log.summary(window))
            except ValueError as error:
                self._send_json(400, {"error": str(error)})
            return
        reply = self.server.site.respond(path, query)
        # Latency counts from the arrival, so that rendering a page does not add to it; a hang comes on top.
        wait = self.arrived + self.server.options.latency + reply.delay - time.monotonic()
        if wait > 0:
            self.server.stopping.wait(wait)  # a stop cuts the wait short
        status = 304 if _not_modified(self.headers, reply) else reply.status
        position = self.server.request_log.record(MirrorRequest(
            self.command, path, query, status, self.headers.get("If-None-Match"), self.headers.get("User-Agent"),
            self.arrived,
        ))
        headers = {}
        if reply.etag:
            headers["ETag"] = reply.etag
        if reply.last_modified:
            headers["Last-Modified"] = format_datetime(reply.last_modified, usegmt=True)
        if reply.location:
            headers["Location"] = reply.location
        if reply.retry_after is not None:
            headers["Retry-After"] = str(reply.retry_after)
        try:
            if status == 304:
                self._send(304, None, None, headers)
            else:
                self._send(status, reply.body, reply.content_type, headers, send_body=send_body)
        finally:
            self.server.request_log.finish(position, time.monotonic())

    def _send_json(self, status: int, document: object) -> None:
        self._send(status, json.dumps(document, ensure_ascii=False).encode(), "application/json; charset=utf-8")

    def _send(
        self, status: int, body: bytes | None, content_type: str | None, headers: dict[str, str] | None = None,
        *, send_body: bool = True,
    ) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body is not None:  # a 304 has no body and so no length
            self.send_header("Content-Type", content_type or "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and send_body:
            self.wfile.write(body)


class MirrorServer:
    """A MirrorSite served on an ephemeral port of 127.0.0.1 from a background thread per connection.

    With `latency`, every answer (304s and errors included, the control API's not) leaves no sooner than that many
    seconds after its request arrived, as from a distant server: a crawler's concurrency then shows in its
    throughput. The waits block nothing but their own connection."""

    def __init__(self, site: MirrorSite, port: int = 0, *, latency: float = 0.0) -> None:
        self.site = site
        self._port = port
        self._log = RequestLog()
        self._options = ServingOptions(latency)
        self._server: _Server | None = None

    def start(self) -> MirrorServer:
        """Starts serving; after a stop, on the same port again."""
        self._server = _Server(self._port, self.site, self._log, self._options)
        self._port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name="mirror", daemon=True).start()
        log.info("mirror serving on %s", self.base_url)
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.stop()
        self._server = None

    @property
    def base_url(self) -> str:
        if not self._port:
            raise RuntimeError("the mirror has not been started")
        return f"http://127.0.0.1:{self._port}"

    def url(self, path: str) -> str:
        """The absolute URL of a (decoded) path, percent-encoded as a browser sends it."""
        return self.base_url + quote(path)

    @property
    def latency(self) -> float:
        """Seconds an answer waits after its request arrived; a change holds for the requests arriving after it."""
        return self._options.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self._options.latency = seconds

    @property
    def requests(self) -> list[MirrorRequest]:
        """Every request answered so far but those to the control API (since the last clear_log)."""
        return self._log.entries()

    @property
    def request_log(self) -> RequestLog:
        """The log behind `requests`, with its timing peaks."""
        return self._log

    def clear_log(self) -> None:
        self._log.clear()

    def __enter__(self) -> MirrorServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None,
    ) -> None:
        self.stop()
