"""Serves a FederalRegister as https://www.federalregister.gov serves its API and texts, on 127.0.0.1: the API
under /api/v1, each document's raw text and body HTML where its raw_text_url and body_html_url say, faults and
refusals a test turns on, a timed request log (to check a client's pace) and a control API under /_fr/."""

from __future__ import annotations

import html
import json
import re
import threading
import time
from dataclasses import asdict, dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from testkit.federal_register import control
from testkit.federal_register.documents import (
    DEFAULT_INDEX_FIELDS,
    DEFAULT_SHOW_FIELDS,
    DocumentUrls,
    FrDocument,
    body_html,
    document_json,
    raw_text,
)
from testkit.federal_register.faults import Fault, FaultMode, FaultTarget
from testkit.federal_register.register import FederalRegister
from testkit.federal_register.search import BadRequest, Search, nested_params, requested_fields
from testkit.loopback import LoopbackHTTPServer, LoopbackHTTPService
from testkit.mirror.overload import Overload, RateLimit
from testkit.mirror.server import MirrorRequest, RequestLog, ServingOptions

CONTROL_PREFIX = "/_fr/"
API = "/api/v1"
_DOCUMENT = re.compile(r"^/api/v1/documents/([^/]+)\.json$")
_TEXT = re.compile(r"^/documents/full_text/(text|html)/(\d{4})/(\d{2})/(\d{2})/([^/]+)\.(txt|html)$")
_PAGE = re.compile(r"^/documents/(\d{4})/(\d{2})/(\d{2})/([^/]+)/[^/]*$")
NOT_FOUND = {"status": 404, "message": "Record Not Found"}

@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


def _json_answer(status: int, document: object) -> Answer:
    return Answer(status, json.dumps(document, ensure_ascii=False).encode(), "application/json; charset=utf-8")


def _html_answer(status: int, title: str, text: str = "") -> Answer:
    page = f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>" \
           f"<p>{html.escape(text)}</p></body></html>"
    return Answer(status, page.encode(), "text/html; charset=utf-8")


