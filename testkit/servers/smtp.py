"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records every message and fails on command."""

from __future__ import annotations

import asyncio
import email.policy
import logging
import ssl
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, Literal

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from testkit.loopback import LoopbackService

log = logging.getLogger(__name__)

Security = Literal["none", "starttls", "ssl"]
# "untrusted": signed by a CA that ca_file does not hold; "wrong_host": signed by the trusted CA for another name.
Certificate = Literal["trusted", "untrusted", "wrong_host"]
RefusalStage = Literal["rcpt", "data"]
DropStage = Literal["connect", "data"]

SERVER_NAME = "smtp.korus-watch.test"  # given to aiosmtpd so that it does not look the machine's FQDN up in DNS
CERTIFICATE_NAMES = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class ReceivedMessage:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage
    username: str | None  # the AUTH user, None when the client did not authenticate
    tls: bool  # whether the message came over TLS (implicit or after STARTTLS)
    received_at: float  # time.time()


class _Faults:
    """Failures scripted by a test. Each is used up by the next command, session or message it applies to;
    the queues of the different stages are independent."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._refusals: dict[RefusalStage, deque[str]] = {"rcpt": deque(), "data": deque()}
        self._drops: dict[DropStage, int] = {"connect": 0, "data": 0}
        self._auth_refusals = 0

    def refuse(self, stage: RefusalStage, reply: str, count: int) -> None:
        with self._lock:
            self._refusals[stage].extend([reply] * count)

    def drop(self, stage: DropStage, count: int) -> None:
        with self._lock:
            self._drops[stage] += count

    def refuse_auth(self, count: int) -> None:
        with self._lock:
            self._auth_refusals += count

    def take_refusal(self, stage: RefusalStage) -> str | None:
        with self._lock:
            queue = self._refusals[stage]
            return queue.popleft() if queue else None

    def take_drop(self, stage: DropStage) -> bool:
        with self._lock:
            if self._drops[stage]:
                self._drops[stage] -= 1
                return True
            return False

    def take_auth_refusal(self) -> bool:
        with self._lock:
            if self._auth_refusals:
                self._auth_refusals -= 1
                return True
            return False

    def clear(self) -> None:
        with self._lock:
            for queue in self._refusals.values():
                queue.clear()
            self._drops = {"connect": 0, "data": 0}
            self._auth_refusals = 0


class _MessageLog:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._messages: list[ReceivedMessage] = []

    def record(self, message: ReceivedMessage) -> None:
        with self._changed:
            self._messages.append(message)
            self._changed.notify_all()

    def entries(self) -> list[ReceivedMessage]:
        with self._changed:
            return list(self._messages)

    def wait_for(self, count: int, timeout: float) -> list[ReceivedMessage]:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._messages) >= count, timeout):
                raise TimeoutError(f"{len(self._messages)} of {count} messages arrived within {timeout} s")
            return list(self._messages)

    def clear(self) -> None:
        with self._changed:
            self._messages.clear()


class _Handler:
    """aiosmtpd's handler hooks: faults first, then the message is recorded and accepted."""

    def __init__(self, faults: _Faults, messages: _MessageLog, *, auth_required: bool) -> None:
        self.faults = faults
        self.messages = messages
        self.auth_required = auth_required

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str],
    ) -> str:
        # Checked here rather than by aiosmtpd's auth_required, which warns whenever AUTH is allowed without STARTTLS.
        if self.auth_required and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str],
    ) -> str:
        refusal = self.faults.take_refusal("rcpt")
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.faults.take_drop("data"):
            log.info("dropping the connection instead of answering DATA")
            _hang_up(server)
            return "421 4.3.0 Connection dropped"  # never arrives: the transport is already closed
        refusal = self.faults.take_refusal("data")
        if refusal is not None:
            return refusal
        raw = envelope.original_content or b""
        login = session.auth_data if isinstance(session.auth_data, LoginPassword) else None
        self.messages.record(ReceivedMessage(
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            raw=raw,
            message=BytesParser(policy=email.policy.default).parsebytes(raw),
            username=login.login.decode() if login else None,
            tls=server.transport is not None and server.transport.get_extra_info("ssl_object") is not None,
            received_at=time.time(),
        ))
        return "250 2.0.0 OK: queued"


def _hang_up(server: SMTP) -> None:
    if isinstance(server.transport, asyncio.WriteTransport):
        server.transport.abort()  # abort, not close: no buffered reply may still go out


class _Authenticator:
    def __init__(self, username: str, password: str, faults: _Faults) -> None:
        self.credentials = LoginPassword(username.encode(), password.encode())
        self.faults = faults

    def __call__(
        self, server: _SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any,
    ) -> AuthResult:
        # A refusal holds for the whole session: smtplib's login() tries every mechanism offered, one after another.
        if server.auth_refused is None:
            server.auth_refused = self.faults.take_auth_refusal()
        # handled=False lets aiosmtpd answer a failure itself, with "535 5.7.8 Authentication credentials invalid".
        if server.auth_refused or auth_data != self.credentials:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=auth_data)


