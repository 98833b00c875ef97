"""Rasa's Slack channel, configured from the environment and hardened.

- On only when ``SLACK_TOKEN`` (the bot token, ``xoxb-…``) and
  ``SLACK_SIGNING_SECRET`` are set; otherwise off, with one log line, and the
  bot runs without it (``/webhooks/slack/…`` does not exist).
- ``SLACK_API_BASE_URL`` points the Web API client at another server (a fake
  one in tests); the default is ``https://slack.com/api/``.
- Every request must carry a valid ``X-Slack-Signature`` made within the last
  five minutes (stock Rasa checks this; a bad or stale one gets a 400).

What stock Rasa 3.6 gets wrong, and this channel fixes:

- **Input.** The webhook trusts the body: an empty body, a JSON list, an
  ``event`` that is not an object, a non-string ``text``, a form without
  ``payload`` or with an invalid, deeply nested or non-object one, or a click
  on a component it does not read each get a 500 (and Slack retries a 5xx).
  Ids and text go to Rasa unchecked, conversations are kept under the bare
  Slack user id (which a REST caller could pick too), and a user can type, or
  send through a button, an internal payload such as ``/nlu_fallback{...}``.
  Here the webhook is this module's own and reads the body once, by the rules
  every channel shares (channels/inbound.py). A body that cannot be read gets
  a 400; a readable one whose user, channel, thread, event id or text is
  refused is dropped with a log line and a 200 (Slack would only retry it).
  Conversations are kept under ``slack:<user id>``, metadata is cleaned, and
  typed text and button values pass ``user_text`` (so an over-long message
  gets the "too long" reply, as on REST). Only button clicks are read: this
  bot sends no other interactive component.
- **Retries.** Slack retries are dropped only when the reason is
  ``http_timeout``, even if the first delivery never reached the bot, and
  retries for any other reason are answered a second time. Here every event is
  answered once, whatever the reason and whichever instance gets it: its
  ``event_id`` is remembered for an hour (stores/handled_events.py: in Redis
  when the lock store is Redis, in memory otherwise) and a redelivery of a
  handled event gets a 200 and no reply.
- **Failed replies.** A ``chat.postMessage`` that Slack refuses raises out of
  Rasa's message handling: the turn's later replies are not sent and the turn
  is not saved (the conversation loses the question and its answer), and a
  rate limit is never retried. Here each failure is logged with Slack's error
  code (``invalid_blocks``, ``ratelimited``, …) and the turn goes on; a
  rate-limited message is sent again once, after Slack's ``Retry-After`` (at
  most ``MAX_RETRY_AFTER_S``, since the conversation waits meanwhile).
- **Threads.** Replies go to the top level of the channel unless
  ``use_threads`` is on, and then every reply starts a thread under the
  user's message. Here a message in a thread is answered in that thread, and
  a top-level message at the top level.
- **Length.** A section block over 3,000 characters (a long text with
  buttons) makes Slack refuse the whole message (``invalid_blocks``), and
  Slack cuts message text after 40,000 characters. Here such text is split
  over several messages, at paragraph, else line, else word boundaries;
  buttons go with the last piece.
- **Menus.** A menu of more than five buttons is sent as plain text, without
  buttons (Slack's old limit): the nine questions never reached Slack as
  buttons. Block Kit now allows 25 elements per ``actions`` block; longer
  menus are split over several blocks, and button labels are cut to Slack's
  75 characters.
- **url_verification** is answered with a JSON string (``"abc"``), which is
  not one of the three forms Slack documents; here the challenge is echoed as
  ``text/plain``. The request must still be correctly signed.
- **Escaping.** Message text is sent without escaping ``&``, ``<`` and ``>``,
  which Slack requires (``<…>`` would be read as a link or mention); incoming
  text arrives with them escaped and is unescaped before NLU.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot import settings
from channels import inbound
from channels.disabled import disabled, missing_settings
from stores import handled_events

logger = logging.getLogger(__name__)

REQUIRED = ("SLACK_TOKEN", "SLACK_SIGNING_SECRET")
DEFAULT_API_BASE_URL = settings.DEFAULTS["SLACK_API_BASE_URL"]
# Block Kit limits: elements per actions block, characters per button label.
MAX_BUTTONS_PER_BLOCK = 25
MAX_BUTTON_LABEL_CHARS = 75
# Characters per message text (as sent, i.e. escaped) and per section block.
MAX_TEXT_CHARS = 40_000
MAX_SECTION_CHARS = 3000
# A rate-limited message is sent again once, after Slack's Retry-After but no
# later than this: the conversation waits meanwhile.
MAX_RETRY_AFTER_S = 3.0
DEFAULT_RETRY_AFTER_S = 1.0
# Where a long text may be cut, best first.
BOUNDARIES = ("\n\n", "\n", " ")
NOT_SIGNED = "Message is not properly signed with a valid X-Slack-Signature header"


def escape_text(text: str) -> str:
    """Escape the three characters Slack reserves for its own markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape_text(text: str) -> str:
    """Undo the escaping Slack applies to message text it delivers."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escaped_length(text: str) -> int:
    return len(escape_text(text))


def button_label(title: str) -> str:
    """A button title cut to Slack's limit (a longer one makes the whole message fail)."""
    if len(title) <= MAX_BUTTON_LABEL_CHARS:
        return title
    return title[: MAX_BUTTON_LABEL_CHARS - 1] + "…"


