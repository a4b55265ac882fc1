"""Optional access control (`http.auth`): a shared token or basic authentication, checked before any route."""

from __future__ import annotations

import base64
import binascii
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.settings import Auth, BasicAuth, TokenAuth

TOKEN_COOKIE = "korus_watch_token"
TOKEN_PARAMETER = "token"


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return ""


def _same(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode(), expected.encode())


class RequireAuth:
    """Lets a request through with the configured credentials; answers 401 otherwise.

    With a token, a browser that arrives with `?token=` gets it as an HttpOnly cookie, so the links it then follows
    need none; the token is handed to the templates (scope state `feed_token`) for the feed links a reader needs.
    """

    def __init__(self, app: ASGIApp, auth: Auth) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if isinstance(self.auth, TokenAuth):
            return await self._token(scope, receive, send, self.auth.token.get_secret_value())
        if isinstance(self.auth, BasicAuth):
            return await self._basic(scope, receive, send, self.auth)
        await self.app(scope, receive, send)

    async def _token(self, scope: Scope, receive: Receive, send: Send, token: str) -> None:
        authorization = _header(scope, b"authorization")
        from_query = parse_qs(scope["query_string"].decode("latin-1")).get(TOKEN_PARAMETER, [""])[0]
        cookie = SimpleCookie(_header(scope, b"cookie")).get(TOKEN_COOKIE)
        offered = [authorization.removeprefix("Bearer ") if authorization.startswith("Bearer ") else "",
                   from_query, cookie.value if cookie else ""]
        if not any(value and _same(value, token) for value in offered):
            return await _refuse(scope, receive, send, 'Bearer realm="korus-watch"')
        scope.setdefault("state", {})["feed_token"] = token

        async def remember(message: Message) -> None:
            if message["type"] == "http.response.start" and from_query and _same(from_query, token):
                cookie_header = f"{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict".encode()
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie_header)]
            await send(message)

        await self.app(scope, receive, remember)

    async def _basic(self, scope: Scope, receive: Receive, send: Send, auth: BasicAuth) -> None:
        authorization = _header(scope, b"authorization")
        try:
            user, _, password = base64.b64decode(authorization.removeprefix("Basic "), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user, password = "", ""
        if not (authorization.startswith("Basic ") and _same(user, auth.username)
                and _same(password, auth.password.get_secret_value())):
            return await _refuse(scope, receive, send, 'Basic realm="korus-watch", charset="UTF-8"')
        await self.app(scope, receive, send)


async def _refuse(scope: Scope, receive: Receive, send: Send, challenge: str) -> None:
    refusal = JSONResponse({"detail": "this korus-watch needs credentials (see http.auth)"}, status_code=401,
                           headers={"WWW-Authenticate": challenge})
    await refusal(scope, receive, send)
