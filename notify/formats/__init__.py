"""The channel formats, registered by type: a new format is one module here with one class and its templates."""

from notify.formats import discord, email, google_chat, slack, teams, webhook
from notify.formats.base import FORMATS, Format, Rendered

__all__ = ["FORMATS", "Format", "Rendered", "discord", "email", "google_chat", "slack", "teams", "webhook"]
