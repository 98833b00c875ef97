"""The Slack webhook: checks the signature, reads events and button clicks, and
hands each user message to Rasa once.

Why each part (stock Rasa 3.6's ``SlackInput`` differs; docs/channels.md):

- **Signature.** Every request must carry a valid ``X-Slack-Signature`` made
  within the last five minutes: stock Rasa's
  ``SlackInput.is_request_from_slack_authentic`` checks it, and a bad or stale
  one gets a 400 (tests/test_slack.py sends forged, stale and tampered ones).
- **Input.** The body is read by channels/slack/parsing.py. A readable one
  whose user, channel, thread, event id or text is refused is dropped with a
  log line and a 200 (Slack would only retry it). Conversations are kept under
  ``slack:<user id>``, so a REST caller cannot pick them; metadata is cleaned;
  typed text and button values pass ``inbound.user_text``, so a user cannot
  send an internal payload such as ``/nlu_fallback{...}``, and an over-long
  message gets the "too long" reply as on every channel. Only button clicks
  are read: this bot sends no other interactive component.
- **Redeliveries.** Every event is answered once, whatever Slack's retry reason
  and whichever instance gets it: its ``event_id`` is remembered for an hour
  (stores/handled_events.py) and a redelivery gets a 200 and no reply. Stock
  Rasa drops only ``http_timeout`` retries, even when the first delivery never
  reached the bot, and answers the others twice.
- **Threads.** Rasa replies in the metadata's ``thread_id``: the thread of the
  user's message, or none for a top-level one.
- **url_verification.** The challenge is echoed as ``text/plain``, one of the
  forms Slack documents (stock Rasa answers a JSON string).
- **Escaping.** Incoming text is unescaped before NLU (channels/slack/escaping.py).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel
from rasa.core.channels.slack import SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import inbound
from channels.disabled import disabled, missing_settings
from channels.inbound import Handler
from channels.slack import config
from channels.slack.escaping import unescape_text
from channels.slack.output import ConfigurableSlackBot
from channels.slack.parsing import Reply, SlackMessage, bot_user_ids, dig, media_type, parse_body
from stores import handled_events

logger = logging.getLogger(__name__)

NOT_SIGNED = "Message is not properly signed with a valid X-Slack-Signature header"


class EnvSlackInput(SlackInput):
    """``SlackInput`` reading its settings from the environment
    (channels/slack/config.py)."""

    @classmethod
    def name(cls) -> str:
        return config.CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Build the channel from ``SLACK_*`` variables; the YAML values are ignored."""
        missing = missing_settings(config.REQUIRED)
        if missing:
            return disabled(cls.name(), "Slack", missing)
        return cls(**config.from_environment())

    def __init__(
        self,
        slack_token: str,
        slack_signing_secret: str,
        api_base_url: str = config.DEFAULT_API_BASE_URL,
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
        self, request: Request, on_new_message: Handler, message: SlackMessage
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

    def blueprint(self, on_new_message: Handler) -> Blueprint:
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
                parsed = parse_body(media_type(request), request.body)
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
