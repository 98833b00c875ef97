"""The Telegram webhook: checks the secret, reads each update and hands the
user's text to Rasa.

Why each part (stock Rasa 3.6's ``TelegramInput`` differs; docs/channels.md):

- Every update must carry the webhook secret (channels/telegram/config.py) in
  ``X-Telegram-Bot-Api-Secret-Token``, compared in constant time; a wrong or
  missing one gets a 403 and no reply.
- Anything else gets a 200, handled or not: a bad body, bad id or refused text
  is dropped with a log line, since Telegram redelivers anything but a 200 for
  hours.
- Text and button payloads pass ``inbound.user_text``, so a user cannot type an
  internal payload such as ``/nlu_fallback{...}``, and an over-long message
  gets the "too long" reply as on every channel.
- A button tap is acknowledged (``answerCallbackQuery``), or the client shows
  a spinner on it.
- A sticker, photo or other non-text message in a private chat gets
  ``text_only_reply`` (content), not silence.
- There is no ``/set_webhook`` route: it would let anyone re-register the
  webhook without the secret (404).
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from aiogram.utils.exceptions import ValidationError
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import languages
from bot.content import current
from channels import inbound
from channels.disabled import DisabledChannel, disabled, missing_settings
from channels.inbound import Handler
from channels.telegram import config, updates
from channels.telegram.output import ConfigurableTelegramOutput
from channels.telegram.startup import StartUp
from channels.telegram.updates import Chat, json_object

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class EnvTelegramInput(TelegramInput):
    """``TelegramInput`` reading its settings from the environment
    (channels/telegram/config.py)."""

    @classmethod
    def name(cls) -> str:
        return config.CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        missing = missing_settings(config.REQUIRED)
        if missing:
            return disabled(cls.name(), "Telegram", missing)
        try:
            return cls(**config.from_environment())
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
        self.secret_token = config.webhook_secret(secret_token, access_token)
        self.output = ConfigurableTelegramOutput(access_token, api_base_url, api_timeout)
        self.startup = StartUp(
            self.output,
            verify,
            webhook_url,
            self.secret_token,
            config.retry_max() if retry_max is None else retry_max,
        )

    def get_output_channel(self) -> TelegramOutput:
        return self.output

    @property
    def bot_name(self) -> str:
        """The bot's username as compared (``config.bot_username``), as ``getMe`` gave it."""
        return self.startup.bot_name

    # --- Updates ---

    async def receive(self, raw: bytes, on_new_message: Handler) -> None:
        """Handle one update (``inbound.BadInput`` if it is refused)."""
        update = json_object(inbound.load_json(raw), "update")
        if "callback_query" in update:
            query = json_object(update["callback_query"], "callback_query")
            await self._on_button(query, on_new_message)
        elif "message" in update:
            await self._on_message(json_object(update["message"], "message"), on_new_message)
        else:
            logger.debug("Telegram update without a message ignored: %s", sorted(update))

    async def _on_button(self, query: dict[str, Any], on_new_message: Handler) -> None:
        await self._acknowledge(query.get("id"))
        message = json_object(query.get("message"), "callback_query.message")
        chat = updates.chat_of_message(message, query.get("from"))
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
        chat = updates.chat_of_message(message, message.get("from"))
        text = message.get("text")
        if text is None:
            if chat.private and updates.NON_TEXT & message.keys():
                reply = current().language(chat.language).text_only_reply
                await self.output.send_message(chat.id, reply)
            return
        if not isinstance(text, str):
            raise inbound.BadInput("'message.text' must be a string")
        replies_to_bot = self._is_own(message.get("reply_to_message"))
        text = updates.addressed_text(text, chat, self.bot_name, replies_to_bot)
        if text is None:
            logger.debug("Telegram group message not addressed to the bot ignored")
            return
        await self._ask(chat, text, on_new_message)

    def _is_own(self, message: Any) -> bool:
        """Whether ``message`` (a replied-to message) is one this bot sent."""
        sender = message.get("from") if isinstance(message, dict) else None
        return isinstance(sender, dict) and sender.get("id") == self.output.id

    async def _ask(self, chat: Chat, text: Any, on_new_message: Handler) -> None:
        """Pass a user's text or button payload to Rasa, by the shared input rules."""
        message = inbound.user_text(updates.payload_for(text))
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
            self.startup.start()

        @blueprint.listener("before_server_stop")
        async def stop(*_: Any) -> None:
            self.startup.cancel()
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
