"""Rasa's Telegram channel, configured from the environment and hardened.

- On only when ``TELEGRAM_TOKEN``, ``TELEGRAM_BOT_NAME`` and ``TELEGRAM_WEBHOOK_URL``
  are set; otherwise off, with one log line, and the bot runs without it.
- ``TELEGRAM_API_BASE_URL`` points aiogram at another Bot API server (a
  self-hosted one, or a fake one in tests) via ``TelegramAPIServer.from_base``.
- ``TELEGRAM_SECRET_TOKEN`` is registered with ``setWebhook``; updates whose
  ``X-Telegram-Bot-Api-Secret-Token`` header does not match get a 403 and no
  reply. Stock Rasa 3.6 does not check it, so anyone who knew the webhook URL
  could post fake updates.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
from typing import Any

from aiogram import Bot
from aiogram.bot.api import TELEGRAM_PRODUCTION, TelegramAPIServer
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import InputChannel
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.disabled import disabled, missing_settings

logger = logging.getLogger(__name__)

REQUIRED = ("TELEGRAM_TOKEN", "TELEGRAM_BOT_NAME", "TELEGRAM_WEBHOOK_URL")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class ConfigurableTelegramOutput(TelegramOutput):
    """``TelegramOutput`` talking to a configurable Bot API server."""

    def __init__(self, access_token: str, api_base_url: str | None = None) -> None:
        server = TelegramAPIServer.from_base(api_base_url) if api_base_url else TELEGRAM_PRODUCTION
        Bot.__init__(self, access_token, server=server)


class EnvTelegramInput(TelegramInput):
    """``TelegramInput`` reading its settings from the environment."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        missing = missing_settings(REQUIRED)
        if missing:
            return disabled(cls.name(), "Telegram", missing)
        return cls(
            os.environ["TELEGRAM_TOKEN"],
            os.environ["TELEGRAM_BOT_NAME"],
            os.environ["TELEGRAM_WEBHOOK_URL"],
            debug_mode=False,
            api_base_url=os.environ.get("TELEGRAM_API_BASE_URL") or None,
            secret_token=os.environ.get("TELEGRAM_SECRET_TOKEN") or None,
        )

    def __init__(
        self,
        access_token: str,
        verify: str,
        webhook_url: str,
        debug_mode: bool = False,
        api_base_url: str | None = None,
        secret_token: str | None = None,
    ) -> None:
        super().__init__(access_token, verify, webhook_url, debug_mode)
        self.api_base_url = api_base_url
        self.secret_token = secret_token

    def get_output_channel(self) -> TelegramOutput:
        channel = ConfigurableTelegramOutput(self.access_token, self.api_base_url)
        try:
            asyncio.run(self._register_webhook(channel))
        except TelegramAPIError as error:
            raise RasaException(f"Failed to set channel webhook: {error}") from error
        return channel

    async def _register_webhook(self, channel: TelegramOutput) -> None:
        # aiogram 2.15's set_webhook predates secret_token: call the Bot API method.
        payload = {"url": self.webhook_url}
        if self.secret_token:
            payload["secret_token"] = self.secret_token
        try:
            await channel.request("setWebhook", payload)
        finally:
            await channel.session.close()  # it belongs to this short-lived event loop

    def blueprint(self, on_new_message: Any) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def check_secret(request: Request) -> HTTPResponse | None:
            if request.method != "POST" or not self.secret_token:
                return None
            given = request.headers.get(SECRET_HEADER, "")
            if hmac.compare_digest(given.encode(), self.secret_token.encode()):
                return None
            logger.warning("Telegram update with a wrong or missing secret token rejected")
            return response.json({"error": "invalid secret token"}, status=403)

        return blueprint
