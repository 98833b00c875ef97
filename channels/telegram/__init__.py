"""Rasa's Telegram channel, configured from the environment and made to behave
as a Telegram bot should (credentials.yml names ``channels.telegram.EnvTelegramInput``).

- ``config``: the ``TELEGRAM_*`` settings and the webhook secret;
- ``input``: the webhook (the secret check, routes, handing text to Rasa);
- ``updates``: reading an update (chats, conversation ids, whether the bot is
  addressed, ``/start``);
- ``output``: sending replies (the chat, menus, Telegram's length limit);
- ``startup``: ``getMe`` and ``setWebhook`` in the background, retried.

Each module says why it differs from stock Rasa 3.6; docs/channels.md has the
set-up and the full comparison.
"""

from channels.telegram.config import derived_secret
from channels.telegram.input import EnvTelegramInput
from channels.telegram.output import (
    MAX_CALLBACK_DATA_BYTES,
    TELEGRAM_MAX_REPLY_CHARS,
    ConfigurableTelegramOutput,
)

__all__ = [
    "MAX_CALLBACK_DATA_BYTES",
    "TELEGRAM_MAX_REPLY_CHARS",
    "ConfigurableTelegramOutput",
    "EnvTelegramInput",
    "derived_secret",
]
