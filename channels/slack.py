"""Rasa's Slack channel, configured from the environment and hardened.

- On only when ``SLACK_TOKEN`` (the bot token, ``xoxb-…``) and
  ``SLACK_SIGNING_SECRET`` are set; otherwise off, with one log line, and the
  bot runs without it (``/webhooks/slack/…`` does not exist).
- ``SLACK_API_BASE_URL`` points the Web API client at another server (a fake
  one in tests); the default is ``https://slack.com/api/``.
- Every request must carry a valid ``X-Slack-Signature`` made within the last
  five minutes (stock Rasa checks this; a bad or stale one gets a 400).

What stock Rasa 3.6 gets wrong, and this channel fixes:

- A menu of more than five buttons is sent as plain text, without buttons
  (Slack's old limit): the nine questions never reached Slack as buttons.
  Block Kit now allows 25 elements per ``actions`` block; longer menus are
  split over several blocks, and button labels are cut to Slack's 75 characters.
- Slack retries are dropped only when the reason is ``http_timeout``, even if
  the first delivery never reached the bot, and retries for any other reason
  are answered a second time. Here every event is answered once: its
  ``event_id`` is remembered for an hour (in memory, per process) and a
  redelivery of a handled event gets a 200 and no reply.
- ``url_verification`` is answered with a JSON string (``"abc"``), which is
  not one of the three forms Slack documents; here the challenge is echoed as
  ``text/plain``. The request must still be correctly signed.
- Message text is sent without escaping ``&``, ``<`` and ``>``, which Slack
  requires (``<…>`` would be read as a link or mention); incoming text arrives
  with them escaped and is unescaped before NLU.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from channels.disabled import disabled, missing_settings

logger = logging.getLogger(__name__)

REQUIRED = ("SLACK_TOKEN", "SLACK_SIGNING_SECRET")
DEFAULT_API_BASE_URL = "https://slack.com/api/"
# Block Kit limits: elements per actions block, characters per button label.
MAX_BUTTONS_PER_BLOCK = 25
MAX_BUTTON_LABEL_CHARS = 75
# Slack retries a failed delivery three times, the last about 5 minutes later.
HANDLED_EVENT_TTL_S = 3600.0
MAX_HANDLED_EVENTS = 10_000


def escape_text(text: str) -> str:
    """Escape the three characters Slack reserves for its own markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape_text(text: str) -> str:
    """Undo the escaping Slack applies to message text it delivers."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def button_label(title: str) -> str:
    """A button title cut to Slack's limit (a longer one makes the whole message fail)."""
    if len(title) <= MAX_BUTTON_LABEL_CHARS:
        return title
    return title[: MAX_BUTTON_LABEL_CHARS - 1] + "…"


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

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Send the text (one message per paragraph, as Rasa does), escaped."""
        await super().send_text_message(recipient_id, escape_text(text), **kwargs)

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        """Send the text as a section and every button, 25 per ``actions`` block."""
        recipient = self.slack_channel or recipient_id
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "plain_text", "text": text}}
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
            channel=recipient, as_user=True, text=escape_text(text), blocks=blocks
        )


class EnvSlackInput(SlackInput):
    """``SlackInput`` reading its settings from the environment (see the module doc)."""

    @classmethod
    def name(cls) -> str:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Build the channel from ``SLACK_*`` variables; the YAML values are ignored."""
        missing = missing_settings(REQUIRED)
        if missing:
            return disabled(cls.name(), "Slack", missing)
        return cls(
            os.environ["SLACK_TOKEN"],
            os.environ["SLACK_SIGNING_SECRET"],
            api_base_url=os.environ.get("SLACK_API_BASE_URL") or DEFAULT_API_BASE_URL,
        )

    def __init__(
        self,
        slack_token: str,
        slack_signing_secret: str,
        api_base_url: str = DEFAULT_API_BASE_URL,
    ) -> None:
        super().__init__(
            slack_token,
            slack_retry_reason_header="x-slack-retry-reason",
            slack_retry_number_header="x-slack-retry-num",
            slack_signing_secret=slack_signing_secret,
        )
        self.api_base_url = api_base_url
        # Redeliveries are recognised by event_id (process_message), whatever
        # their reason, so stock Rasa's "drop every http_timeout retry" is off.
        self.errors_ignore_retry: tuple[str, ...] = ()
        self._handled_events: OrderedDict[str, float] = OrderedDict()

    def get_output_channel(
        self, channel: str | None = None, thread_id: str | None = None
    ) -> OutputChannel:
        """A ``SlackBot`` whose Web API client uses ``SLACK_API_BASE_URL``."""
        return ConfigurableSlackBot(
            self.slack_token,
            channel or self.slack_channel,
            thread_id,
            self.proxy,
            api_base_url=self.api_base_url,
        )

    @staticmethod
    def _sanitize_user_message(text: str, uids_to_remove: list[str] | None) -> str:
        return unescape_text(SlackInput._sanitize_user_message(text, uids_to_remove))

    def _first_delivery(self, event_id: str) -> bool:
        """Remember ``event_id``; ``False`` if it was already handled within the TTL."""
        now = time.monotonic()
        events = self._handled_events
        while events and (
            now - next(iter(events.values())) > HANDLED_EVENT_TTL_S
            or len(events) >= MAX_HANDLED_EVENTS
        ):
            events.popitem(last=False)
        if event_id in events:
            return False
        events[event_id] = now
        return True

    async def process_message(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: str,
        sender_id: str | None,
        metadata: dict | None,
    ) -> Any:
        """Hand a user message to Rasa once per Slack event, however often it is delivered."""
        body = request.json if _media_type(request) == "application/json" else None
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if isinstance(event_id, str) and not self._first_delivery(event_id):
            logger.info(
                "Slack event %s already handled; ignoring redelivery #%s (%s).",
                event_id,
                request.headers.get(self.retry_num_header, "?"),
                request.headers.get(self.retry_reason_header, "no reason given"),
            )
            return response.text("", headers={"X-Slack-No-Retry": "1"})
        return await super().process_message(request, on_new_message, text, sender_id, metadata)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's Slack blueprint, with ``url_verification`` answered as Slack documents."""
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def url_verification(request: Request) -> HTTPResponse | None:
            if request.method != "POST" or _media_type(request) != "application/json":
                return None
            try:
                body = json.loads(request.body)
            except (ValueError, UnicodeDecodeError):
                return None
            if not isinstance(body, dict) or body.get("type") != "url_verification":
                return None
            if not self.is_request_from_slack_authentic(request):
                return None  # Rasa's handler answers it with a 400
            return response.text(str(body.get("challenge", "")))

        return blueprint


def _media_type(request: Request) -> str:
    return (request.headers.get("content-type") or "").split(";")[0].strip().lower()
