"""Google Chat incoming webhooks: one text message in Chat's own markup."""

from __future__ import annotations

from typing import Any

from notify.content import Content, EventItem
from notify.formats.chat import ChatFormat
from notify.formats.slack import escape_slack_text, slack_link
from notify.templates import ChatStyle

# Chat reads "<users/all>" as a mention, so "<", ">" and "&" are escaped as in HTML; its *bold*, _italic_,
# ~strike~ and `code` are Slack's, and scraped text gets the same lookalikes.
GOOGLE_CHAT = ChatStyle(escape=escape_slack_text, bold=("*", "*"), inserted=("*", "*"), deleted=("~", "~"),
                        link=slack_link)
# https://developers.google.com/workspace/chat/api/reference/rest/v1/spaces.messages/create allows 32,000 bytes
# a message; text is kept to 4,096 characters, which also keeps it readable.
_TEXT_CHARS = 4096


class GoogleChatFormat(ChatFormat):
    type = "google_chat"
    style = GOOGLE_CHAT
    max_items = 30

    def assemble(self, content: Content, header: str, items: list[tuple[EventItem, str]], more: str
                 ) -> dict[str, Any]:
        return {"text": "\n\n".join([header, *(text for _, text in items), *([more] if more else [])])}

    def fits(self, payload: dict[str, Any]) -> bool:
        return len(payload["text"]) <= _TEXT_CHARS
