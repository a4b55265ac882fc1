"""Sending one email over SMTP (none, STARTTLS or implicit TLS; certificates verified by default)."""

from __future__ import annotations

import smtplib
import ssl
from email.utils import parseaddr

from notify.errors import DeliveryError
from notify.settings import SmtpSettings


def tls_context(smtp: SmtpSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(smtp.ca_file) if smtp.ca_file else None)
    if not smtp.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def send_email(smtp: SmtpSettings, recipients: list[str], message: bytes) -> str:
    """Sends and returns the server's reply to the message; every failure becomes a DeliveryError."""
    server = f"{smtp.host}:{smtp.port}"
    try:
        client: smtplib.SMTP
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_seconds, context=tls_context(smtp))
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
        try:
            if smtp.security == "starttls":
                client.starttls(context=tls_context(smtp))
            if smtp.username:
                client.login(smtp.username, smtp.password.get_secret_value())
            reply = _transmit(client, parseaddr(smtp.from_addr)[1], recipients, message)
        finally:
            _hang_up(client)
    except PartlyRefused as exc:
        temporary = [rcpt for rcpt, (code, _) in exc.refused.items() if 400 <= code < 500]
        described = "; ".join(f"{rcpt}: {code} {_text(text)}" for rcpt, (code, text) in exc.refused.items())
        # Greylisting and full mailboxes pass: those recipients get it on a retry. A lasting refusal is final.
        raise DeliveryError(f"SMTP server {server} took the message ({exc.answer}) but refused {described}",
                            temporary=bool(temporary), owed_to=temporary or list(exc.refused)) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"SMTP server {server} refused the login: {exc.smtp_code} {_text(exc.smtp_error)}",
                            temporary=False) from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        described = "; ".join(f"{rcpt}: {code} {_text(text)}" for rcpt, (code, text) in exc.recipients.items())
        raise DeliveryError(f"SMTP server {server} refused every recipient: {described}",
                            temporary=all(400 <= code < 500 for code in codes)) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"SMTP server {server} answered {exc.smtp_code} {_text(exc.smtp_error)}",
                            temporary=exc.smtp_code < 500) from None
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(f"SMTP server {server}: TLS certificate not trusted: {exc.verify_message}",
                            temporary=False) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(f"SMTP server {server}: {exc}", temporary=False) from None
    except (smtplib.SMTPException, OSError) as exc:
        # Connection refused, timed out or dropped: the message may be retried, and the Message-ID stays the same.
        raise DeliveryError(f"SMTP server {server} unreachable or connection lost: {exc or type(exc).__name__}",
                            temporary=True, unreachable=True) from None
    return f"{server} answered {reply}"


def _hang_up(client: smtplib.SMTP) -> None:
    # Once the message is accepted, how the server answers QUIT changes nothing: it must not turn into a resend.
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _transmit(client: smtplib.SMTP, sender: str, recipients: list[str], message: bytes) -> str:
    """sendmail's steps, keeping the server's reply to the message data (its queue id, usually)."""
    client.ehlo_or_helo_if_needed()
    code, reply = client.mail(sender)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for recipient in recipients:
        code, reply = client.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, reply)
    if len(refused) == len(recipients):
        client.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    code, reply = client.data(message)
    if code != 250:
        client.rset()
        raise smtplib.SMTPDataError(code, reply)
    answer = f"{code} {_text(reply)}"
    if refused:
        raise PartlyRefused(answer, refused)
    return answer


class PartlyRefused(smtplib.SMTPException):
    """The message went to some recipients; these were refused."""

    def __init__(self, answer: str, refused: dict[str, tuple[int, bytes]]) -> None:
        super().__init__(answer)
        self.answer = answer
        self.refused = refused


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
