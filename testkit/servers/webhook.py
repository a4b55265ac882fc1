"""A real HTTP server on 127.0.0.1 that stands in for chat webhooks: records every POST, answers as scripted."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from testkit.loopback import LoopbackHTTPServer, LoopbackService
from testkit.servers.chat_schemas import PayloadInvalid

log = logging.getLogger(__name__)

Validator = Callable[..., None]  # validate_slack and the like: (payload, raw=body) -> None or PayloadInvalid


@dataclass(frozen=True)
class Reply:
    """One answer of the receiver.

    status None means the path's normal answer: its default, or 400 when its validator rejected the payload.
    delay: seconds to wait before answering (the request is recorded before the wait).
    drop: close the connection without any answer.
    """

    status: int | None = None
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False

    @classmethod
    def json(cls, status: int, document: object, headers: Mapping[str, str] | None = None) -> Reply:
        return cls(status, json.dumps(document).encode(), "application/json", headers or {})

    @classmethod
    def error(cls, status: int = 500, text: str = "internal error") -> Reply:
        return cls(status, text.encode())

    @classmethod
    def retry_after(cls, seconds: int, status: int = 429) -> Reply:
        """429 (rate limited) or 503 (unavailable) with a Retry-After header (whole seconds, as RFC 9110 has it)."""
        return cls(status, b"rate limited" if status == 429 else b"unavailable", headers={"Retry-After": str(seconds)})

    @classmethod
    def slow(cls, seconds: float) -> Reply:
        """The normal answer, after `seconds`: longer than the client's timeout, it looks like a hung platform."""
        return cls(delay=seconds)

    @classmethod
    def hang_up(cls) -> Reply:
        return cls(drop=True)


# What each platform answers a good message (by the first segment of the path, e.g. /slack/T0/B0/x is "slack").
DEFAULT_REPLIES: dict[str, Reply] = {
    # Slack incoming webhooks answer 200 with the text "ok".
    "slack": Reply(200, b"ok", "text/plain; charset=utf-8"),
    # Discord's execute-webhook answers 204 No Content unless the client asks ?wait=true.
    "discord": Reply(204),
    # A Teams Workflows webhook (a Power Automate HTTP trigger) accepts the request and runs the flow later: 202.
    "teams": Reply(202),
    # Google Chat answers 200 with the created message.
    "google-chat": Reply.json(200, {"name": "spaces/A/messages/B", "thread": {"name": "spaces/A/threads/C"}}),
    "generic": Reply.json(200, {}),
}


def path_kind(path: str) -> str:
    """The platform a path stands for: its first segment when that names one, else "generic"."""
    first = path.strip("/").split("/", 1)[0]
    return first if first in DEFAULT_REPLIES else "generic"


def invalid_reply(kind: str, error: PayloadInvalid) -> Reply:
    """The 400 each platform answers a payload it cannot accept, in that platform's shape."""
    if kind == "slack":  # a bare error code as text/plain, e.g. "invalid_blocks" or "no_text"
        return Reply(400, error.code.encode())
    if kind == "discord":  # its "Invalid Form Body" error, code 50035
        return Reply.json(400, {"code": 50035, "message": "Invalid Form Body", "errors": {"_errors": [
            {"code": error.code, "message": str(error)}]}})
    if kind == "google-chat":  # Google's API error object
        return Reply.json(400, {"error": {"code": 400, "message": str(error), "status": "INVALID_ARGUMENT"}})
    return Reply.json(400, {"error": {"code": error.code, "message": str(error)}})


@dataclass
class WebhookRequest:
    path: str
    query: str
    headers: Message  # case-insensitive: headers["content-type"] == headers["Content-Type"]
    body: bytes
    json: Any  # the parsed body, None when it is not JSON
    json_error: str | None  # why the body is not JSON, None when it is
    received_at: float  # time.time() once the body was read, before any scripted delay
    status: int | None = None  # the status answered; None while the answer is pending, or when the connection dropped


@dataclass(frozen=True)
class InvalidPayload:
    request: WebhookRequest
    error: str


class _State:
    """Everything the handler threads share, behind one lock."""

    def __init__(self, defaults: Mapping[str, Reply]) -> None:
        self.changed = threading.Condition()
        self.requests: list[WebhookRequest] = []
        self.invalid: list[InvalidPayload] = []
        self.scripts: defaultdict[str, deque[Reply]] = defaultdict(deque)
        self.defaults: dict[str, Reply] = dict(defaults)
        self.validators: dict[str, Validator] = {}

    def record(self, request: WebhookRequest) -> tuple[Reply | None, Reply]:
        """Records a request; returns its scripted reply (if any) and its normal reply (400 when invalid)."""
        with self.changed:
            self.requests.append(request)
            scripted = self.scripts[request.path].popleft() if self.scripts[request.path] else None
            validator = self.validators.get(request.path)
            normal = self.defaults.get(request.path) or DEFAULT_REPLIES[path_kind(request.path)]
            self.changed.notify_all()
        if validator is None:
            return scripted, normal
        try:
            if request.json_error is not None:
                raise PayloadInvalid(f"the body is not JSON: {request.json_error}", code="invalid_payload")
            validator(request.json, raw=request.body)
        except PayloadInvalid as error:
            with self.changed:
                self.invalid.append(InvalidPayload(request, str(error)))
                self.changed.notify_all()
            return scripted, invalid_reply(path_kind(request.path), error)
        return scripted, normal

    def answered(self, request: WebhookRequest, status: int | None) -> None:
        with self.changed:
            request.status = status
            self.changed.notify_all()


