"""The Telegram channel's start-up calls, ``getMe`` and ``setWebhook``, run in
the background once the server is up, by one of its processes.

Why in the background: stock Rasa 3.6 calls ``setWebhook`` while the blueprint
is built, and a failure (network, 429, time-out) raises ``RasaException``,
which stops the whole server, REST and socket.io included. Here a failure is
logged and retried with doubling delays, capped at ``TELEGRAM_RETRY_MAX_SECONDS``
(Telegram's ``retry_after`` is honoured); tests/test_telegram.py starts a bot
while the fake Bot API fails and checks that REST answers meanwhile.

Why once: stock Rasa calls ``getMe`` on every update. Here the bot's username
is learnt at start-up, compared case-insensitively and without "@" with
``TELEGRAM_BOT_NAME``; a mismatch is an error in the log, and the real name is
used to recognise mentions (stock Rasa answers every update "failed").
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
from collections.abc import Awaitable, Callable

from aiogram.utils.exceptions import RetryAfter

from channels.telegram import config
from channels.telegram.output import ConfigurableTelegramOutput
from channels.telegram.updates import ALLOWED_UPDATES

logger = logging.getLogger(__name__)

FIRST_RETRY_S = 1.0
# Bytes of shared memory for the bot's username (Telegram allows at most 32 characters).
NAME_BYTES = 64


def describe(error: BaseException) -> str:
    """An exception as a log line shows it (a time-out has no message)."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class StartUp:
    """``getMe`` and ``setWebhook`` for one channel, and the bot name ``getMe`` learns.

    Built before the Rasa server forks its processes (``SANIC_WORKERS``), in
    shared memory: the first process to start claims the calls, and the name it
    learns is every process's.
    """

    def __init__(
        self,
        output: ConfigurableTelegramOutput,
        configured_name: str,
        webhook_url: str,
        secret_token: str,
        retry_max: float,
    ) -> None:
        fork = multiprocessing.get_context("fork")
        self._owner = fork.Value("i", 0)
        self._shared_name = fork.Array("c", NAME_BYTES)
        self.output = output
        self.configured_name = configured_name
        self.webhook_url = webhook_url
        self.secret_token = secret_token
        self.retry_max = retry_max
        self.bot_name = config.bot_username(configured_name)
        self._task: asyncio.Future | None = None

    @property
    def bot_name(self) -> str:
        return self._shared_name.value.decode()

    @bot_name.setter
    def bot_name(self, name: str) -> None:
        self._shared_name.value = name.encode()[: NAME_BYTES - 1]

    def start(self) -> None:
        """Run the calls in the background (the server's ``after_server_start``)."""
        self._task = asyncio.ensure_future(self.run())

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def run(self) -> None:
        """getMe and setWebhook, by one of the Rasa server's processes."""
        if not self._claims():
            return
        await asyncio.gather(
            self._retry("getMe", self._check_bot_name),
            self._retry("setWebhook", self._register_webhook),
        )

    def _claims(self) -> bool:
        with self._owner.get_lock():
            if self._owner.value == 0:
                self._owner.value = os.getpid()
            return self._owner.value == os.getpid()

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
        actual = config.bot_username(me.username or "")
        if actual != self.bot_name:
            logger.error(
                "TELEGRAM_BOT_NAME is %r but TELEGRAM_TOKEN belongs to @%s: fix the setting. "
                "Group messages are answered when they mention @%s.",
                self.configured_name, me.username, me.username,
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
