"""Checks of chat webhook payloads against each platform's documented schema and limits.

Each validate_* raises PayloadInvalid for a payload the platform would reject, truncate or silently drop parts of,
and for a few rules of our own (marked as such). `raw`, when given, is the body as sent, for the byte-size limits;
without it the payload is measured as compact UTF-8 JSON.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, NoReturn
from urllib.parse import urlsplit


class PayloadInvalid(AssertionError):
    """A payload breaks a platform's schema or limits. `code` names the kind of error in the platform's terms."""

    def __init__(self, message: str, code: str = "invalid_payload") -> None:
        super().__init__(message)
        self.code = code


def _fail(message: str, code: str = "invalid_payload") -> NoReturn:
    raise PayloadInvalid(message, code)


def _object(value: Any, where: str, code: str = "invalid_payload") -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        _fail(f"{where} must be a JSON object, not {type(value).__name__}", code)
    return value


def _list(value: Any, where: str, code: str = "invalid_payload", *, most: int | None = None,
          least: int = 0) -> list[Any]:
    if not isinstance(value, list):
        _fail(f"{where} must be a JSON array, not {type(value).__name__}", code)
    if most is not None and len(value) > most:
        _fail(f"{where} has {len(value)} items, more than the {most} allowed", code)
    if len(value) < least:
        _fail(f"{where} needs at least {least} item(s)", code)
    return value


def _string(value: Any, where: str, code: str = "invalid_payload", *, most: int | None = None,
            least: int = 0) -> str:
    if not isinstance(value, str):
        _fail(f"{where} must be a string, not {type(value).__name__}", code)
    if most is not None and len(value) > most:
        _fail(f"{where} has {len(value)} characters, more than the {most} allowed", code)
    if len(value) < least:
        _fail(f"{where} needs at least {least} character(s)", code)
    return value


def _http_url(value: Any, where: str, code: str = "invalid_payload", *, most: int | None = None) -> str:
    url = _string(value, where, code, most=most)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        _fail(f"{where} must be an absolute http(s) URL, not {url!r}", code)
    return url


def _size(payload: Any, raw: bytes | None) -> int:
    if raw is not None:
        return len(raw)
    return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())


def _strings(value: Any) -> Iterator[str]:
    """Every string anywhere in a JSON document."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# --- Slack: incoming webhook message with Block Kit --------------------------------------------------------

# https://api.slack.com/changelog/2018-04-truncating-really-long-messages: text beyond 40,000 characters is truncated.
SLACK_TEXT_MAX = 40_000
# https://api.slack.com/reference/block-kit/blocks: "You can include up to 50 blocks in each message".
SLACK_BLOCKS_MAX = 50
# https://api.slack.com/reference/block-kit/blocks#header: plain_text, "Maximum length ... 150 characters".
SLACK_HEADER_TEXT_MAX = 150
# https://api.slack.com/reference/block-kit/blocks#section: text ≤ 3,000 characters; fields ≤ 10 items of ≤ 2,000.
SLACK_SECTION_TEXT_MAX = 3_000
SLACK_SECTION_FIELDS_MAX = 10
SLACK_SECTION_FIELD_TEXT_MAX = 2_000
# https://docs.slack.dev/reference/block-kit/blocks/context-block: elements, "Maximum number of items is 10".
SLACK_CONTEXT_ELEMENTS_MAX = 10
# https://api.slack.com/reference/block-kit/blocks#actions: "a maximum of 25 elements in each action block".
SLACK_ACTIONS_ELEMENTS_MAX = 25
# https://api.slack.com/reference/block-kit/block-elements#button: text ≤ 75 characters, url ≤ 3,000.
SLACK_BUTTON_TEXT_MAX = 75
SLACK_BUTTON_URL_MAX = 3_000
# https://api.slack.com/reference/block-kit/blocks: block_id, "Maximum length for this field is 255 characters".
SLACK_BLOCK_ID_MAX = 255

