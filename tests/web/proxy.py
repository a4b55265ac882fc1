"""A TLS reverse proxy on 127.0.0.1, as a team puts one in front of korus-watch: it ends HTTPS with a certificate
from a throwaway trustme CA and forwards every request over plain HTTP to the app, with the Host header the browser
sent and X-Forwarded-For, -Proto and -Host added (nginx's usual `proxy_set_header` lines)."""

from __future__ import annotations

import base64
import hashlib
import http.client
import ssl
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from testkit.loopback import LoopbackHTTPServer, LoopbackService

# Headers about one connection, which a proxy does not pass on (RFC 9110, 7.6.1).
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}


class _Server(LoopbackHTTPServer):
    role = "TLS proxy"

    def __init__(self, port: int, backend: str, context: ssl.SSLContext) -> None:
        super().__init__(port, _Forward)
        self.backend = backend
        self.context = context

    def get_request(self) -> tuple[Any, Any]:
        connection, address = self.socket.accept()
        # The handshake happens in the request's own thread (on first read), not in the accepting one.
        return self.context.wrap_socket(connection, server_side=True, do_handshake_on_connect=False), address


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
        forwarded_for = ", ".join(filter(None, [self.headers.get("X-Forwarded-For"), self.client_address[0]]))
        headers.update({"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https",
                        "X-Forwarded-Host": self.headers.get("Host", "")})
        backend = http.client.HTTPConnection(self.server.backend, timeout=30)
        try:
            backend.request(self.command, self.path, body=body or None, headers=headers)
            answer = backend.getresponse()
            content = answer.read()
        finally:
            backend.close()
        self.send_response(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in HOP_BY_HOP | {"content-length"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    do_GET = do_HEAD = do_POST = _forward


class TlsProxy(LoopbackService):
    """HTTPS on 127.0.0.1 for `name` (and 127.0.0.1), forwarding to `backend` ("host:port")."""

    kind = "TLS proxy"

    def __init__(self, backend: str, name: str) -> None:
        self.backend = backend
        self.name = name
        self.certificate = trustme.CA().issue_cert(name, "127.0.0.1")
        self._server: _Server | None = None

    def start(self) -> TlsProxy:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.certificate.configure_cert(context)
        self._server = _Server(self._port, self.backend, context)
        self._port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name="tls-proxy", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        self._server = None

    @property
    def url(self) -> str:
        return f"https://{self.name}:{self.port}/"

    def spki_hash(self) -> str:
        """The certificate's key as Chromium's --ignore-certificate-errors-spki-list names it (SHA-256, base64)."""
        leaf = x509.load_pem_x509_certificate(self.certificate.cert_chain_pems[0].bytes())
        key = leaf.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        return base64.b64encode(hashlib.sha256(key).digest()).decode()
