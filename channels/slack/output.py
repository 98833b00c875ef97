"""What the Slack channel sends: escaped text, menus as Block Kit buttons, no
message over Slack's limits, and failures that do not end the turn.

Why each part (stock Rasa 3.6's ``SlackBot`` differs; docs/channels.md):

- **Failed replies.** A ``chat.postMessage`` that Slack refuses would raise out
  of Rasa's message handling: the turn's later replies would not be sent and
  the turn not saved. Here each failure is logged with Slack's error code
  (``invalid_blocks``, ``ratelimited``, …) and the turn goes on; a rate-limited
  message is sent again once, after Slack's ``Retry-After`` (at most
  ``MAX_RETRY_AFTER_S``, since the conversation waits meanwhile).
- **Threads.** A reply goes to the thread of the user's message, if any
  (``thread_id``), else to the top level.
- **Length.** A section block over ``SLACK_MAX_SECTION_CHARS`` makes Slack
  refuse the whole message (``invalid_blocks``), and Slack cuts message text
  after ``SLACK_MAX_TEXT_CHARS``. Such text is split (channels/text.py) over
  several messages; buttons go with the last piece.
- **Menus.** Every button is sent, ``MAX_BUTTONS_PER_BLOCK`` per ``actions``
  block, with labels cut to Slack's ``MAX_BUTTON_LABEL_CHARS``.
- **Escaping** (channels/slack/escaping.py): text is sent escaped.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Mapping
from typing import Any

import aiohttp
from rasa.core.channels.slack import SlackBot
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from channels.slack.config import DEFAULT_API_BASE_URL
from channels.slack.escaping import escape_text, escaped_length
from channels.text import split_text

logger = logging.getLogger(__name__)

# Block Kit limits: elements per actions block, characters per button label.
MAX_BUTTONS_PER_BLOCK = 25
MAX_BUTTON_LABEL_CHARS = 75
# Slack's limits: characters per message text (as sent, i.e. escaped) and per
# section block.
SLACK_MAX_TEXT_CHARS = 40_000
SLACK_MAX_SECTION_CHARS = 3000
# A rate-limited message is sent again once, after Slack's Retry-After but no
# later than this: the conversation waits meanwhile.
MAX_RETRY_AFTER_S = 3.0
DEFAULT_RETRY_AFTER_S = 1.0


def button_label(title: str) -> str:
    """A button title cut to Slack's limit (a longer one makes the whole message fail)."""
    if len(title) <= MAX_BUTTON_LABEL_CHARS:
        return title
    return title[: MAX_BUTTON_LABEL_CHARS - 1] + "…"


def retry_after(headers: Mapping[str, Any]) -> float:
    """Seconds to wait before sending a rate-limited message again: Slack's
    ``Retry-After``, capped at ``MAX_RETRY_AFTER_S``."""
    raw = next((value for key, value in headers.items() if key.lower() == "retry-after"), None)
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        seconds = DEFAULT_RETRY_AFTER_S
    if not math.isfinite(seconds):
        seconds = DEFAULT_RETRY_AFTER_S
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def is_rate_limited(error: SlackApiError) -> bool:
    return error.response.status_code == 429 or error.response.get("error") == "ratelimited"


def describe(error: Exception) -> str:
    """Slack's error code and details, or the exception of a failed connection."""
    if not isinstance(error, SlackApiError):
        return f"{type(error).__name__}: {error}"
    data = error.response.data if isinstance(error.response.data, dict) else {}
    details = (data.get("response_metadata") or {}).get("messages") or []
    text = f"{data.get('error', 'no error code')} (HTTP {error.response.status_code})"
    return text + "".join(f"; {detail}" for detail in details)


class ConfigurableSlackBot(SlackBot):
    """``SlackBot`` talking to a configurable Web API and sending Slack-safe messages."""

    def __init__(
        self,
        token: str,
        slack_channel: str | None = None,
        thread_id: str | None = None,
        proxy: str | None = None,
        api_base_url: str = DEFAULT_API_BASE_URL,
    ) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token, base_url=api_base_url, proxy=proxy)

    async def _post_message(self, channel: str, **kwargs: Any) -> None:
        """``chat.postMessage`` in the thread, if any; a rate limit is retried
        once, and a failure is logged, not raised (the turn goes on)."""
        if self.thread_id:
            kwargs["thread_ts"] = self.thread_id
        try:
            try:
                await self.client.chat_postMessage(channel=channel, **kwargs)
            except SlackApiError as error:
                if not is_rate_limited(error):
                    raise
                delay = retry_after(error.response.headers)
                logger.warning(
                    "Slack chat.postMessage to %s rate limited; retrying once in %.1f s.",
                    channel,
                    delay,
                )
                await asyncio.sleep(delay)
                await self.client.chat_postMessage(channel=channel, **kwargs)
        except (SlackClientError, aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.error("Slack chat.postMessage to %s failed: %s", channel, describe(error))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """One message per paragraph (as Rasa sends them), escaped; a paragraph
        over Slack's limit is split at line, else word, boundaries."""
        recipient = self.slack_channel or recipient_id
        for paragraph in text.strip().split("\n\n"):
            for piece in split_text(paragraph, SLACK_MAX_TEXT_CHARS, escaped_length):
                await self._post_message(
                    channel=recipient, as_user=True, text=escape_text(piece), type="mrkdwn"
                )

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        """The text as a section and every button, 25 per ``actions`` block. A
        text over a section's limit is split: all but its last piece go first,
        as messages of their own."""
        recipient = self.slack_channel or recipient_id
        *before, last = split_text(text, SLACK_MAX_SECTION_CHARS) or [text]
        for piece in before:
            await self._post_message(channel=recipient, as_user=True, text=escape_text(piece))
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "plain_text", "text": last}}
        ]
        for start in range(0, len(buttons), MAX_BUTTONS_PER_BLOCK):
            chunk = buttons[start : start + MAX_BUTTONS_PER_BLOCK]
            elements = [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": button_label(button["title"])},
                    "value": button["payload"],
                }
                for button in chunk
            ]
            blocks.append({"type": "actions", "elements": elements})
        # The top-level text is what notifications and screen readers show.
        await self._post_message(
            channel=recipient, as_user=True, text=escape_text(last), blocks=blocks
        )
