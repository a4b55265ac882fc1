"""ASGI middleware that holds for every response: the public address, read-only methods, empty parameters,
security headers."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from pydantic import AnyUrl
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.errors import Refuse

# No inline script or style, nothing from another host, no framing, forms only to this server.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
# A stored response as fetched (web.snapshots): a sandbox besides, so that none of its scripts runs and it has no
# access to this origin (its cookies, its storage), whatever it holds.
SANDBOXED_POLICY = f"sandbox; {CONTENT_SECURITY_POLICY}"
_POLICY = b"content-security-policy"
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == _POLICY for name, _ in headers):  # a stricter one of the route's stays
                    headers.append((_POLICY, CONTENT_SECURITY_POLICY.encode()))
                message["headers"] = [*headers, *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


class ReadOnly:
    """Refuses every method but GET and HEAD before any route runs (a page to a browser, JSON to a program), and
    answers HEAD as GET without the body."""

    def __init__(self, app: ASGIApp, refuse: Refuse) -> None:
        self.app = app
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        method = scope["method"]
        if method == "GET":
            return await self.app(scope, receive, send)
        if method != "HEAD":
            refusal = self.refuse(Request(scope), 405,
                                  f"{method} is not allowed: this server is read-only (GET and HEAD)",
                                  {"Allow": "GET, HEAD"})
            return await refusal(scope, receive, send)

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


class DropEmptyParameters:
    """`?kind=&topic=korus` means `?topic=korus`: a filter form submits its unset fields empty, and an empty value
    is no value rather than a bad one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["query_string"]:
            pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            scope = {**scope, "query_string": urlencode([(k, v) for k, v in pairs if v.strip()]).encode("latin-1")}
        await self.app(scope, receive, send)


class PublicAddress:
    """Every URL the app makes (a page's links, a redirect's Location, the feed's links) starts with `http.public_url`,
    or, without one, is a path: Starlette makes them from the request's scope, so the scope says so before any route
    runs. The request's Host header and the server's own address are taken out of it: no answer can point at a host
    that a request named, and a reader behind a proxy never gets the address the proxy reaches korus-watch at.

    A `public_url` with a path (`https://example.org/korus/`) is the app's root there: a proxy may forward its
    requests with that prefix or without it."""

    def __init__(self, app: ASGIApp, public_url: AnyUrl | None) -> None:
        self.app = app
        self.address: dict[str, Any] = {"server": None}
        self.host: list[tuple[bytes, bytes]] = []
        self.prefix, self.raw_prefix = "", b""
        if public_url is not None:
            parts = urlsplit(str(public_url))
            assert public_url.host is not None and public_url.port is not None, "an http(s) URL has both"
            self.raw_prefix = parts.path.rstrip("/").encode("ascii")
            self.prefix = unquote(parts.path.rstrip("/"))
            self.address = {"scheme": parts.scheme, "server": (public_url.host, public_url.port),
                            "root_path": self.prefix, "app_root_path": self.prefix}
            # Without any user:password@ (never shown in a link); pydantic has put a name in punycode.
            self.host = [(b"host", parts.netloc.rpartition("@")[2].encode("ascii"))]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = [(name, value) for name, value in scope["headers"] if name != b"host"]
            path, raw_path = scope["path"], scope.get("raw_path") or scope["path"].encode()
            if self.prefix and not (path == self.prefix or path.startswith(self.prefix + "/")):
                path, raw_path = self.prefix + path, self.raw_prefix + raw_path
            scope = {**scope, **self.address, "headers": [*self.host, *headers], "path": path, "raw_path": raw_path}
        await self.app(scope, receive, send)