SLACK_BLOCK_TYPES = ("header", "section", "context", "divider", "actions")  # the ones our notifier sends
SLACK_TEXT_TYPES = ("plain_text", "mrkdwn")
# https://api.slack.com/reference/surfaces/formatting#special-mentions (<!here>, <!here|label>, ...) and
# #mentioning-users (<@U123>); text from outside must arrive escaped (&lt; &gt; &amp;) so it cannot form them.
_SLACK_TOKEN = re.compile(r"<[!@][^<>]*>")
_SLACK_BROADCAST = re.compile(r"<!(?:channel|here|everyone)(?:\|[^<>]*)?>")


def slack_mentions(payload: Any) -> list[str]:
    """Every special mention (<!here>, <!subteam^S1>, ...) and user mention (<@U1>) in any text of the payload."""
    return [token for text in _strings(payload) for token in _SLACK_TOKEN.findall(text)]


def _slack_text_object(value: Any, where: str, *, most: int, types: tuple[str, ...] = SLACK_TEXT_TYPES) -> None:
    text_object = _object(value, where, "invalid_blocks")
    if text_object.get("type") not in types:
        _fail(f"{where}.type must be one of {', '.join(types)}, not {text_object.get('type')!r}", "invalid_blocks")
    # https://api.slack.com/reference/block-kit/composition-objects#text: text is at least 1 character.
    _string(text_object.get("text"), f"{where}.text", "invalid_blocks", most=most, least=1)


def _slack_button(value: Any, where: str) -> None:
    button = _object(value, where, "invalid_blocks")
    if button.get("type") != "button":
        _fail(f"{where} must be a button, the only interactive element we send, not {button.get('type')!r}",
              "invalid_blocks")
    _slack_text_object(button.get("text"), f"{where}.text", most=SLACK_BUTTON_TEXT_MAX, types=("plain_text",))
    if "url" in button:
        _http_url(button["url"], f"{where}.url", "invalid_blocks", most=SLACK_BUTTON_URL_MAX)


def _slack_block(value: Any, where: str) -> None:
    block = _object(value, where, "invalid_blocks")
    kind = block.get("type")
    if kind not in SLACK_BLOCK_TYPES:
        _fail(f"{where}.type {kind!r} is not one of {', '.join(SLACK_BLOCK_TYPES)}", "invalid_blocks")
    if "block_id" in block:
        _string(block["block_id"], f"{where}.block_id", "invalid_blocks", most=SLACK_BLOCK_ID_MAX, least=1)
    if kind == "header":
        _slack_text_object(block.get("text"), f"{where}.text", most=SLACK_HEADER_TEXT_MAX, types=("plain_text",))
    elif kind == "section":
        if "text" not in block and "fields" not in block:
            _fail(f"{where} needs text or fields", "invalid_blocks")
        if "text" in block:
            _slack_text_object(block["text"], f"{where}.text", most=SLACK_SECTION_TEXT_MAX)
        if "fields" in block:
            fields = _list(block["fields"], f"{where}.fields", "invalid_blocks", most=SLACK_SECTION_FIELDS_MAX, least=1)
            for index, item in enumerate(fields):
                _slack_text_object(item, f"{where}.fields[{index}]", most=SLACK_SECTION_FIELD_TEXT_MAX)
        if "accessory" in block:
            _slack_button(block["accessory"], f"{where}.accessory")
    elif kind == "context":
        elements = _list(block.get("elements"), f"{where}.elements", "invalid_blocks",
                         most=SLACK_CONTEXT_ELEMENTS_MAX, least=1)
        for index, element in enumerate(elements):
            element_where = f"{where}.elements[{index}]"
            if _object(element, element_where, "invalid_blocks").get("type") == "image":
                _http_url(element.get("image_url"), f"{element_where}.image_url", "invalid_blocks")
                _string(element.get("alt_text"), f"{element_where}.alt_text", "invalid_blocks", least=1)
            else:
                _slack_text_object(element, element_where, most=SLACK_SECTION_TEXT_MAX)
    elif kind == "actions":
        elements = _list(block.get("elements"), f"{where}.elements", "invalid_blocks",
                         most=SLACK_ACTIONS_ELEMENTS_MAX, least=1)
        for index, element in enumerate(elements):
            _slack_button(element, f"{where}.elements[{index}]")


