"""Rasa's REST channel, hardened against bad input.

Stock Rasa 3.6 answers an empty body or a JSON list with a 500 and accepts
numbers, nulls and control characters as messages. This channel keeps the same
URL (``/webhooks/rest/webhook``) and response format, but validates the body
first and answers bad requests with a 400 that says what is wrong.

A message longer than ``FAQ_MAX_MESSAGE_CHARS`` is not classified at all: it
reaches Rasa as ``/nlu_fallback{"max_chars": "1,000"}`` with its length in the
metadata, and a rule answers ``utter_message_too_long``, which states the limit.
(Bodies over ``SANIC_REQUEST_MAX_SIZE`` bytes never get here: Sanic answers 413.)
"""

from __future__ import annotations

import json
import logging
import os
import re
from typing import Any

from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = int(os.environ.get("FAQ_MAX_MESSAGE_CHARS", "1000"))
# What an over-long message becomes. ``nlu_fallback`` is Rasa's built-in intent
# for "not classified", so it needs no NLU examples; the ``max_chars`` entity
# selects the rule (data/rules.yml) and fills the slot the reply quotes.
TOO_LONG_PAYLOAD = "/nlu_fallback" + json.dumps({"max_chars": f"{MAX_MESSAGE_CHARS:,}"})
MAX_SENDER_CHARS = 128
# Unicode's control characters (category Cc) except tab and newline, and lone
# surrogates (Cs), which the tracker store cannot encode. One C-speed regex pass,
# so even a huge message is cleaned quickly.
UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# What Rasa accepts as an intent payload (buttons send "/faq_..."): an intent
# name, optionally followed by a JSON object of entities.
INTENT_PAYLOAD = re.compile(r"/[\w-]+(@[0-9.]+)?(?P<entities>\{.*\})?", re.DOTALL)


class BadRequest(ValueError):
    """A request body the channel refuses, with the reason for the client."""


def clean_text(text: str) -> str:
    """Replace control characters and lone surrogates with spaces, and trim."""
    return UNWANTED.sub(" ", text).strip()


def check_intent_payload(text: str) -> None:
    """Refuse malformed ``/intent{...}`` payloads instead of guessing at them."""
    match = INTENT_PAYLOAD.fullmatch(text)
    if not match:
        raise BadRequest("malformed intent payload: expected /intent or /intent{json}")
    entities = match.group("entities")
    if entities is not None:
        try:
            parsed = json.loads(entities)
        except ValueError as exc:
            raise BadRequest("malformed intent payload: entities must be JSON") from exc
        if not isinstance(parsed, dict):
            raise BadRequest("malformed intent payload: entities must be a JSON object")


def parse_body(raw: bytes) -> dict[str, Any]:
    """Validate a webhook body and return ``sender``, ``message`` and ``metadata``."""
    try:
        body = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")

    sender = body.get("sender")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not sender.strip():
        raise BadRequest("'sender' must be a non-empty string")
    if len(sender) > MAX_SENDER_CHARS:
        raise BadRequest(f"'sender' must be at most {MAX_SENDER_CHARS} characters")

    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest("'metadata' must be a JSON object")

    message = body.get("message")
    if not isinstance(message, str):
        raise BadRequest("'message' must be a string")
    text = clean_text(message)
    if not text:
        raise BadRequest("'message' must contain some text")

    if len(text) > MAX_MESSAGE_CHARS:
        # Not classified: the reply states the limit, and the tracker keeps the
        # turn with the message's length (not its text).
        metadata = {**(metadata or {}), "original_length": len(message)}
        text = TOO_LONG_PAYLOAD
    elif text.startswith("/"):
        check_intent_payload(text)

    return {"sender": sender, "message": text, "metadata": metadata}


class HardenedRestInput(RestInput):
    """``RestInput`` that reads only a validated body (kept on ``request.ctx``)."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    async def _extract_sender(self, req: Request) -> str | None:
        return req.ctx.faq_body["sender"]

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
            except BadRequest as exc:
                logger.info("Rejected REST request: %s", exc)
                return response.json({"error": str(exc)}, status=400)
            return None

        return blueprint
