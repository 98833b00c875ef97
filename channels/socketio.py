"""Rasa's socket.io channel (the web chat's), held to the rules of every channel.

Stock Rasa 3.6's ``SocketIOInput``

- turns python-engineio's origin check off (``cors_allowed_origins=[]``), so any
  web page could open a socket to the bot;
- reads packets of up to python-engineio's default of 1 MB, and hands the
  message to NLU whole (measured on the 2-core test machine, over REST with the
  caps raised: a 1 MB message took 11.6 s in NLU, and a "hi" sent meanwhile
  waited 10.6 s);
- passes the client's ``session_id``, message and metadata to Rasa unchecked: any
  type and length, control characters, lone surrogates (with stock Rasa, one
  conversation id with one stopped the server: patches/tracker_errors.py), and
  internal payloads such as ``/nlu_fallback{...}``, whose entity a reply quotes.

This channel keeps Rasa's events, rooms and replies, and

- lets only ``WEB_CHAT_ORIGINS`` (comma-separated http(s) origins) connect: a
  request from another origin gets a 400. Empty or unset means the page's own
  origin, never any origin: ``WEB_PUBLIC_URL``'s, or http://localhost:WEB_PORT
  and http://127.0.0.1:WEB_PORT. An entry that is not an http(s) URL (``*``
  included) stops Rasa at start-up with the reason. (engine.io lets in clients
  that send no ``Origin`` header, which browsers always send; they meet the
  rules below all the same.)
- caps an engine.io packet at ``inbound.MAX_BODY_BYTES`` (SANIC_REQUEST_MAX_SIZE,
  64 KiB), the HTTP body cap: a bigger websocket message closes that socket, and
  a bigger HTTP-polling POST gets Sanic's 413, before anything is parsed;
- applies channels/inbound.py: ``session_id`` (or, without session persistence,
  the socket's id) must be a valid id and the conversation is kept under
  ``socketio:<id>``; the message and metadata go through ``user_turn`` (the
  length cap, cleaning and payload rules of REST). A refused event is dropped
  with a log line; the socket stays open and the server goes on;
- accepts the websocket transport only. The Rasa server runs several
  processes (SANIC_WORKERS) on one port, and the kernel hands each connection
  to one of them: a websocket stays with the process that knows its session,
  while HTTP long-polling requests of one session may reach another process,
  which answers "Invalid session" (seen on every other poll with two
  processes). A polling client gets a clear 400 "Invalid transport" instead;
  the web page's bundle opens websockets (setup/fetch_webchat.sh).
- sends buttons as ``buttons``, not ``quick_replies``: rasa-webchat shows quick
  replies only under the latest message, so the greeting's "You can ask me any of
  these questions" stood with no questions under it as soon as the next message
  arrived. Buttons stay under the message that offers them.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any
from urllib.parse import urlsplit

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot import settings
from channels import inbound

logger = logging.getLogger(__name__)

CHANNEL = "socketio"
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """The origin of an http(s) ``url`` as a browser sends it in ``Origin``:
    ``scheme://host[:port]``, lower case, without a path or a default port."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    not_http = ValueError(f"not an http(s) URL: {url!r}")
    try:
        port = parts.port
    except ValueError as exc:  # not a number, or out of range
        raise not_http from exc
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise not_http
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def page_origins() -> list[str]:
    """Where the web chat page is served from (scripts/web.py, or WEB_PUBLIC_URL)."""
    public_url = settings.get("WEB_PUBLIC_URL").strip()
    if public_url:
        return [origin_of(public_url)]
    port = settings.get("WEB_PORT").strip()
    return [origin_of(f"http://localhost:{port}"), origin_of(f"http://127.0.0.1:{port}")]


def allowed_origins() -> list[str]:
    """``WEB_CHAT_ORIGINS``, or the page's own origins when it is empty or unset."""
    raw = settings.get("WEB_CHAT_ORIGINS")
    origins = [origin_of(origin) for origin in raw.split(",") if origin.strip()]
    return origins or page_origins()