def validate_slack(payload: Any, raw: bytes | None = None) -> None:
    message = _object(payload, "the message")
    blocks = message.get("blocks")
    if blocks is not None:
        for index, block in enumerate(_list(blocks, "blocks", "invalid_blocks", most=SLACK_BLOCKS_MAX)):
            _slack_block(block, f"blocks[{index}]")
    # Slack itself only warns (missing_text_or_fallback) when blocks come without text; our rule is stricter since
    # text is what notifications and screen readers show.
    if not isinstance(message.get("text"), str) or not message["text"].strip():
        _fail("text is required: the message's content, or with blocks its fallback", "no_text")
    _string(message["text"], "text", "invalid_payload", most=SLACK_TEXT_MAX)
    broadcasts = [token for text in _strings(message) for token in _SLACK_BROADCAST.findall(text)]
    if broadcasts:  # our rule: an alert must never notify a whole channel
        _fail(f"unescaped broadcast mention(s) {', '.join(broadcasts)}: escape < and > as &lt; and &gt;")


# --- Microsoft Teams: Workflows webhook with an Adaptive Card ---------------------------------------------

# https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook:
# "The message size limit is 28 KB"; https://learn.microsoft.com/en-us/connectors/teams/ (known issues): Workflows'
# post actions fail above about 28 KB with "Request Entity Too Large". Counted strictly, as 28,000 bytes.
TEAMS_MESSAGE_MAX_BYTES = 28_000
# https://learn.microsoft.com/en-us/microsoft-copilot-studio/guidance/adaptive-cards-overview:
# "Teams is also limited to version 1.5".
TEAMS_CARD_VERSION_MAX = (1, 5)
TEAMS_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# https://adaptivecards.io/explorer/ (schema 1.5): the card elements and actions.
TEAMS_ELEMENT_TYPES = (
    "TextBlock", "RichTextBlock", "Image", "Media", "ImageSet", "FactSet", "Container", "ColumnSet", "ActionSet",
    "Table", "Input.Text", "Input.Number", "Input.Date", "Input.Time", "Input.Toggle", "Input.ChoiceSet",
)
TEAMS_ACTION_TYPES = ("Action.OpenUrl", "Action.Submit", "Action.ShowCard", "Action.ToggleVisibility", "Action.Execute")


def _teams_action(value: Any, where: str) -> None:
    action = _object(value, where)
    kind = action.get("type")
    if kind not in TEAMS_ACTION_TYPES:
        _fail(f"{where}.type {kind!r} is not an Adaptive Card action")
    if kind == "Action.OpenUrl":
        _http_url(action.get("url"), f"{where}.url")
    if "title" in action:
        _string(action["title"], f"{where}.title")


def _teams_elements(value: Any, where: str) -> None:
    for index, item in enumerate(_list(value, where)):
        _teams_element(item, f"{where}[{index}]")


def _teams_element(value: Any, where: str) -> None:
    element = _object(value, where)
    kind = element.get("type")
    if kind not in TEAMS_ELEMENT_TYPES:
        _fail(f"{where}.type {kind!r} is not an Adaptive Card 1.5 element")
    if kind == "TextBlock":
        _string(element.get("text"), f"{where}.text")
    elif kind == "FactSet":
        for index, fact in enumerate(_list(element.get("facts"), f"{where}.facts", least=1)):
            _string(_object(fact, f"{where}.facts[{index}]").get("title"), f"{where}.facts[{index}].title")
            _string(fact.get("value"), f"{where}.facts[{index}].value")
    elif kind == "Container":
        _teams_elements(element.get("items"), f"{where}.items")
    elif kind == "ColumnSet":
        for index, column in enumerate(_list(element.get("columns", []), f"{where}.columns")):
            column_where = f"{where}.columns[{index}]"
            if _object(column, column_where).get("type", "Column") != "Column":
                _fail(f"{column_where}.type must be Column")
            _teams_elements(column.get("items", []), f"{column_where}.items")
    elif kind == "ActionSet":
        for index, action in enumerate(_list(element.get("actions"), f"{where}.actions", least=1)):
            _teams_action(action, f"{where}.actions[{index}]")
    elif kind == "Image":
        _http_url(element.get("url"), f"{where}.url")


