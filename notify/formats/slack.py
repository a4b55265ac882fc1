"""Slack incoming webhooks (Mattermost and Rocket.Chat accept the same): Block Kit sections of mrkdwn."""

from __future__ import annotations

from typing import Any

from notify.content import Content, EventItem
from notify.formats.chat import ChatFormat
from notify.templates import ChatStyle

# mrkdwn's formatting characters, each for a lookalike that nothing formats. Slack has no escape for them (a
# backslash shows as a backslash), and the other tricks depend on its parser: a zero-width space beside a mark is
# undocumented and does not stop every client from formatting, and a <!date^…|fallback> wrapper lengthens the
# text many times and works in Slack only. A lookalike reads the same in every client and every notification.
_LOOKALIKES = str.maketrans({
    "*": "\u2217",  # ∗ ASTERISK OPERATOR
    "_": "\u02cd",  # ˍ MODIFIER LETTER LOW MACRON
    "~": "\u223c",  # ∼ TILDE OPERATOR
    "`": "\u02cb",  # ˋ MODIFIER LETTER GRAVE ACCENT
})


def escape_slack(text: str) -> str:
    # Slack's own rule: these three only. "<!channel>" in a title becomes text and pings no one. For URLs too.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_slack_text(text: str) -> str:
    """Scraped text as mrkdwn that shows it as it is: no mention, no link, and no bold, italic, strike or code."""
    return escape_slack(text.translate(_LOOKALIKES))


def slack_link(url: str, text: str) -> str:
    # A "|" ends the URL and starts the text: encoded in the URL, replaced in the text.
    target = url.replace("|", "%7C").replace(" ", "%20")
    return f"<{escape_slack(target)}|{escape_slack_text(text.replace('|', '¦'))}>"


SLACK = ChatStyle(escape=escape_slack_text, bold=("*", "*"), inserted=("*", "*"), deleted=("~", "~"),
                  link=slack_link)
# https://api.slack.com/reference/block-kit/blocks: at most 50 blocks, section text at most 3,000 characters.
_MAX_BLOCKS = 50
_SECTION_CHARS = 3000


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


class SlackFormat(ChatFormat):
    type = "slack"
    style = SLACK
    max_items = _MAX_BLOCKS - 3

    def assemble(self, content: Content, header: str, items: list[tuple[EventItem, str]], more: str
                 ) -> dict[str, Any]:
        blocks = [_section(header), *(_section(text) for _, text in items)]
        if more:
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
        # `text` is what notifications and old clients show.
        fallback = header if len(items) != 1 else f"{header}: {escape_slack_text(items[0][0].title)}"
        return {"text": fallback, "blocks": blocks, "unfurl_links": False, "unfurl_media": False}

    def fits(self, payload: dict[str, Any]) -> bool:
        blocks = payload["blocks"]
        texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
        return len(blocks) <= _MAX_BLOCKS and all(len(t) <= _SECTION_CHARS for t in texts)