def session_id(raw: Any) -> str:
    """The client's ``session_id``: a string that ``inbound.check_id`` accepts."""
    if not isinstance(raw, str):
        raise inbound.BadInput("'session_id' must be a non-empty string")
    return inbound.check_id(raw, "session_id")


def requested_session(data: Any) -> str:
    """The session id a ``session_request`` asks for; a new one if it names none
    (as in Rasa: the widget's first visit sends ``{"session_id": null}``)."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise inbound.BadInput("session_request data must be an object")
    if data.get("session_id") is None:
        return uuid.uuid4().hex
    return session_id(data["session_id"])


def parse_message(
    data: Any, sid: str, session_persistence: bool, metadata_key: str = "metadata"
) -> dict[str, Any]:
    """Validate a user message event: the conversation id, the text and metadata
    Rasa gets (``inbound.BadInput`` if it is refused)."""
    if not isinstance(data, dict):
        raise inbound.BadInput("message data must be an object")
    if session_persistence:
        if data.get("session_id") is None:
            raise inbound.BadInput("'session_id' is missing: send session_request first")
        sender = inbound.conversation_id(CHANNEL, session_id(data["session_id"]), "session_id")
    else:
        sender = inbound.conversation_id(CHANNEL, sid, "sid")
    metadata = data.get(metadata_key)
    if isinstance(metadata, str):  # Rasa also takes metadata as a JSON string
        try:
            metadata = inbound.load_json(metadata)
        except inbound.BadInput as exc:
            raise inbound.BadInput(f"'metadata': {exc}") from exc
    text, metadata = inbound.user_turn(data.get("message"), metadata)
    return {"conversation_id": sender, "message": text, "metadata": metadata}


class ButtonsStaySocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, with buttons that rasa-webchat keeps on screen."""

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        # Rasa's own splitting: one message per paragraph, the buttons on the last.
        parts = text.strip().split("\n\n") or [text]
        messages: list[dict[str, Any]] = [{"text": part} for part in parts]
        messages[-1]["buttons"] = [
            {"type": "postback", "title": button["title"], "payload": button["payload"]}
            for button in buttons
        ]
        for message in messages:
            await self._send_message(recipient_id, message)


class OriginCheckedSocketIOInput(SocketIOInput):
    """``SocketIOInput`` with the origin check, the packet cap and validated input."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def blueprint(self, on_new_message: Any) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        origins = allowed_origins()
        # engine.io reads both on every request: it answers preflights for these
        # origins and rejects any other Origin (HTTP polling and websocket alike).
        sio.eio.cors_allowed_origins = origins
        sio.eio.max_http_buffer_size = inbound.MAX_BODY_BYTES
        sio.eio.transports = ["websocket"]  # see the module doc
        logger.info(
            "socket.io accepts the origins %s and packets of up to %d bytes",
            ", ".join(origins),
            inbound.MAX_BODY_BYTES,
        )

        async def session_request(sid: str, data: Any = None) -> None:
            try:
                session = requested_session(data)
            except inbound.BadInput as exc:
                logger.info("Dropped socket.io session_request from %s: %s", sid, exc)
                return
            if self.session_persistence:
                # The replies go to the room of the conversation id (Rasa's recipient).
                sio.enter_room(sid, inbound.conversation_id(CHANNEL, session, "session_id"))
            await sio.emit("session_confirm", session, room=sid)

        async def handle_message(sid: str, data: Any = None) -> None:
            try:
                message = parse_message(data, sid, self.session_persistence, self.metadata_key)
            except inbound.BadInput as exc:
                logger.info("Dropped socket.io message from %s: %s", sid, exc)
                return
            if not self.session_persistence:
                sio.enter_room(sid, message["conversation_id"])
            await on_new_message(
                UserMessage(
                    message["message"],
                    ButtonsStaySocketIOOutput(sio, self.bot_message_evt),
                    message["conversation_id"],
                    input_channel=self.name(),
                    metadata=message["metadata"],
                )
            )

        # Replace Rasa's handlers of these two events (same events, same namespace).
        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return blueprint
