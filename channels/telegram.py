"""Rasa's Telegram channel, configured from the environment and made to behave
as a Telegram bot should.

Settings (see .env.example):

- On only when ``TELEGRAM_TOKEN``, ``TELEGRAM_BOT_NAME`` and ``TELEGRAM_WEBHOOK_URL``
  are set; otherwise off, with one log line, and the bot runs without it.
- ``TELEGRAM_API_BASE_URL`` points aiogram at another Bot API server (a
  self-hosted one, or a fake one in tests) via ``TelegramAPIServer.from_base``.
- ``TELEGRAM_SECRET_TOKEN`` (optional): the webhook secret; when unset, one is
  derived from ``TELEGRAM_TOKEN`` (below), with one log line saying so.
- ``TELEGRAM_API_TIMEOUT`` (seconds per Bot API call) and
  ``TELEGRAM_RETRY_MAX_SECONDS`` (longest wait between start-up retries).

What stock Rasa 3.6 gets wrong, and this channel fixes:

- Updates are not authenticated: whoever can reach the webhook can post one,
  and so erase any chat's conversation ("forget me") or make the bot write to
  any chat id. Here a secret is registered with ``setWebhook`` and an update
  whose ``X-Telegram-Bot-Api-Secret-Token`` header does not match it (compared
  in constant time) gets a 403 and no reply. There is no unauthenticated mode:
  the secret is ``TELEGRAM_SECRET_TOKEN`` when set, else ``derived_secret``, an
  HMAC-SHA256 of a fixed label keyed with the bot token. Every Rasa process and
  every instance computes the same one with nothing to store or share, and
  nobody without the bot token can (tests/test_telegram.py runs its bot so).
- Start-up: ``setWebhook`` runs while the blueprint is built and a failure
  (network, 429, time-out) raises ``RasaException``, which stops the whole
  server, REST and socket.io included. Here ``getMe`` and ``setWebhook`` run in
  the background once the server is up, and a failure is logged and retried
  with doubling delays (capped; Telegram's ``retry_after`` is honoured).
- ``/webhooks/telegram/set_webhook`` lets anyone re-register the webhook
  without the secret: it does not exist here (404).
- ``getMe`` is called on every update; here once, at start-up. The username
  is compared case-insensitively and without "@"; a mismatch is an error in
  the log (stock Rasa silently answers every update "failed").
- Conversation ids are the bare chat id, outside the namespaces of every other
  channel, and in a group all members share one conversation. Here ids go
  through channels/inbound.py like every channel's:
  ``telegram:<chat_id>`` in a private chat, ``telegram:<chat_id>:<user_id>``
  in a group (one conversation per member; replies still go to the group).
  Text and button payloads pass ``inbound.user_text``, so a user cannot type
  an internal payload such as ``/nlu_fallback{...}`` (such updates are
  dropped with a log line).
- A malformed or deeply nested body is a 500, and Telegram retries it for
  hours. Here a bad body, bad id or refused text is dropped with a log line
  and a 200; only a wrong secret gets a 403.
- Edited messages are answered again, and channel posts and membership
  updates hit ``None`` attributes. Here only ``message`` and
  ``callback_query`` updates are handled (and registered as
  ``allowed_updates``); others get a 200 and no reply. A sticker, photo or
  other non-text message in a private chat gets ``text_only_reply`` from
  content/faq.yml.
- Button taps are never acknowledged, so the client shows a spinner; here
  each gets ``answerCallbackQuery``. A menu is one inline row holding every
  button: nine questions cut to a few letters each, and more than the 8
  buttons a row may hold. Here each question has a row of its own.
- ``/start``, the first thing every Telegram user sends, is read as an unknown
  intent ``start``: the fallback answers and the unanswered-question log
  records it. Here ``/start`` and ``/start@<bot>`` send ``/greet`` (a bare
  mention of the bot in a group too).
- In a group the bot answers every message. Here only messages that address
  it: a mention of ``@<bot>`` (case-insensitive; removed before NLU), a reply
  to one of its messages, or a command (``/cmd`` or ``/cmd@<bot>``).
- Each paragraph is a separate message, and a reply over Telegram's 4,096
  characters is refused by Telegram (no answer at all). Here a reply is one
  message, split at paragraph, line or word boundaries only when too long.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import multiprocessing
import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.bot.api import TELEGRAM_PRODUCTION, TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.exceptions import RetryAfter, ValidationError
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import languages, settings
from bot.content import current
from channels import inbound
from channels.disabled import DisabledChannel, disabled, missing_settings

logger = logging.getLogger(__name__)

# Rasa's "handle this user message" callback, given to every input channel.
Handler = Callable[[UserMessage], Awaitable[Any]]

CHANNEL = "telegram"
REQUIRED = ("TELEGRAM_TOKEN", "TELEGRAM_BOT_NAME", "TELEGRAM_WEBHOOK_URL")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# What the bot token is HMAC'd with when TELEGRAM_SECRET_TOKEN is unset. Fixed:
# every process and instance behind the webhook must derive the same secret.
SECRET_LABEL = b"faq-bot telegram webhook secret"
FIRST_RETRY_S = 1.0
# The update kinds this channel handles, registered with setWebhook.
ALLOWED_UPDATES = ("message", "callback_query")
# Telegram's limits: characters per message, bytes of a button's callback_data.
MAX_MESSAGE_CHARS = 4096
MAX_CALLBACK_DATA_BYTES = 64
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


def describe(error: BaseException) -> str:
    """An exception as a log line shows it (a time-out has no message)."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def derived_secret(access_token: str) -> str:
    """The webhook secret made from the bot token: 64 hex digits, in the alphabet
    Telegram allows for ``secret_token`` (1-256 of A-Z, a-z, 0-9, _ and -)."""
    return hmac.new(access_token.encode(), SECRET_LABEL, hashlib.sha256).hexdigest()


