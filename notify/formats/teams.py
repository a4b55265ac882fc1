"""Microsoft Teams through a Workflows webhook: a message carrying one Adaptive Card."""

from __future__ import annotations

import json
import re
from typing import Any

from notify.content import Content, EventItem
from notify.formats.chat import ChatFormat, markdown_link
from notify.templates import ChatStyle

_MARKDOWN = re.compile(r"([\\*_~`\[\]()<>#-])")


def escape_card_markdown(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", text)



# Adaptive Cards' Markdown has no strikethrough: deletions keep wdiff's marks.
TEAMS = ChatStyle(escape=escape_card_markdown, bold=("**", "**"), inserted=("**", "**"), deleted=("[-", "-]"),
                  link=markdown_link(escape_card_markdown))
# https://learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages: a message is at
# most 28 KB; kept under it with room for the envelope.
_MESSAGE_BYTES = 27 * 1024


def _text_block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


class TeamsFormat(ChatFormat):
    type = "teams"
    style = TEAMS
    max_items = 40

    def assemble(self, content: Content, header: str, items: list[tuple[EventItem, str]], more: str
                 ) -> dict[str, Any]:
        body = [_text_block(header, weight="Bolder", size="Medium")]
        body += [_text_block(text, separator=True) for _, text in items]
        if more:
            body.append(_text_block(more, isSubtle=True, separator=True))
        card: dict[str, Any] = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": body,
        }
        if len(items) == 1:
            item = items[0][0]
            card["actions"] = [{"type": "Action.OpenUrl", "title": "Open the statement", "url": item.url}]
            if item.page_url:
                card["actions"].append({"type": "Action.OpenUrl", "title": "Open the change", "url": item.page_url})
        return {
            "type": "message",
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
            ],
        }

    def fits(self, payload: dict[str, Any]) -> bool:
        return len(json.dumps(payload, ensure_ascii=False).encode()) <= _MESSAGE_BYTES
