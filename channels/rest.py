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

A message longer than ``FAQ_MAX_MESSAGE_CHARS`` is not classified at all: it
reaches Rasa as an internal payload with its length in the metadata, and a
rule answers ``utter_message_too_long``, which states the limit. (Bodies over
``SANIC_REQUEST_MAX_SIZE`` bytes never get here: Sanic answers 413.)
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import inbound

logger = logging.getLogger(__name__)


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
    """``RestInput`` that reads only a validated body (kept on ``request.ctx``)."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    async def _extract_sender(self, req: Request) -> str | None:
        return req.ctx.faq_body["conversation_id"]

    def _extract_message(self, req: Request) -> str | None:
        return req.ctx.faq_body["message"]

    def _extract_input_channel(self, req: Request) -> str:
        # Never trust a channel name sent by the client.
        return self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        return request.ctx.faq_body["metadata"]

    def blueprint(self, on_new_message: Any) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def validate(request: Request) -> HTTPResponse | None:
            if request.method != "POST":
                return None
            try:
                request.ctx.faq_body = parse_body(request.body)
            except inbound.BadInput as exc:
                logger.info("Rejected REST request: %s", exc)
                return response.json({"error": str(exc)}, status=400)
            return None

        @blueprint.middleware("response")
        async def own_recipient_id(request: Request, reply: HTTPResponse) -> None:
            # The replies go to the client's sender, not to the namespaced id.
            body = getattr(request.ctx, "faq_body", None)
            if body is None or reply.status != 200 or not reply.body:
                return
            if not (reply.content_type or "").startswith("application/json"):
                return
            messages = json.loads(reply.body)
            if isinstance(messages, list):
                for message in messages:
                    if message.get("recipient_id") == body["conversation_id"]:
                        message["recipient_id"] = body["sender"]
                reply.body = json.dumps(messages).encode()
                reply.headers["content-length"] = str(len(reply.body))

        return blueprint