def _card_version(value: Any) -> tuple[int, int]:
    version = _string(value, "the card's version")
    match = re.fullmatch(r"(\d+)\.(\d+)", version)
    if match is None:
        _fail(f"the card's version {version!r} is not MAJOR.MINOR")
    return int(match[1]), int(match[2])


def validate_teams(payload: Any, raw: bytes | None = None) -> None:
    size = _size(payload, raw)
    if size > TEAMS_MESSAGE_MAX_BYTES:
        _fail(f"the message is {size} bytes, more than Teams' {TEAMS_MESSAGE_MAX_BYTES}", "RequestEntityTooLarge")
    message = _object(payload, "the message")
    if message.get("type") != "message":
        _fail(f"type must be 'message', not {message.get('type')!r}")
    for index, attachment in enumerate(_list(message.get("attachments"), "attachments", least=1)):
        where = f"attachments[{index}]"
        if _object(attachment, where).get("contentType") != TEAMS_CARD_CONTENT_TYPE:
            # Workflows take Adaptive Cards only, not the connectors' MessageCard:
            # https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
            _fail(f"{where}.contentType must be {TEAMS_CARD_CONTENT_TYPE}, not {attachment.get('contentType')!r}")
        card = _object(attachment.get("content"), f"{where}.content")
        if card.get("type") != "AdaptiveCard":
            _fail(f"{where}.content.type must be 'AdaptiveCard', not {card.get('type')!r}")
        version = _card_version(card.get("version"))
        if version > TEAMS_CARD_VERSION_MAX:
            _fail(f"card version {version[0]}.{version[1]} is newer than the 1.5 Teams renders")
        _teams_elements(card.get("body", []), f"{where}.content.body")
        for action_index, action in enumerate(_list(card.get("actions", []), f"{where}.content.actions")):
            _teams_action(action, f"{where}.content.actions[{action_index}]")


# --- Discord: execute webhook -----------------------------------------------------------------------------

# https://discord.com/developers/docs/resources/webhook#execute-webhook: content "up to 2000 characters",
# embeds "up to 10", username 1 to 80 characters.
DISCORD_CONTENT_MAX = 2_000
DISCORD_EMBEDS_MAX = 10
DISCORD_USERNAME_MAX = 80
# https://discord.com/developers/docs/resources/message#embed-object-embed-limits
DISCORD_TITLE_MAX = 256
DISCORD_DESCRIPTION_MAX = 4_096
DISCORD_FIELDS_MAX = 25
DISCORD_FIELD_NAME_MAX = 256
DISCORD_FIELD_VALUE_MAX = 1_024
DISCORD_FOOTER_TEXT_MAX = 2_048
DISCORD_AUTHOR_NAME_MAX = 256
DISCORD_EMBEDS_TOTAL_MAX = 6_000  # title, description, field names and values, footer and author texts of all embeds
# Discord's error codes in its "Invalid Form Body" answers.
_TOO_LONG, _REQUIRED, _INVALID = "BASE_TYPE_MAX_LENGTH", "BASE_TYPE_REQUIRED", "BASE_TYPE_BAD_VALUE"


def _discord_embed(value: Any, where: str) -> int:
    """Checks one embed; returns its characters that count against the 6,000 of the message."""
    embed = _object(value, where, _INVALID)
    counted = 0
    for key, most in (("title", DISCORD_TITLE_MAX), ("description", DISCORD_DESCRIPTION_MAX)):
        if key in embed:
            counted += len(_string(embed[key], f"{where}.{key}", _TOO_LONG, most=most))
    if "url" in embed:
        _http_url(embed["url"], f"{where}.url", _INVALID)
    for index, item in enumerate(_list(embed.get("fields", []), f"{where}.fields", _TOO_LONG, most=DISCORD_FIELDS_MAX)):
        item_where = f"{where}.fields[{index}]"
        _object(item, item_where, _INVALID)
        counted += len(_string(item.get("name"), f"{item_where}.name", _REQUIRED, most=DISCORD_FIELD_NAME_MAX, least=1))
        counted += len(_string(item.get("value"), f"{item_where}.value", _REQUIRED, most=DISCORD_FIELD_VALUE_MAX,
                               least=1))
    if "footer" in embed:
        footer = _object(embed["footer"], f"{where}.footer", _INVALID)
        counted += len(_string(footer.get("text"), f"{where}.footer.text", _REQUIRED, most=DISCORD_FOOTER_TEXT_MAX,
                               least=1))
        if "icon_url" in footer:
            _http_url(footer["icon_url"], f"{where}.footer.icon_url", _INVALID)
    if "author" in embed:
        author = _object(embed["author"], f"{where}.author", _INVALID)
        counted += len(_string(author.get("name"), f"{where}.author.name", _REQUIRED, most=DISCORD_AUTHOR_NAME_MAX,
                               least=1))
        for key in ("url", "icon_url"):
            if key in author:
                _http_url(author[key], f"{where}.author.{key}", _INVALID)
    for key in ("image", "thumbnail"):
        if key in embed:
            _http_url(_object(embed[key], f"{where}.{key}", _INVALID).get("url"), f"{where}.{key}.url", _INVALID)
    return counted


