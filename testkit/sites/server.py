"""Serves an imitation site over HTTP/1.1 on 127.0.0.1, with a request log and a control API: POST /_site/<mutation>
with the mutation's keyword arguments as JSON (for a site served by another process, e.g. `python -m testkit.sites`)."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from testkit.loopback import LoopbackHTTPServer, LoopbackHTTPService
from testkit.mirror.site import Reply

CONTROL_PREFIX = "/_site/"


class Site(Protocol):
    # The methods the control API may call.
    mutations: frozenset[str]

    def respond(self, path: str, query: str) -> Reply: ...


class _Server(LoopbackHTTPServer):
    role = "imitation site"

    def __init__(self, port: int, site: Site, requests: list[str], lock: threading.Lock, etags: bool,
                 address: str) -> None:
        super().__init__(port, _Handler, address)
        self.site = site
        self.etags = etags
        self.requests = requests
        self.requests_lock = lock


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: Nagle would hold the body back ~40 ms
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests read SiteServer.requests instead

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        with self.server.requests_lock:
            self.server.requests.append(self.path)
        reply = self.server.site.respond(unquote(parts.path), parts.query)
        headers = {"Location": reply.location} if reply.location else {}
        etag = reply.etag
        if etag is None and self.server.etags and reply.status == 200:
            etag = f'"{hashlib.sha256(reply.body).hexdigest()[:20]}"'
        if etag:
            headers["ETag"] = etag
            if reply.status == 200 and etag in (self.headers.get("If-None-Match") or "").split(", "):
                self._send(304, b"", reply.content_type, headers)
                return
        self._send(reply.status, reply.body, reply.content_type, headers)

    def do_POST(self) -> None:
        name = urlsplit(self.path).path.removeprefix(CONTROL_PREFIX)
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length) if length else b""  # read in any case: the connection is kept alive
        site = self.server.site
        if not self.path.startswith(CONTROL_PREFIX) or name not in site.mutations:
            self._send(404, json.dumps({"error": f"no mutation named {name!r}"}).encode(), "application/json")
            return
        try:
            result = getattr(site, name)(**json.loads(payload or b"{}"))
        except (TypeError, ValueError, KeyError) as error:
            self._send(400, json.dumps({"error": str(error)}).encode(), "application/json")
            return
        self._send(200, json.dumps({"ok": True, "result": result}).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != 304:  # a 304 has no body, and says nothing of one
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class SiteServer(LoopbackHTTPService):
    """An imitation site served on an ephemeral port of 127.0.0.1 from a background thread per connection."""

    kind = "imitation site"

    def __init__(self, site: Site, port: int = 0, *, etags: bool = False, address: str = "127.0.0.1") -> None:
        """`etags`: every 200 answer carries an ETag of its body, and a request naming it (If-None-Match) is answered
        304, as a web server serves a file. `address`: the loopback address served on."""
        self.site = site
        self.address = address
        self.etags = etags
        self._port = port
        self._requests: list[str] = []
        self._lock = threading.Lock()

    def _new_server(self, port: int) -> LoopbackHTTPServer:
        return _Server(port, self.site, self._requests, self._lock, self.etags, self.address)

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def requests(self) -> list[str]:
        """The paths (with their queries) requested so far."""
        with self._lock:
            return list(self._requests)
