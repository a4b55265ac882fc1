"""Discord webhooks: a line of content and one embed per statement; mentions never ping."""

from __future__ import annotations

import re
from typing import Any

from notify.content import Content, EventItem, shorten
from notify.formats.chat import ChatFormat, markdown_link
from notify.templates import ChatStyle

_MARKDOWN = re.compile(r"([\\*_~`|>#\[\]()<@:-])")


def escape_markdown(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", text)



DISCORD = ChatStyle(escape=escape_markdown, bold=("**", "**"), inserted=("**", "**"), deleted=("~~", "~~"),
                    link=markdown_link(escape_markdown))
# https://discord.com/developers/docs/resources/message#embed-object-embed-limits: content 2,000 characters,
# 10 embeds, a title 256, a description 4,096, and all embeds' text together 6,000.
_CONTENT_CHARS = 2000
_TITLE_CHARS = 256
_DESCRIPTION_CHARS = 4096
_EMBEDS_CHARS = 6000
_COLOURS = {"new": 0x2F9E44, "edited": 0xF08C00, "removed": 0xE03131, "restored": 0x1971C2}


def _embed_title(text: str) -> str:
    """Escaped, then within the 256 characters: escaping can lengthen it, so the text is cut until it fits."""
    limit = _TITLE_CHARS
    while len(title := escape_markdown(shorten(text, limit))) > _TITLE_CHARS:
        limit -= 16
    return title


class DiscordFormat(ChatFormat):
    type = "discord"
    style = DISCORD
    max_items = 10

    def assemble(self, content: Content, header: str, items: list[tuple[EventItem, str]], more: str
                 ) -> dict[str, Any]:
        embeds = [
            {
                "title": _embed_title(f"{item.kind.upper()}: {item.title}"),
                "url": item.url,
                "description": text,
                "color": _COLOURS[item.kind],
            }
            for item, text in items
        ]
        text = "\n".join(part for part in (header, more) if part)
        # No @everyone, role or user mention in scraped text can ping anyone, whatever the escaping.
        return {"content": text, "embeds": embeds, "allowed_mentions": {"parse": []}}

    def fits(self, payload: dict[str, Any]) -> bool:
        embeds = payload["embeds"]
        return (
            len(payload["content"]) <= _CONTENT_CHARS
            and all(len(e["description"]) <= _DESCRIPTION_CHARS for e in embeds)
            and sum(len(e["title"]) + len(e["description"]) for e in embeds) <= _EMBEDS_CHARS
        )