def bot_username(name: str) -> str:
    """A bot username as compared: without "@", lower case."""
    return name.strip().lstrip("@").lower()


def split_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters that join back to it.

    Each piece ends after the last paragraph break that fits, else the last
    line break, else the last space; a single word longer than ``limit`` is cut.
    """
    pieces = []
    while len(text) > limit:
        cut = _cut(text[:limit])
        pieces.append(text[:cut])
        text = text[cut:]
    return [*pieces, text]


def _cut(window: str) -> int:
    for separator in ("\n\n", "\n", " "):
        at = window.rfind(separator)
        if at > 0:
            return at + len(separator)
    return len(window)


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
    return rest.split(":")[0] if channel == CHANNEL and rest else recipient_id


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
            timeout = settings.get_float("TELEGRAM_API_TIMEOUT")
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
        *head, last = split_message(text.strip())
        for piece in head:
            if piece.strip():  # Telegram refuses a blank message
                await self.send_message(chat_id, piece)
        await self.send_message(chat_id, last, reply_markup=keyboard)


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
        return inbound.conversation_id(CHANNEL, raw, "chat")


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise inbound.BadInput(f"'{what}' must be a JSON object")
    return value


def _integer(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise inbound.BadInput(f"'{what}' must be an integer")
    return value


def chat_of_message(message: dict[str, Any], sender: Any) -> Chat:
    """The chat of a Telegram message, and the id of ``sender`` (a user object)."""
    chat = _object(message.get("chat"), "chat")
    chat_id = _integer(chat.get("id"), "chat.id")
    kind = chat.get("type")
    if not isinstance(kind, str):
        raise inbound.BadInput("'chat.type' must be a string")
    language = (
        languages.supported(sender.get("language_code")) if isinstance(sender, dict) else None
    )
    if kind == PRIVATE_CHAT:
        return Chat(chat_id, kind, chat_id, language)
    user_id = _integer(_object(sender, "from").get("id"), "from.id")
    return Chat(chat_id, kind, user_id, language)


class EnvTelegramInput(TelegramInput):
    """``TelegramInput`` reading its settings from the environment (see the module doc)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        missing = missing_settings(REQUIRED)
        if missing:
            return disabled(cls.name(), "Telegram", missing)
        try:
            return cls(
                settings.get("TELEGRAM_TOKEN"),
                settings.get("TELEGRAM_BOT_NAME"),
                settings.get("TELEGRAM_WEBHOOK_URL"),
                api_base_url=settings.get("TELEGRAM_API_BASE_URL") or None,
                secret_token=settings.get("TELEGRAM_SECRET_TOKEN") or None,
                api_timeout=settings.get_float("TELEGRAM_API_TIMEOUT"),
                retry_max=settings.get_float("TELEGRAM_RETRY_MAX_SECONDS"),
            )
        except ValidationError as error:
            logger.error("Telegram channel off: TELEGRAM_TOKEN is not a bot token (%s).", error)
            return DisabledChannel(cls.name())

    def __init__(
        self,
        access_token: str,
        verify: str,
        webhook_url: str,
        debug_mode: bool = False,
        api_base_url: str | None = None,
        secret_token: str | None = None,
        api_timeout: float | None = None,
        retry_max: float | None = None,
    ) -> None:
        super().__init__(access_token, verify, webhook_url, debug_mode)
        # The Rasa server's processes (SANIC_WORKERS) are forked after this runs.
        # Shared memory: the first process to start claims the start-up calls
        # (getMe, setWebhook), and the bot's name it learns is every process's.
        fork = multiprocessing.get_context("fork")
        self._start_up_owner = fork.Value("i", 0)
        self._shared_bot_name = fork.Array("c", 64)
        self.bot_name = bot_username(verify)
        if not secret_token:
            secret_token = derived_secret(access_token)
            logger.info(
                "TELEGRAM_SECRET_TOKEN is not set: the Telegram webhook secret is derived "
                "from TELEGRAM_TOKEN."
            )
        self.secret_token = secret_token
        self.retry_max = (
            settings.get_float("TELEGRAM_RETRY_MAX_SECONDS") if retry_max is None else retry_max
        )
        self.output = ConfigurableTelegramOutput(access_token, api_base_url, api_timeout)
        self._start_up: asyncio.Future | None = None

    def get_output_channel(self) -> TelegramOutput:
        return self.output

    # --- Start-up: getMe and setWebhook, retried in the background ---

    @property
    def bot_name(self) -> str:
        return self._shared_bot_name.value.decode()

    @bot_name.setter
    def bot_name(self, name: str) -> None:
        self._shared_bot_name.value = name.encode()[:63]

    async def start_up(self) -> None:
        """getMe and setWebhook, by one of the Rasa server's processes."""
        if not self._claims_start_up():
            return
        await asyncio.gather(
            self._retry("getMe", self._check_bot_name),
            self._retry("setWebhook", self._register_webhook),
        )

    def _claims_start_up(self) -> bool:
        with self._start_up_owner.get_lock():
            if self._start_up_owner.value == 0:
                self._start_up_owner.value = os.getpid()
            return self._start_up_owner.value == os.getpid()

    async def _retry(self, what: str, call: Callable[[], Awaitable[None]]) -> None:
        """Run ``call`` until it succeeds, waiting longer after each failure (capped)."""
        delay, attempt = FIRST_RETRY_S, 1
        while True:
            try:
                await call()
            except Exception as error:  # anything: the task must not die silently
                asked = error.timeout if isinstance(error, RetryAfter) else 0
                wait = min(max(delay, asked), self.retry_max)
                logger.error(
                    "Telegram %s failed (%s); the other channels are running. "
                    "Retrying in %.0f s (attempt %d).",
                    what, describe(error), wait, attempt + 1,
                )  # fmt: skip
                await asyncio.sleep(wait)
                delay, attempt = min(delay * 2, self.retry_max), attempt + 1
            else:
                if attempt > 1:
                    logger.info("Telegram %s succeeded after %d attempts.", what, attempt)
                return

    async def _check_bot_name(self) -> None:
        me = await self.output.get_me()
        actual = bot_username(me.username or "")
        if actual != self.bot_name:
            logger.error(
                "TELEGRAM_BOT_NAME is %r but TELEGRAM_TOKEN belongs to @%s: fix the setting. "
                "Group messages are answered when they mention @%s.",
                self.verify, me.username, me.username,
            )  # fmt: skip
            self.bot_name = actual

    async def _register_webhook(self) -> None:
        # aiogram 2.15's set_webhook predates secret_token: call the Bot API method.
        payload = {
            "url": self.webhook_url,
            "allowed_updates": json.dumps(ALLOWED_UPDATES),
            "secret_token": self.secret_token,
        }
        await self.output.request("setWebhook", payload)
        logger.info(
            "Telegram webhook registered: %s (updates: %s).",
            self.webhook_url, ", ".join(ALLOWED_UPDATES),
        )  # fmt: skip

    # --- Updates ---

    async def receive(self, raw: bytes, on_new_message: Handler) -> None:
        """Handle one update (``inbound.BadInput`` if it is refused)."""
        update = _object(inbound.load_json(raw), "update")
        if "callback_query" in update:
            await self._on_button(
                _object(update["callback_query"], "callback_query"), on_new_message
            )
        elif "message" in update:
            await self._on_message(_object(update["message"], "message"), on_new_message)
        else:
            logger.debug("Telegram update without a message ignored: %s", sorted(update))

    async def _on_button(self, query: dict[str, Any], on_new_message: Handler) -> None:
        await self._acknowledge(query.get("id"))
        message = _object(query.get("message"), "callback_query.message")
        chat = chat_of_message(message, query.get("from"))
        await self._ask(chat, query.get("data"), on_new_message)

    async def _acknowledge(self, query_id: Any) -> None:
        """Stop the client's spinner on the tapped button."""
        if not isinstance(query_id, str):
            raise inbound.BadInput("'callback_query.id' must be a string")
        try:
            await self.output.answer_callback_query(query_id)
        except Exception as error:  # the answer matters more than the spinner
            logger.warning("Telegram answerCallbackQuery failed: %s", error)

    async def _on_message(self, message: dict[str, Any], on_new_message: Handler) -> None:
        chat = chat_of_message(message, message.get("from"))
        text = message.get("text")
        if text is None:
            if chat.private and NON_TEXT & message.keys():
                reply = current().language(chat.language).text_only_reply
                await self.output.send_message(chat.id, reply)
            return
        if not isinstance(text, str):
            raise inbound.BadInput("'message.text' must be a string")
        text = self.addressed_text(text, chat, message.get("reply_to_message"))
        if text is None:
            logger.debug("Telegram group message not addressed to the bot ignored")
            return
        await self._ask(chat, text, on_new_message)

    def addressed_text(self, text: str, chat: Chat, reply_to: Any) -> str | None:
        """The text for NLU, without the bot's mention; None if the bot is not addressed."""
        command = COMMAND.fullmatch(text)
        if command and command["bot"]:
            if command["bot"].lower() != self.bot_name:
                return None  # a command for another bot
            text = f"/{command['command']}{command['rest']}"
        mention = re.compile(rf"(?<![\w@])@{re.escape(self.bot_name)}(?!\w)", re.IGNORECASE)
        stripped = mention.sub(" ", text).strip()
        mentioned = stripped != text.strip()
        if not (chat.private or command is not None or mentioned or self._is_own(reply_to)):
            return None
        return stripped or f"/{START_COMMAND}"  # a bare mention is a greeting

    def _is_own(self, message: Any) -> bool:
        """Whether ``message`` (a replied-to message) is one this bot sent."""
        sender = message.get("from") if isinstance(message, dict) else None
        return isinstance(sender, dict) and sender.get("id") == self.output.id

    async def _ask(self, chat: Chat, text: Any, on_new_message: Handler) -> None:
        """Pass a user's text or button payload to Rasa, by the shared input rules."""
        command = COMMAND.fullmatch(text) if isinstance(text, str) else None
        if command and command["command"] == START_COMMAND:
            text = GREET_PAYLOAD
        message = inbound.user_text(text)
        hint = {languages.HINT_METADATA_KEY: chat.language} if chat.language else {}
        metadata = inbound.clean_metadata({"chat_type": chat.type, **hint, **message.metadata})
        await on_new_message(
            UserMessage(
                message.text,
                self.output,
                chat.conversation_id(),
                input_channel=self.name(),
                metadata=metadata,
            )
        )

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        blueprint = Blueprint("telegram_webhook", __name__)

        @blueprint.listener("after_server_start")
        async def start(*_: Any) -> None:
            self._start_up = asyncio.ensure_future(self.start_up())

        @blueprint.listener("before_server_stop")
        async def stop(*_: Any) -> None:
            if self._start_up is not None:
                self._start_up.cancel()
            await self.output.session.close()

        @blueprint.middleware("request")
        async def check_secret(request: Request) -> HTTPResponse | None:
            if request.method != "POST":
                return None
            given = request.headers.get(SECRET_HEADER, "")
            if hmac.compare_digest(given.encode(), self.secret_token.encode()):
                return None
            logger.warning("Telegram update with a wrong or missing secret token rejected")
            return response.json({"error": "invalid secret token"}, status=403)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            # Always a 200: Telegram would redeliver anything else for hours.
            try:
                await self.receive(request.body, on_new_message)
            except inbound.BadInput as error:
                logger.info("Dropped Telegram update: %s", error)
            except Exception:
                logger.exception("Telegram update could not be handled")
            return response.text("success")

        return blueprint
