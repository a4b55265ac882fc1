"""Webhook formats: JSON posted to a URL. Chat platforms share the message text templates and the fitting of
a message into the platform's limits; each platform's class says how it escapes, marks up and packs the text."""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

import httpx

from notify.content import Content, EventItem
from notify.formats.base import Format, Rendered
from notify.http import post
from notify.templates import ChatStyle

# Characters of opening text or diff per statement, tried in turn until the message fits the platform.
ROOM_STEPS = (1200, 600, 250, 0)


def markdown_link(escape: Callable[[str], str]) -> Callable[[str, str], str]:
    """[text](url) with the text escaped for the platform and the URL's parentheses and spaces encoded."""
    return lambda url, text: f"[{escape(text)}]({quote(url, safe=':/?&=%#;,+~@!$*')})"


def _iso(value: object) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


class WebhookFormat(Format):
    """JSON to the channel's URL. The URL is a secret for most platforms: it never appears in logs or errors."""

    def check(self) -> None:
        if self.channel.url is None:
            raise self.fail("needs `url`")
        try:
            url = httpx.URL(self.channel.url.get_secret_value())
        except (httpx.InvalidURL, ValueError):
            raise self.fail("`url` is not a valid URL") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise self.fail("`url` must be an http:// or https:// URL")
        if self.channel.to:
            raise self.fail("a webhook channel takes `url`, not `to`")

    @property
    def url(self) -> str:
        assert self.channel.url is not None
        return self.channel.url.get_secret_value()

    def render(self, content: Content) -> Rendered:
        payload = self.payload(content)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_iso).encode()
        return Rendered(body=body, suffix=".json",
                        preview=json.dumps(payload, ensure_ascii=False, indent=2, default=_iso))

    @abstractmethod
    def payload(self, content: Content) -> dict[str, Any]: ...

    def headers(self, rendered: Rendered, content: Content) -> dict[str, str]:
        return {"Idempotency-Key": content.idempotency_key}

    _client: httpx.Client | None = None

    def send(self, rendered: Rendered, content: Content) -> str:
        where = f"channel {self.channel.name!r} ({self.type} webhook at {urlsplit(self.url).hostname})"
        if self._client is None:
            # Kept between sends: a new client costs ~20 ms of loading CA certificates, and a new TLS handshake.
            self._client = httpx.Client(timeout=self.settings.notify.timeout_seconds, verify=True,
                                        follow_redirects=False)
        return post(self._client, self.url, rendered.body, self.headers(rendered, content), where)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


class ChatFormat(WebhookFormat):
    style: ClassVar[ChatStyle]
    template_names = ("chat/header.txt", "chat/item.txt", "chat/more.txt")
    # Statements shown before the rest are summed up in one "and N more" line.
    max_items: ClassVar[int]

    def load_templates(self) -> None:
        for name in self.template_names:
            self.templates.load(self.templates.chat(self.style), self.choices(name.removeprefix("chat/")))

    def choices(self, name: str) -> list[str]:
        """The platform's own template first, then the one the chat platforms share."""
        return [f"{self.type}/{name}", f"chat/{name}"]

    def template(self, name: str) -> Any:
        return self.templates.chat(self.style).select_template(self.choices(name))

    def text(self, name: str, **context: Any) -> str:
        return self.template(name).render(channel=self.channel, **context).strip()

    def payload(self, content: Content) -> dict[str, Any]:
        """The fullest message that fits: shorter excerpts first, then fewer statements."""
        header = self.text("header.txt", content=content)
        # A digest's statements in its groups' order: by topic, then kind, newest first.
        ordered = [item for group in content.groups(self.channel.topics) for _, items in group.kinds for item in items]

        def attempt(room: int, shown: int) -> dict[str, Any]:
            items = [(item, self.text("item.txt", item=item.clipped(room), content=content))
                     for item in ordered[:shown]]
            hidden = len(ordered) - shown
            more = self.text("more.txt", content=content, hidden=hidden) if hidden else ""
            return self.assemble(content, header, items, more)

        shown = min(len(ordered), self.max_items)
        for room in ROOM_STEPS:
            candidate = attempt(room, shown)
            if self.fits(candidate):
                return candidate
        while shown > 0:
            shown -= 1
            candidate = attempt(ROOM_STEPS[-1], shown)
            if self.fits(candidate):
                return candidate
        return candidate

    @abstractmethod
    def assemble(self, content: Content, header: str, items: list[tuple[EventItem, str]], more: str
                 ) -> dict[str, Any]: ...

    @abstractmethod
    def fits(self, payload: dict[str, Any]) -> bool: ...
