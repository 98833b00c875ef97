"""Reading a Telegram update: the chat it came from, who sent it, and the text
the bot is to answer, if any.

Why each rule (stock Rasa 3.6's ``TelegramInput`` differs; docs/channels.md):

- Only ``message`` and ``callback_query`` updates are read (and registered as
  ``allowed_updates``): an edited message would be answered again, and channel
  posts and membership updates carry none of a message's fields.
- A bad body or id is ``inbound.BadInput``: the webhook drops it with a 200,
  since Telegram redelivers anything else for hours.
- Conversation ids go through channels/inbound.py like every channel's:
  ``telegram:<chat_id>`` in a private chat, ``telegram:<chat_id>:<user_id>`` in
  a group, so that group members do not share one conversation.
- In a group the bot answers only when addressed (``addressed_text``): a
  mention of ``@<bot>`` (case-insensitive; removed before NLU), a reply to one
  of its messages, or a command (``/cmd`` or ``/cmd@<bot>``).
- ``/start``, the first thing every Telegram user sends, and a bare mention of
  the bot are a greeting (``GREET_PAYLOAD``), not an unknown intent ``start``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot import languages
from channels import inbound
from channels.telegram import config

# The update kinds this channel handles, registered with setWebhook.
ALLOWED_UPDATES = ("message", "callback_query")
# Every other chat (group, supergroup) has members: the bot answers only when addressed.
PRIVATE_CHAT = "private"
# Message fields that carry something other than text (answered text_only_reply
# in a private chat).
NON_TEXT = frozenset(
    {
        "animation", "audio", "contact", "dice", "document", "game", "location",
        "photo", "poll", "sticker", "venue", "video", "video_note", "voice",
    }
)  # fmt: skip
# "/command", optionally "@bot", then anything (Telegram's command syntax).
COMMAND = re.compile(r"/(?P<command>\w+)(?:@(?P<bot>\w+))?(?P<rest>(?:\s.*)?)", re.DOTALL)
START_COMMAND = "start"
GREET_PAYLOAD = "/greet"


@dataclass(frozen=True)
class Chat:
    """Where a message was sent, and who sent it."""

    id: int
    type: str
    user_id: int
    # The sender's Telegram language_code when the bot speaks it: the
    # conversation's first language hint (actions/language.py).
    language: str | None = None

    @property
    def private(self) -> bool:
        return self.type == PRIVATE_CHAT

    def conversation_id(self) -> str:
        """One conversation per private chat, and per member in a group."""
        raw = str(self.id) if self.private else f"{self.id}:{self.user_id}"
        return inbound.conversation_id(config.CHANNEL, raw, "chat")


def json_object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise inbound.BadInput(f"'{what}' must be a JSON object")
    return value


def integer(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise inbound.BadInput(f"'{what}' must be an integer")
    return value


def chat_of_message(message: dict[str, Any], sender: Any) -> Chat:
    """The chat of a Telegram message, and the id of ``sender`` (a user object)."""
    chat = json_object(message.get("chat"), "chat")
    chat_id = integer(chat.get("id"), "chat.id")
    kind = chat.get("type")
    if not isinstance(kind, str):
        raise inbound.BadInput("'chat.type' must be a string")
    language = (
        languages.supported(sender.get("language_code")) if isinstance(sender, dict) else None
    )
    if kind == PRIVATE_CHAT:
        return Chat(chat_id, kind, chat_id, language)
    user_id = integer(json_object(sender, "from").get("id"), "from.id")
    return Chat(chat_id, kind, user_id, language)


def addressed_text(text: str, chat: Chat, bot_name: str, replies_to_bot: bool) -> str | None:
    """The text for NLU, without the mention of ``bot_name`` (a ``bot_username``);
    None if the bot is not addressed. ``replies_to_bot``: the message answers
    one of the bot's own."""
    command = COMMAND.fullmatch(text)
    if command and command["bot"]:
        if command["bot"].lower() != bot_name:
            return None  # a command for another bot
        text = f"/{command['command']}{command['rest']}"
    mention = re.compile(rf"(?<![\w@])@{re.escape(bot_name)}(?!\w)", re.IGNORECASE)
    stripped = mention.sub(" ", text).strip()
    mentioned = stripped != text.strip()
    if not (chat.private or command is not None or mentioned or replies_to_bot):
        return None
    return stripped or f"/{START_COMMAND}"  # a bare mention is a greeting


def payload_for(text: Any) -> Any:
    """What Rasa gets for a text or button payload: ``/start`` is a greeting."""
    command = COMMAND.fullmatch(text) if isinstance(text, str) else None
    return GREET_PAYLOAD if command and command["command"] == START_COMMAND else text