def split_text(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters as ``measure`` counts
    them, each cut at the last paragraph break that fits, else line break, else
    space, else mid-word; white space around the cuts is dropped."""
    pieces: list[str] = []
    rest = text.strip()
    while rest:
        if measure(rest) <= limit:
            pieces.append(rest)
            break
        # The longest prefix that fits (``measure`` never counts less than len).
        low, high = 1, min(len(rest), limit)
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if measure(rest[:middle]) <= limit else (low, middle - 1)
        fits = rest[:low]
        cut = next((i for i in map(fits.rfind, BOUNDARIES) if i > 0), len(fits))
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return pieces


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
            for piece in split_text(paragraph, MAX_TEXT_CHARS, escaped_length):
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
        *before, last = split_text(text, MAX_SECTION_CHARS) or [text]
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


@dataclass
class SlackMessage:
    """A user message read from a Slack request and checked by channels/inbound.py."""

    conversation_id: str
    text: str
    metadata: dict[str, Any]
    event_id: str | None = None


@dataclass
class Reply:
    """The 200 answer to a Slack request that brings Rasa no message."""

    text: str


def dig(value: Any, *path: str | int) -> Any:
    """``value[path[0]][path[1]]…`` through JSON objects and lists, ``None`` if
    any step is missing or of another type."""
    for key in path:
        if isinstance(value, dict) and isinstance(key, str):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
            value = value[key]
        else:
            return None
    return value


def parse_body(media_type: str, raw: bytes) -> tuple[str, dict[str, Any]] | None:
    """What a Slack request carries: ``("event", body)`` from the Events API
    (JSON) or ``("interaction", payload)`` from a form's ``payload`` field;
    ``None`` for another content type. ``inbound.BadInput`` if it is unreadable."""
    if media_type == "application/json":
        kind, value = "event", inbound.load_json(raw)
    elif media_type == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(raw.decode())
        except UnicodeDecodeError as exc:
            raise inbound.BadInput("form body must be UTF-8") from exc
        if not form.get("payload"):
            raise inbound.BadInput("form body has no 'payload'")
        kind, value = "interaction", inbound.load_json(form["payload"][0])
    else:
        return None
    if not isinstance(value, dict):
        raise inbound.BadInput(f"the {kind} must be a JSON object")
    return kind, value


def bot_user_ids(body: dict[str, Any]) -> list[str]:
    """The ids of the app's bot user, whose mentions are cut from the text."""
    authed = body.get("authed_users")
    if isinstance(authed, list):
        return [user for user in authed if isinstance(user, str)]
    user = dig(body, "authorizations", 0, "user_id")
    return [user] if isinstance(user, str) else []


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
            settings.get("SLACK_TOKEN"),
            settings.get("SLACK_SIGNING_SECRET"),
            api_base_url=settings.get("SLACK_API_BASE_URL"),
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
            # Rasa answers in the metadata's "thread_id", which is the thread
            # of the user's message, or None for a top-level one (_message).
            use_threads=True,
            slack_signing_secret=slack_signing_secret,
        )
        self.api_base_url = api_base_url
        # Redeliveries are recognised by event_id (_hand_over), whatever their
        # reason, so stock Rasa's "drop every http_timeout retry" is off.
        self.errors_ignore_retry: tuple[str, ...] = ()
        self.handled_events = handled_events.from_environment()

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

    def read_event(self, body: dict[str, Any]) -> SlackMessage | Reply:
        """An Events API body: the challenge, a user message, or nothing for Rasa."""
        if body.get("type") == "url_verification":
            challenge = body.get("challenge")
            if not isinstance(challenge, str):
                raise inbound.BadInput("'challenge' must be a string")
            return Reply(challenge)
        event = body.get("event")
        if not isinstance(event, dict) or not self._is_user_message(body):
            logger.debug("Slack event that is not a user message skipped.")
            return Reply("Bot message delivered.")
        channel = inbound.check_id(event.get("channel"), "channel")
        if not self._is_supported_channel(body, {"out_channel": channel}):
            logger.warning("Slack message on unsupported channel %s skipped.", channel)
            return Reply("channel not supported.")
        text = event["text"]
        if not isinstance(text, str):
            raise inbound.BadInput("'text' must be a string")
        users = bot_user_ids(body)
        return self._message(
            event.get("user"),
            channel,
            event.get("thread_ts"),
            self._sanitize_user_message(text, users),
            users,
            body.get("event_id"),
        )

    def read_interaction(self, payload: dict[str, Any]) -> SlackMessage | Reply:
        """An interaction payload: a button click, or nothing for Rasa."""
        action = dig(payload, "actions", 0)
        if dig(action, "type") != "button":
            logger.warning("Slack interaction other than a button click ignored.")
            return Reply("Only buttons are supported.")
        if action.get("value") is None:  # a link button: Slack opens its URL
            return Reply("User clicked link button")
        user = inbound.check_id(dig(payload, "user", "id"), "user")
        channel = inbound.check_id(dig(payload, "channel", "id"), "channel")
        thread_ts = dig(payload, "message", "thread_ts")
        return self._message(user, channel, thread_ts, action["value"], [user])

    def _message(
        self,
        user: Any,
        channel: str,
        thread_ts: Any,
        text: Any,
        users: list[str],
        event_id: Any = None,
    ) -> SlackMessage:
        """The checked message (``inbound.BadInput`` if anything is refused)."""
        conversation_id = inbound.conversation_id(self.name(), user, "user")
        if thread_ts is not None:
            thread_ts = inbound.check_id(thread_ts, "thread_ts")
        if event_id is not None:
            event_id = inbound.check_id(event_id, "event_id")
        said = inbound.user_text(text)
        metadata = {"out_channel": channel, "thread_id": thread_ts, "users": users}
        return SlackMessage(
            conversation_id,
            said.text,
            inbound.clean_metadata({**metadata, **said.metadata}),
            event_id,
        )

    async def _hand_over(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        message: SlackMessage,
    ) -> HTTPResponse:
        """Hand the message to Rasa once per Slack event, however often it is delivered."""
        if message.event_id and not await self.handled_events.first_delivery(message.event_id):
            logger.info(
                "Slack event %s already handled; ignoring redelivery #%s (%s).",
                message.event_id,
                request.headers.get(self.retry_num_header, "?"),
                request.headers.get(self.retry_reason_header, "no reason given"),
            )
            return response.text("", headers={"X-Slack-No-Retry": "1"})
        return await self.process_message(
            request, on_new_message, message.text, message.conversation_id, message.metadata
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's routes (``/`` and ``/webhook``), reading requests as the module doc says."""
        blueprint = Blueprint("slack_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["GET", "POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.is_request_from_slack_authentic(request):
                return response.text(NOT_SIGNED, status=400)
            try:
                parsed = parse_body(_media_type(request), request.body)
            except inbound.BadInput as exc:
                logger.info("Rejected a Slack request: %s", exc)
                return response.text(str(exc), status=400)
            if parsed is None:
                return response.text("Bot message delivered.")
            kind, body = parsed
            try:
                read = self.read_event(body) if kind == "event" else self.read_interaction(body)
            except inbound.BadInput as exc:
                logger.info("Dropped a Slack %s: %s", kind, exc)
                return response.text("")
            if isinstance(read, Reply):
                return response.text(read.text)
            return await self._hand_over(request, on_new_message, read)

        return blueprint


def _media_type(request: Request) -> str:
    return (request.headers.get("content-type") or "").split(";")[0].strip().lower()