def validate_discord(payload: Any, raw: bytes | None = None) -> None:
    message = _object(payload, "the message", _INVALID)
    if not message.get("content") and not message.get("embeds"):
        _fail("Cannot send an empty message: give content or embeds", _REQUIRED)
    if "content" in message:
        _string(message["content"], "content", _TOO_LONG, most=DISCORD_CONTENT_MAX)
    if "username" in message:
        _string(message["username"], "username", _TOO_LONG, most=DISCORD_USERNAME_MAX, least=1)
    if "avatar_url" in message:
        _http_url(message["avatar_url"], "avatar_url", _INVALID)
    embeds = _list(message.get("embeds", []), "embeds", _TOO_LONG, most=DISCORD_EMBEDS_MAX)
    total = sum(_discord_embed(embed, f"embeds[{index}]") for index, embed in enumerate(embeds))
    if total > DISCORD_EMBEDS_TOTAL_MAX:
        _fail(f"the embeds hold {total} characters, more than the {DISCORD_EMBEDS_TOTAL_MAX} allowed", _TOO_LONG)


# https://discord.com/developers/docs/reference#message-formatting: @everyone, @here, <@id> (<@!id>), <@&id>.
_DISCORD_EVERYONE = re.compile(r"@(?:everyone|here)\b")
_DISCORD_USER = re.compile(r"<@!?(\d+)>")
_DISCORD_ROLE = re.compile(r"<@&(\d+)>")


def discord_pings(payload: Mapping[str, Any]) -> bool:
    """Whether posting this message could notify anyone.

    Only `content` pings (mentions in embeds never do). Without allowed_mentions, Discord parses every mention in
    it; with allowed_mentions, only the types in its `parse` and the ids in its `users`/`roles` lists:
    https://discord.com/developers/docs/resources/message#allowed-mentions-object
    """
    content = payload.get("content") or ""
    allowed = payload.get("allowed_mentions")
    if allowed is None:
        parse, users, roles = {"everyone", "users", "roles"}, set(), set()
    else:
        parse = set(allowed.get("parse") or ())
        users, roles = set(allowed.get("users") or ()), set(allowed.get("roles") or ())
    return (
        ("everyone" in parse and _DISCORD_EVERYONE.search(content) is not None)
        or any("users" in parse or user in users for user in _DISCORD_USER.findall(content))
        or any("roles" in parse or role in roles for role in _DISCORD_ROLE.findall(content))
    )


# --- Google Chat: incoming webhook ------------------------------------------------------------------------

# https://developers.google.com/workspace/chat/api/reference/rest/v1/spaces.messages/create: "The maximum message
# size, including the message contents, is 32,000 bytes." No separate limit of `text` is documented there.
GOOGLE_CHAT_MESSAGE_MAX_BYTES = 32_000
# https://developers.google.com/workspace/chat/api/reference/rest/v1/cards: "You can add up to 100 widgets per card.
# Any widgets beyond this limit are ignored." Ignored widgets are lost news, so more is invalid here.
GOOGLE_CHAT_CARD_WIDGETS_MAX = 100
# The widgets of a card section (cards v2); each widget object holds exactly one of them.
GOOGLE_CHAT_WIDGETS = (
    "textParagraph", "image", "decoratedText", "buttonList", "textInput", "selectionInput", "dateTimePicker",
    "divider", "grid", "columns", "chipList", "carousel",
)


