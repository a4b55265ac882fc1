"""Email: multipart text + HTML with the CSS inlined (Gmail and Outlook drop <style> blocks)."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from zoneinfo import ZoneInfo

import css_inline

from notify.content import Content
from notify.formats.base import Format, Rendered
from notify.smtp import send_email


def _is_address(text: str) -> bool:
    # ASCII only: an internationalised address needs SMTPUTF8, which korus-watch does not speak.
    local, _, domain = parseaddr(text)[1].rpartition("@")
    return bool(local and domain) and text.isascii()


class EmailFormat(Format):
    type = "email"
    template_names = ("email/subject.txt", "email/message.txt", "email/message.html")

    def check(self) -> None:
        if not self.channel.to:
            raise self.fail("needs `to`, a list of email addresses")
        bad = [address for address in self.channel.to if not _is_address(address)]
        if bad:
            raise self.fail(f"not an email address: {', '.join(map(repr, bad))}")
        if self.channel.url is not None:
            raise self.fail("an email channel takes `to`, not `url`")
        smtp = self.settings.smtp
        if smtp.username and smtp.security == "none" and smtp.host not in ("127.0.0.1", "::1", "localhost"):
            raise self.fail(f"smtp.security is none: the password would cross the network to {smtp.host} in "
                            "clear; use starttls or ssl")

    def render(self, content: Content) -> Rendered:
        # A digest's subject carries its day where its readers are: in the time zone of the channel's schedule.
        day = content.created_at.astimezone(ZoneInfo(self.channel.timezone)).date() if content.kind == "digest" else None
        context = {"content": content, "channel": self.channel, "day": day}
        subject = " ".join(self.templates.text.get_template("email/subject.txt").render(context).split())
        text = self.templates.text.get_template("email/message.txt").render(context)
        html = css_inline.inline(self.templates.html.get_template("email/message.html").render(context))
        smtp = self.settings.smtp
        message = EmailMessage(policy=SMTP)
        message["Subject"] = subject
        message["From"] = smtp.from_addr
        message["To"] = ", ".join(self.channel.to)
        message["Date"] = format_datetime(content.created_at)
        # The same Message-ID on every attempt: a resend after a lost reply is recognisably the same message.
        domain = parseaddr(smtp.from_addr)[1].partition("@")[2] or "korus-watch.invalid"
        message["Message-ID"] = f"<{content.idempotency_key}@{domain}>"
        message["Auto-Submitted"] = "auto-generated"
        message["X-Korus-Watch-Channel"] = self.channel.name
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        return Rendered(body=message.as_bytes(), suffix=".eml", preview=f"Subject: {subject}\n\n{text}")

    def send(self, rendered: Rendered, content: Content) -> str:
        recipients = content.recipients or [parseaddr(address)[1] for address in self.channel.to]
        return send_email(self.settings.smtp, recipients, rendered.body)
