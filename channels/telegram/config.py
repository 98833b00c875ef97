"""What the Telegram channel takes from the environment (see .env.example).

- On only when ``TELEGRAM_TOKEN``, ``TELEGRAM_BOT_NAME`` and ``TELEGRAM_WEBHOOK_URL``
  are set; otherwise off, with one log line, and the bot runs without it.
- ``TELEGRAM_API_BASE_URL`` points aiogram at another Bot API server (a
  self-hosted one, or a fake one in tests) via ``TelegramAPIServer.from_base``.
- ``TELEGRAM_SECRET_TOKEN`` (optional): the webhook secret; when unset, one is
  derived from ``TELEGRAM_TOKEN`` (``derived_secret``), with one log line saying so.
- ``TELEGRAM_API_TIMEOUT`` (seconds per Bot API call) and
  ``TELEGRAM_RETRY_MAX_SECONDS`` (longest wait between start-up retries).

Why a secret always: whoever can reach the webhook could otherwise post an
update, and so erase any chat's conversation ("forget me") or make the bot write
to any chat id. There is no unauthenticated mode; the derived secret needs
nothing stored or shared, since every process and instance computes the same
one, and nobody without the bot token can (tests/test_telegram.py runs its bot
so).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from bot import settings

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
REQUIRED = ("TELEGRAM_TOKEN", "TELEGRAM_BOT_NAME", "TELEGRAM_WEBHOOK_URL")
# What the bot token is HMAC'd with when TELEGRAM_SECRET_TOKEN is unset. Fixed:
# every process and instance behind the webhook must derive the same secret.
SECRET_LABEL = b"faq-bot telegram webhook secret"


def from_environment() -> dict[str, Any]:
    """``EnvTelegramInput``'s arguments, from the ``TELEGRAM_*`` settings."""
    return {
        "access_token": settings.get("TELEGRAM_TOKEN"),
        "verify": settings.get("TELEGRAM_BOT_NAME"),
        "webhook_url": settings.get("TELEGRAM_WEBHOOK_URL"),
        "api_base_url": settings.get("TELEGRAM_API_BASE_URL") or None,
        "secret_token": settings.get("TELEGRAM_SECRET_TOKEN") or None,
        "api_timeout": api_timeout(),
        "retry_max": retry_max(),
    }


def api_timeout() -> float:
    """Seconds to wait for each Bot API call."""
    return settings.get_float("TELEGRAM_API_TIMEOUT")


def retry_max() -> float:
    """The longest wait, in seconds, between two start-up retries."""
    return settings.get_float("TELEGRAM_RETRY_MAX_SECONDS")


def derived_secret(access_token: str) -> str:
    """The webhook secret made from the bot token: 64 hex digits, in the alphabet
    Telegram allows for ``secret_token`` (1-256 of A-Z, a-z, 0-9, _ and -)."""
    return hmac.new(access_token.encode(), SECRET_LABEL, hashlib.sha256).hexdigest()


def webhook_secret(secret_token: str | None, access_token: str) -> str:
    """The secret set, else the one derived from the token (said once in the log)."""
    if secret_token:
        return secret_token
    logger.info(
        "TELEGRAM_SECRET_TOKEN is not set: the Telegram webhook secret is derived "
        "from TELEGRAM_TOKEN."
    )
    return derived_secret(access_token)


def bot_username(name: str) -> str:
    """A bot username as compared: without "@", lower case."""
    return name.strip().lstrip("@").lower()