def _google_chat_button(value: Any, where: str) -> None:
    button = _object(value, where)
    _string(button.get("text"), f"{where}.text", least=1)
    on_click = _object(button.get("onClick"), f"{where}.onClick")
    if "openLink" in on_click:
        open_link = _object(on_click["openLink"], f"{where}.onClick.openLink")
        _http_url(open_link.get("url"), f"{where}.onClick.openLink.url")
    elif "action" not in on_click:
        _fail(f"{where}.onClick needs openLink or action")


def _google_chat_widget(value: Any, where: str) -> None:
    widget = _object(value, where)
    kinds = [key for key in widget if key in GOOGLE_CHAT_WIDGETS]
    if len(kinds) != 1:
        _fail(f"{where} must hold exactly one of {', '.join(GOOGLE_CHAT_WIDGETS)}, not {sorted(widget)}")
    kind, body = kinds[0], widget[kinds[0]]
    if kind == "textParagraph":
        _string(_object(body, f"{where}.textParagraph").get("text"), f"{where}.textParagraph.text")
    elif kind == "decoratedText":
        decorated = _object(body, f"{where}.decoratedText")
        _string(decorated.get("text"), f"{where}.decoratedText.text")
        if "button" in decorated:
            _google_chat_button(decorated["button"], f"{where}.decoratedText.button")
    elif kind == "buttonList":
        buttons = _list(_object(body, f"{where}.buttonList").get("buttons"), f"{where}.buttonList.buttons", least=1)
        for index, button in enumerate(buttons):
            _google_chat_button(button, f"{where}.buttonList.buttons[{index}]")


def _google_chat_card(value: Any, where: str) -> None:
    card_with_id = _object(value, where)
    _string(card_with_id.get("cardId"), f"{where}.cardId", least=1)
    card = _object(card_with_id.get("card"), f"{where}.card")
    if "header" in card:
        _string(_object(card["header"], f"{where}.card.header").get("title"), f"{where}.card.header.title", least=1)
    widgets = 0
    for section_index, section in enumerate(_list(card.get("sections"), f"{where}.card.sections", least=1)):
        section_where = f"{where}.card.sections[{section_index}]"
        section_widgets = _list(_object(section, section_where).get("widgets"), f"{section_where}.widgets", least=1)
        for index, widget in enumerate(section_widgets):
            _google_chat_widget(widget, f"{section_where}.widgets[{index}]")
        widgets += len(section_widgets)
    if widgets > GOOGLE_CHAT_CARD_WIDGETS_MAX:
        _fail(f"{where} has {widgets} widgets; Google Chat ignores those past {GOOGLE_CHAT_CARD_WIDGETS_MAX}")


def validate_google_chat(payload: Any, raw: bytes | None = None) -> None:
    size = _size(payload, raw)
    if size > GOOGLE_CHAT_MESSAGE_MAX_BYTES:
        _fail(f"the message is {size} bytes, more than Google Chat's {GOOGLE_CHAT_MESSAGE_MAX_BYTES}")
    message = _object(payload, "the message")
    if not message.get("text") and not message.get("cardsV2"):
        _fail("the message needs text or cardsV2")
    if "text" in message:
        _string(message["text"], "text")
    for index, card in enumerate(_list(message.get("cardsV2", []), "cardsV2")):
        _google_chat_card(card, f"cardsV2[{index}]")


# --- our generic webhook ----------------------------------------------------------------------------------


def signature(secret: str | bytes, timestamp: str, body: bytes) -> str:
    """The signature header value of our generic webhook: sha256=<hex HMAC-SHA256 of "<timestamp>." + body>."""
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def verify_signature(secret: str | bytes, timestamp: str, body: bytes, signature_header: str) -> bool:
    # Compared as bytes: compare_digest refuses str with non-ASCII characters, which a forged header may hold.
    return hmac.compare_digest(signature(secret, timestamp, body).encode(), signature_header.encode())
