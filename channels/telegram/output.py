"""What the Telegram channel sends: replies to the conversation's chat, menus
one question per row, and no message over Telegram's limit.

Why each part (stock Rasa 3.6's ``TelegramOutput`` differs; docs/channels.md):

- Replies go to the chat of the conversation id (``chat_of``): in a group a
  conversation is one member's, ``telegram:<chat>:<user>``, but the reply goes
  to the group.
- A reply is one message, split (``channels/text.py``) only when it is over
  ``TELEGRAM_MAX_REPLY_CHARS``, which Telegram refuses outright (no answer at
  all); buttons go under the last piece.
- A menu gets one question per row (``question_keyboard``): one row of nine
  buttons cuts each question to a few letters, and a row holds at most 8.
- The Bot API server is configurable (``TELEGRAM_API_BASE_URL``): a
  self-hosted one, or tests/fake_telegram.py.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.bot.api import TELEGRAM_PRODUCTION, TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from rasa.core.channels.telegram import TelegramOutput

from channels.telegram import config
from channels.text import split_text

logger = logging.getLogger(__name__)

# Telegram's limits: characters per message the bot sends, bytes of a button's
# callback_data.
TELEGRAM_MAX_REPLY_CHARS = 4096
MAX_CALLBACK_DATA_BYTES = 64


def question_keyboard(buttons: list[dict[str, Any]]) -> InlineKeyboardMarkup | None:
    """An inline keyboard with one button per row, so that every label is readable."""
    keyboard = InlineKeyboardMarkup(row_width=1)
    for button in buttons:
        payload = button.get("payload")
        size = len(payload.encode()) if isinstance(payload, str) else 0
        if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
            logger.error("Telegram button %r left out: its payload is not 1-64 bytes", button)
            continue
        keyboard.row(InlineKeyboardButton(button["title"], callback_data=payload))
    return keyboard if keyboard.inline_keyboard else None


def chat_of(recipient_id: Any) -> Any:
    """The chat a conversation's replies go to: ``telegram:<chat>[:<user>]`` -> ``<chat>``."""
    channel, _, rest = str(recipient_id).partition(":")
    return rest.split(":")[0] if channel == config.CHANNEL and rest else recipient_id


class ConfigurableTelegramOutput(TelegramOutput):
    """``TelegramOutput`` for a configurable Bot API server, replying to the
    conversation's chat, with readable menus and no message over Telegram's limit."""

    def __init__(
        self,
        access_token: str,
        api_base_url: str | None = None,
        timeout: float | None = None,
    ) -> None:
        server = TelegramAPIServer.from_base(api_base_url) if api_base_url else TELEGRAM_PRODUCTION
        if timeout is None:
            timeout = config.api_timeout()
        Bot.__init__(self, access_token, server=server, timeout=timeout)

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        await super().send_response(chat_of(recipient_id), message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_pieces(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """The text, with the buttons (one per row) under its last piece."""
        await self._send_pieces(recipient_id, text, question_keyboard(buttons))

    async def _send_pieces(
        self, chat_id: Any, text: str, keyboard: InlineKeyboardMarkup | None = None
    ) -> None:
        *head, last = split_text(text, TELEGRAM_MAX_REPLY_CHARS) or [text]
        for piece in head:
            await self.send_message(chat_id, piece)
        await self.send_message(chat_id, last, reply_markup=keyboard)