class _SMTP(SMTP):
    def __init__(self, handler: Any, faults: _Faults, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.faults = faults
        self.auth_refused: bool | None = None  # decided at the session's first AUTH

    async def _handle_client(self) -> None:
        if self.faults.take_drop("connect"):
            log.info("dropping a connection before the greeting")
            _hang_up(self)
            return
        await super()._handle_client()


class _Controller(Controller):
    def __init__(self, handler: _Handler, faults: _Faults, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.faults = faults

    def factory(self) -> SMTP:
        return _SMTP(self.handler, self.faults, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        # aiosmtpd connects to self.port to check that the server answers: learn the port the OS gave port 0 first.
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer(LoopbackService):
    """An SMTP server on an ephemeral port of 127.0.0.1, run by aiosmtpd in a background thread.

    security: "none" (plain SMTP), "starttls" (STARTTLS required before MAIL) or "ssl" (implicit TLS);
    the certificate comes from a throwaway trustme CA whose PEM file is `ca_file`.
    username/password: when given, AUTH (PLAIN or LOGIN) with them is required before MAIL.
    """

    kind = "SMTP server"

    def __init__(
        self,
        security: Security = "none",
        *,
        username: str | None = None,
        password: str | None = None,
        certificate: Certificate = "trusted",
    ) -> None:
        if (username is None) != (password is None):
            raise ValueError("give both username and password, or neither")
        if security == "none" and certificate != "trusted":
            raise ValueError("a certificate needs TLS: security 'starttls' or 'ssl'")
        self.security = security
        self.certificate = certificate
        self.host = "127.0.0.1"
        self._port = 0
        self._faults = _Faults()
        self._messages = _MessageLog()
        self._authenticator = _Authenticator(username, password, self._faults) if username and password else None
        self._controller: _Controller | None = None
        self._ca_dir: tempfile.TemporaryDirectory[str] | None = None
        self._ca_file: Path | None = None

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> SmtpServer:
        """Starts serving; after a stop, on the same port again."""
        tls_context = self._server_tls_context() if self.security != "none" else None
        kwargs: dict[str, Any] = {
            "hostname": self.host, "port": self._port, "server_hostname": SERVER_NAME, "enable_SMTPUTF8": True,
        }
        if self.security == "ssl":
            kwargs["ssl_context"] = tls_context
        elif self.security == "starttls":
            kwargs.update(tls_context=tls_context, require_starttls=True)
        if self._authenticator is not None:
            # Over STARTTLS, AUTH is offered only once TLS is up, as real servers do. aiosmtpd does not count implicit
            # TLS as TLS for this check, and plain SMTP has none, so both need the check off to offer AUTH at all.
            kwargs.update(authenticator=self._authenticator, auth_require_tls=self.security == "starttls")
        handler = _Handler(self._faults, self._messages, auth_required=self._authenticator is not None)
        controller = _Controller(handler, self._faults, **kwargs)
        controller.start()
        self._controller, self._port = controller, controller.port
        log.info("SMTP server (%s) listening on %s:%s", self.security, self.host, self._port)
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self._ca_dir is not None:
            self._ca_dir.cleanup()
            self._ca_dir, self._ca_file = None, None

    # --- TLS ---------------------------------------------------------------------------------------

    @property
    def ca_file(self) -> Path:
        """The PEM file of the CA that clients should trust (it did not sign an "untrusted" certificate)."""
        if self._ca_file is None:
            raise RuntimeError("the SMTP server has no TLS, or has not been started")
        return self._ca_file

    def client_tls_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts `ca_file` and nothing else."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    def _server_tls_context(self) -> ssl.SSLContext:
        trusted_ca = trustme.CA()
        signing_ca = trustme.CA() if self.certificate == "untrusted" else trusted_ca
        names = ("mail.elsewhere.test",) if self.certificate == "wrong_host" else CERTIFICATE_NAMES
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        signing_ca.issue_cert(*names).configure_cert(context)
        self._ca_dir = tempfile.TemporaryDirectory(prefix="korus-smtp-ca-")
        self._ca_file = Path(self._ca_dir.name) / "ca.pem"
        trusted_ca.cert_pem.write_to_path(str(self._ca_file))
        return context

    # --- faults ------------------------------------------------------------------------------------

    def refuse(self, count: int = 1, *, code: int = 451, text: str = "4.3.0 Try again later",
               at: RefusalStage = "data") -> None:
        """Answers the next `count` RCPT commands, or DATA transfers, with `code text` instead of accepting them.

        451 is a temporary failure a client should retry; 550 is permanent.
        """
        if not 400 <= code <= 599:
            raise ValueError(f"an SMTP refusal needs a 4xx or 5xx code, not {code}")
        self._faults.refuse(at, f"{code} {text}", count)

    def drop(self, count: int = 1, *, at: DropStage = "data") -> None:
        """Closes the socket without a word on the next `count` connections ("connect": before the greeting)
        or messages ("data": after the message was sent, instead of the reply to it)."""
        self._faults.drop(at, count)

    def refuse_auth(self, count: int = 1) -> None:
        """Answers 535 to every AUTH of the next `count` sessions that authenticate, even with the right credentials."""
        self._faults.refuse_auth(count)

    # --- what arrived ------------------------------------------------------------------------------

    @property
    def messages(self) -> list[ReceivedMessage]:
        """Every accepted message so far, oldest first (a copy)."""
        return self._messages.entries()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMessage]:
        """Waits until at least `count` messages were accepted; raises TimeoutError after `timeout` seconds."""
        return self._messages.wait_for(count, timeout)

    def message_ids(self) -> list[str]:
        return [str(m.message["Message-ID"]) for m in self.messages if m.message["Message-ID"] is not None]

    def clear(self) -> None:
        """Forgets the messages received and the faults not yet used."""
        self._messages.clear()
        self._faults.clear()
