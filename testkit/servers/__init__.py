"""Real loopback servers for the notifier's tests (SMTP, chat webhooks) and checks of chat payloads."""

from testkit.servers.chat_schemas import (
    PayloadInvalid,
    discord_pings,
    signature,
    slack_mentions,
    validate_discord,
    validate_google_chat,
    validate_slack,
    validate_teams,
    verify_signature,
)
from testkit.servers.smtp import ReceivedMessage, SmtpServer
from testkit.servers.webhook import InvalidPayload, Reply, WebhookReceiver, WebhookRequest

__all__ = [
    "InvalidPayload",
    "PayloadInvalid",
    "ReceivedMessage",
    "Reply",
    "SmtpServer",
    "WebhookReceiver",
    "WebhookRequest",
    "discord_pings",
    "signature",
    "slack_mentions",
    "validate_discord",
    "validate_google_chat",
    "validate_slack",
    "validate_teams",
    "verify_signature",
]