class _Server(LoopbackHTTPServer):
    role = "webhook receiver"

    def __init__(self, port: int, state: _State) -> None:
        super().__init__(port, _Handler)
        self.state = state


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests read WebhookReceiver.requests() instead

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        body = self._read_body()
        try:
            document, json_error = json.loads(body), None
        except ValueError as error:  # UnicodeDecodeError is a ValueError too
            document, json_error = None, str(error)
        request = WebhookRequest(url.path, url.query, self.headers, body, document, json_error, time.time())
        state = self.server.state
        scripted, normal = state.record(request)
        reply = scripted or normal
        if reply.delay:
            self.server.stopping.wait(reply.delay)
        if reply.drop or self.server.stopping.is_set():
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if reply.status is None:  # a scripted delay without a status of its own
            reply = normal
        # Recorded before the answer leaves: a client that has read it must find it in requests().
        state.answered(request, reply.status)
        try:
            self._send(reply)
        except OSError:
            state.answered(request, None)  # the client went away: nothing was answered
            raise

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        chunks = []  # a client that streams its body sends it in chunks (RFC 9112, section 7.1)
        while size := int(self.rfile.readline().split(b";")[0], 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()  # the CRLF after each chunk
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailer fields, unused
        return b"".join(chunks)

    def do_GET(self) -> None:
        self._send(Reply(405, b"POST only"))

    def _send(self, reply: Reply) -> None:
        status = reply.status or 200
        self.send_response(status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if status not in (204, 304):  # these have no body, and so no length
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if status not in (204, 304):
            self.wfile.write(reply.body)


class WebhookReceiver(LoopbackService):
    """Chat webhooks on an ephemeral port of 127.0.0.1, served from a background thread.

    Paths name the platform by their first segment (/slack, /discord, /teams, /google-chat, anything else is
    generic), which picks the default answer and the shape of 400 answers.
    """

    kind = "webhook receiver"

    def __init__(self, port: int = 0, defaults: Mapping[str, Reply] | None = None) -> None:
        self._port = port
        self._state = _State(defaults or {})
        self._server: _Server | None = None

    def start(self) -> WebhookReceiver:
        """Starts serving; after a stop, on the same port again."""
        self._server = _Server(self._port, self._state)
        self._port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name="webhook-receiver", daemon=True).start()
        log.info("webhook receiver on http://127.0.0.1:%s", self._port)
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.stop()  # ends scripted delays at once
        self._server = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    # --- behaviour -----------------------------------------------------------------------------------

    def script(self, path: str, *replies: Reply) -> None:
        """Queues replies for `path`: each request to it uses up the next one, then the default answers again."""
        with self._state.changed:
            self._state.scripts[_normal(path)].extend(replies)

    def set_default(self, path: str, reply: Reply) -> None:
        """What `path` answers once its script is used up (instead of its platform's default)."""
        with self._state.changed:
            self._state.defaults[_normal(path)] = reply

    def expect(self, path: str, validator: Validator) -> None:
        """Runs `validator` on each JSON payload posted to `path`: a PayloadInvalid is answered 400 and recorded."""
        with self._state.changed:
            self._state.validators[_normal(path)] = validator

    # --- what arrived ---------------------------------------------------------------------------------

    def requests(self, path: str | None = None) -> list[WebhookRequest]:
        """Every POST so far (to `path`, when given), oldest first."""
        with self._state.changed:
            return [r for r in self._state.requests if path is None or r.path == _normal(path)]

    @property
    def invalid(self) -> list[InvalidPayload]:
        """Every payload a validator rejected, with its error."""
        with self._state.changed:
            return list(self._state.invalid)

    def wait_for(self, count: int, path: str | None = None, timeout: float = 5.0) -> list[WebhookRequest]:
        """Waits until at least `count` POSTs (to `path`) arrived; raises TimeoutError after `timeout` seconds."""
        with self._state.changed:
            if not self._state.changed.wait_for(lambda: len(self.requests(path)) >= count, timeout):
                raise TimeoutError(f"{len(self.requests(path))} of {count} requests arrived within {timeout} s")
            return self.requests(path)

    def clear(self) -> None:
        """Forgets the requests, the invalid payloads and the scripted replies not used yet.

        Defaults and validators stay: they describe the platforms, not one test step.
        """
        with self._state.changed:
            self._state.requests.clear()
            self._state.invalid.clear()
            self._state.scripts.clear()


def _normal(path: str) -> str:
    return "/" + path.lstrip("/")
