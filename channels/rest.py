"""Rasa's REST channel, hardened against bad input.

Stock Rasa 3.6 answers an empty body or a JSON list with a 500, a body nested
a few thousand levels deep with a 500, and accepts numbers, nulls, control
characters and lone surrogates as messages and conversation ids (a lone
surrogate in ``sender`` stopped the server: patches/tracker_errors.py). This
channel keeps the same URL (``/webhooks/rest/webhook``) and response format,
but validates the body first by the rules every channel shares
(channels/inbound.py) and answers bad requests with a 400 that says what is
wrong.

The conversation is kept under ``rest:<sender>`` (its namespace), and the
replies name the client's own ``sender`` as ``recipient_id``.

Its ``/webhook`` handler replaces Rasa's, which answered every failure with
``200`` and whatever replies it had collected (``200 []`` when the lock store
failed), and logged the message text at ERROR, out of reach of retention and
erasure. Here a turn that could not be stored is a ``503`` with
``Retry-After`` and the bot's "temporarily unavailable" as ``messages``
(patches/store_failures.py); any other failure a ``500``, logged without the
text. ``?stream=true`` is refused with a 400: Rasa's streaming reply raised an
``AttributeError`` here and carried the internal ``rest:<sender>`` ids.

A message longer than ``FAQ_MAX_MESSAGE_CHARS`` is not classified at all, on
this channel as on every other: ``inbound.user_turn`` (channels/inbound.py)
passes it to Rasa as ``/nlu_fallback{"max_chars": …}`` with its length in the
metadata, and a rule (data/rules.yml) runs ``action_message_too_long``, which
sends the content's ``message_too_long`` text with the limit. (Bodies over
``SANIC_REQUEST_MAX_SIZE`` bytes never get here: Sanic answers 413.)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import inbound
from stores.failures import StoreUnavailable

logger = logging.getLogger(__name__)

# A full disk or a database restart: a client may try again after this long.
RETRY_AFTER_S = 30


def parse_body(raw: bytes) -> dict[str, Any]:
    """Validate a webhook body: the client's ``sender``, the conversation id,
    ``message`` and ``metadata`` (``inbound.BadInput`` if it is refused)."""
    body = inbound.load_json(raw)
    if not isinstance(body, dict):
        raise inbound.BadInput("body must be a JSON object")
    sender = inbound.check_id(body.get("sender"))
    text, metadata = inbound.user_turn(body.get("message"), body.get("metadata"))
    return {
        "sender": sender,
        "conversation_id": f"{RestInput.name()}:{sender}",
        "message": text,
        "metadata": metadata,
    }


class HardenedRestInput(RestInput):
    """``RestInput``'s URL and replies, with its own ``/webhook`` handler (see the module doc)."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("hardened_rest_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if "stream" in request.get_args(keep_blank_values=True):
                return error(400, "streaming replies (?stream=) are not supported")
            try:
                body = parse_body(request.body)
            except inbound.BadInput as exc:
                logger.info("Rejected REST request: %s", exc)
                return error(400, str(exc))
            collector = CollectingOutputChannel()
            message = UserMessage(
                body["message"],
                collector,
                body["conversation_id"],
                input_channel=self.name(),
                metadata=body["metadata"],
            )
            try:
                await on_new_message(message)
            except StoreUnavailable as exc:
                # The reason is logged once per incident (patches/store_failures.py).
                return error(503, f"temporarily unavailable: {exc}", collector, body["sender"])
            except Exception:
                # Never the message text: the log is out of reach of retention and erasure.
                logger.exception("Could not handle a REST message")
                return error(500, "the message could not be handled")
            return response.json(own_recipient(collector.messages, body["sender"]))

        return blueprint


def own_recipient(messages: list[dict[str, Any]], sender: str) -> list[dict[str, Any]]:
    """The replies, addressed to the client's ``sender`` rather than the namespaced id."""
    return [{**message, "recipient_id": sender} for message in messages]


def error(
    status: int,
    reason: str,
    collector: CollectingOutputChannel | None = None,
    sender: str = "",
) -> HTTPResponse:
    """``{"error": reason}``; a 503 also carries the bot's apology, as ``messages``,
    and asks the client to retry in a while."""
    body: dict[str, Any] = {"error": reason}
    headers = {}
    if status == 503:
        body["messages"] = own_recipient(collector.messages if collector else [], sender)
        headers["Retry-After"] = str(RETRY_AFTER_S)
    return response.json(body, status=status, headers=headers)
