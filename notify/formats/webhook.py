"""Generic JSON webhooks: the event data itself, an idempotency key, and an HMAC-SHA256 signature."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import asdict
from typing import Any

from notify.content import Content, EventItem
from notify.formats.base import Rendered
from notify.formats.chat import WebhookFormat

SIGNATURE_HEADER = "X-Korus-Watch-Signature"
TIMESTAMP_HEADER = "X-Korus-Watch-Timestamp"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """sha256=<hex HMAC-SHA256 of "<timestamp>." followed by the body>, as receivers recompute it."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _event_data(item: EventItem) -> dict[str, Any]:
    data = asdict(item)
    data["opening"] = "".join(run.text for run in item.opening)
    if item.kind != "edited":
        for key in ("title_diff", "body_diff", "old_published_on", "old_title", "old_seen_at"):
            data.pop(key)
    return data


class GenericWebhookFormat(WebhookFormat):
    type = "webhook"
    template_names = ("webhook/text.txt",)

    def payload(self, content: Content) -> dict[str, Any]:
        return {
            "type": f"korus-watch.{content.kind}",
            "idempotency_key": content.idempotency_key,
            "channel": self.channel.name,
            "created_at": content.created_at.isoformat(),
            "site_url": content.site_url,
            "text": self.templates.text.get_template("webhook/text.txt").render(content=content,
                                                                                channel=self.channel).strip(),
            "counts": content.counts,
            "events": [_event_data(item) for item in content.items],
            "health": asdict(content.health) if content.health else None,
        }

    def headers(self, rendered: Rendered, content: Content) -> dict[str, str]:
        headers = super().headers(rendered, content)
        if self.channel.secret is not None and self.channel.secret.get_secret_value():
            # Signed per attempt: the timestamp lets receivers refuse replays of an old request.
            timestamp = str(int(time.time()))
            headers[TIMESTAMP_HEADER] = timestamp
            headers[SIGNATURE_HEADER] = signature(self.channel.secret.get_secret_value(), timestamp, rendered.body)
        return headers