class ServingState:
    """What the server answers from, shared across restarts and changed by the tests and the control API."""

    def __init__(self, register: FederalRegister, latency: float) -> None:
        self.register = register
        self.request_log = RequestLog()
        self.options = ServingOptions(latency)
        self.faults: list[Fault] = []
        self.refusals: RateLimit | Overload | None = None
        self.lock = threading.Lock()

    def spoiled(self, target: str, number: str | None, right: Answer) -> Answer:
        with self.lock:
            fault = next((f for f in self.faults if f.applies(target, number)), None)
            if fault is None:
                return right
            if fault.times is not None:
                fault.times -= 1
        if fault.mode == "not_json":
            return _html_answer(200, "Federal Register :: Scheduled Maintenance", "We will be back shortly.")
        if fault.mode == "truncated":
            return Answer(right.status, right.body[:len(right.body) // 2], right.content_type)
        headers = (("Retry-After", str(fault.retry_after)),) if fault.retry_after is not None else ()
        answer = _html_answer(fault.status, f"{fault.status} Error")
        return Answer(answer.status, answer.body, answer.content_type, headers)


def answer(state: ServingState, base_url: str, path: str, query: str) -> Answer:
    """The site's answer to GET `path`?`query`, faults included."""
    urls = DocumentUrls(base_url)
    if path == f"{API}/documents.json":
        return state.spoiled("search", None, _search(state.register, urls, query))
    document_path = _DOCUMENT.match(path)
    if document_path:
        number = document_path.group(1).replace("\u2013", "-").replace("\u2014", "-")
        return state.spoiled("document", number, _show(state.register, urls, number, query))
    text_path = _TEXT.match(path)
    if text_path:
        kind, year, month, day, number, extension = text_path.groups()
        right = _text(state.register, kind, extension, _date(year, month, day), number)
        return state.spoiled("text", number, right)
    page_path = _PAGE.match(path)
    if page_path:
        year, month, day, number = page_path.groups()
        found = state.register.find(number, _date(year, month, day))
        if found is not None:
            return _html_answer(200, found.title, " ".join(found.paragraphs))
    if path.startswith(API):
        return _json_answer(404, NOT_FOUND)
    return _html_answer(404, "Page Not Found")


def _date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _search(register: FederalRegister, urls: DocumentUrls, query: str) -> Answer:
    params = nested_params(query)
    try:
        fields = requested_fields(params, DEFAULT_INDEX_FIELDS)
        search = Search(params)
    except BadRequest as refusal:
        return _json_answer(400, refusal.body)
    found = register.search(search)
    return _json_answer(200, search.envelope(found, lambda d: document_json(d, urls, fields), urls.base))


def _show(register: FederalRegister, urls: DocumentUrls, number: str, query: str) -> Answer:
    params = nested_params(query)
    if "," in number:
        return _json_answer(400, {"status": 400, "message": "several documents: not imitated by testkit"})
    try:
        fields = requested_fields(params, DEFAULT_SHOW_FIELDS)
    except BadRequest as refusal:
        return _json_answer(400, refusal.body)
    published_text = params.get("publication_date")
    published: date | None = None
    if isinstance(published_text, str) and published_text:
        try:
            published = date.fromisoformat(published_text)
        except ValueError:
            return _json_answer(404, NOT_FOUND)
    found = register.find(number, published)
    if found is None:
        return _json_answer(404, NOT_FOUND)
    return _json_answer(200, document_json(found, urls, fields))


def _text(register: FederalRegister, kind: str, extension: str, published: date | None, number: str) -> Answer:
    found: FrDocument | None = register.find(number, published) if published else None
    if found is None or (kind, extension) not in (("text", "txt"), ("html", "html")):
        return _html_answer(404, "Page Not Found")
    if kind == "text":
        if not found.has_raw_text:
            return _html_answer(404, "Page Not Found")
        return Answer(200, raw_text(found).encode(), "text/plain; charset=utf-8")
    return Answer(200, body_html(found).encode(), "text/html; charset=utf-8")


class _Server(LoopbackHTTPServer):
    role = "federal register imitation"

    def __init__(self, port: int, state: ServingState, address: str) -> None:
        super().__init__(port, _Handler, address)
        self.state = state

    @property
    def base_url(self) -> str:
        return f"http://{self.server_name}:{self.server_port}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server
    arrived = 0.0

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests read FederalRegisterServer.requests

    def parse_request(self) -> bool:
        self.arrived = time.monotonic()  # the request's arrival, not its connection's
        return super().parse_request()

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        path, query = unquote(split.path), split.query
        state = self.server.state
        if path.startswith(CONTROL_PREFIX):
            self._control_get(path.removeprefix(CONTROL_PREFIX), query)
            return
        refusal = state.refusals.check(self.arrived) if state.refusals is not None else None
        if refusal is not None:
            reply = _html_answer(refusal.status, f"{refusal.status} Error")
            headers = (("Retry-After", str(refusal.retry_after)),) if refusal.retry_after is not None else ()
            reply = Answer(reply.status, reply.body, reply.content_type, headers)
        else:
            reply = answer(state, self.server.base_url, path, query)
        wait = self.arrived + state.options.latency - time.monotonic()
        if wait > 0:
            self.server.stopping.wait(wait)
        position = state.request_log.record(MirrorRequest(
            "GET", path, query, reply.status, None, self.headers.get("User-Agent"), self.arrived,
        ))
        try:
            self._send(reply)
        finally:
            state.request_log.finish(position, time.monotonic())

    def do_POST(self) -> None:
        path = unquote(urlsplit(self.path).path)
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length) if length else b""
        if not path.startswith(CONTROL_PREFIX):
            self._send(_json_answer(405, {"status": 405, "message": "Method Not Allowed"}))
            return
        try:
            arguments = json.loads(payload or b"{}")
            result = control.apply(self.server.state, path.removeprefix(CONTROL_PREFIX), arguments)
        except KeyError as error:
            self._send(_json_answer(404, {"error": str(error)}))
        except (ValueError, TypeError) as error:
            self._send(_json_answer(400, {"error": str(error)}))
        else:
            self._send(_json_answer(200, result))

    def _control_get(self, name: str, query: str) -> None:
        state = self.server.state
        if name == "requests":
            self._send(_json_answer(200, {"requests": [asdict(r) for r in state.request_log.entries()]}))
        elif name == "timing":
            try:
                window = float(parse_qs(query).get("window", ["1"])[0])
                self._send(_json_answer(200, state.request_log.summary(window)))
            except ValueError as error:
                self._send(_json_answer(400, {"error": str(error)}))
        elif name == "documents":
            keys = [[d.document_number, d.publication_date.isoformat()] for d in state.register.documents]
            self._send(_json_answer(200, {"documents": keys}))
        else:
            self._send(_json_answer(404, {"error": f"no control resource {name!r}"}))

    def _send(self, reply: Answer) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)


class FederalRegisterServer(LoopbackHTTPService):
    """A FederalRegister served on an ephemeral port of 127.0.0.1; `api_url` is what a source's api_url names.

    With `latency`, every answer leaves no sooner than that many seconds after its request arrived, as from a
    distant server."""

    kind = "federal register imitation"

    def __init__(self, register: FederalRegister, port: int = 0, *, latency: float = 0.0,
                 address: str = "127.0.0.1") -> None:
        self.state = ServingState(register, latency)
        self._port = port
        self.address = address

    def _new_server(self, port: int) -> _Server:
        return _Server(port, self.state, self.address)

    @property
    def register(self) -> FederalRegister:
        return self.state.register

    @property
    def api_url(self) -> str:
        return self.base_url + API

    @property
    def requests(self) -> list[MirrorRequest]:
        """Every request answered (the control API's aside) since the last clear_log, in the order answered."""
        return self.state.request_log.entries()

    @property
    def request_log(self) -> RequestLog:
        return self.state.request_log

    def clear_log(self) -> None:
        self.state.request_log.clear()

    def fault(self, mode: FaultMode, target: FaultTarget = "any", **options: Any) -> Fault:
        """Spoils the answers to `target` from now on (see Fault); the first fault that applies wins."""
        added = Fault(mode, target, **options)
        with self.state.lock:
            self.state.faults.append(added)
        return added

    def clear_faults(self) -> None:
        with self.state.lock:
            self.state.faults.clear()

    def refuse(self, refusals: RateLimit | Overload | None) -> None:
        """Refuses requests as `refusals` says (RateLimit(5): a 429 past 5 a second); None stops refusing."""
        self.state.refusals = refusals
