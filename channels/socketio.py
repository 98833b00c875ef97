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
  the socket's id) must be a valid id, and the conversation is kept under
  ``socketio:<id>`` (with persistence, the session part of the issued id: see
  below); the message and metadata go through ``user_turn`` (the
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

Session ids are the server's, and bound to the socket. Stock Rasa confirms
whatever ``session_id`` a ``session_request`` names and puts the socket in the
room of that id, where Rasa sends the conversation's replies; and it takes any
``session_id`` on ``user_uttered``. So whoever learns a visitor's session id (a
shared screen, a log, a guess at a chosen id such as "alice") receives that
visitor's replies live, can write into their conversation and can erase it
with "forget me". Here (``SessionIds``, ``session_request``, ``handle_message``):

- the server issues every id: ``<session>.<proof>``, ``session`` 128 random bits
  in hex, ``proof`` the HMAC-SHA256 of it under ``SESSION_SECRET`` (made once
  into var/secrets/ when unset, so the Rasa processes and restarts agree),
  truncated to 128 bits, base64url. Rasa stores the conversation as
  ``socketio:<session>``, so the proof is never in the tracker store or in
  replies, and no log line of this module quotes an id a client sent;
- a ``session_request`` with a valid issued id resumes that conversation (a
  reload, a reconnect: rasa-webchat keeps the confirmed id in localStorage and
  sends it back). Any other well-formed id (chosen by the client, a tampered or
  missing proof) gets a new issued id, with an INFO line that does not quote
  what was offered; a malformed one is dropped like any bad id;
- each process remembers, per socket id (sid), the session it confirmed, and
  forgets it on disconnect: websockets stay with one process (above), and
  python-socketio's rooms are per process too. ``user_uttered`` is taken only
  with exactly that session id (the full issued value, as the widget sends it);
  anything else is dropped with a log line that holds no message text. Without
  ``session_persistence`` the conversation is the socket's id, as in Rasa.

Rasa and python-socketio 5.9 internals this relies on: ``SocketIOInput.blueprint``
creates ``self.sio`` and registers its handlers by name (``sio.on`` replaces
them); ``SocketIOOutput`` emits replies to the room named by the recipient id,
the conversation id; python-socketio runs each event in its own task, and calls
the ``disconnect`` handler once ``sio.manager.is_connected`` is False for the
socket and before it leaves its rooms. ``tests/test_e2e_socketio.py`` guards
each rule against the real server, and tests/test_webchat.py the widget's reload.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
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
# An issued session id: 128 random bits in hex, ".", the proof (see SessionIds).
ISSUED_ID = re.compile(r"(?P<session>[0-9a-f]{32})\.(?P<proof>[A-Za-z0-9_-]{22})")
PROOF_BYTES = 16  # HMAC-SHA256 truncated to 128 bits: 22 base64url characters
# Keeps these proofs apart from anything else SESSION_SECRET may ever sign.
PROOF_CONTEXT = b"socketio-session:"


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


@dataclass(frozen=True)
class SessionIds:
    """Issues socket.io session ids and tells them from any other value.

    An id is ``<session>.<proof>``: ``session`` is random and names the
    conversation (``socketio:<session>``); ``proof`` is its HMAC under the
    secret, so only this server (or one sharing ``SESSION_SECRET``) can make one,
    and knowing a conversation id is not enough to take it over."""

    secret: bytes

    @classmethod
    def from_settings(cls) -> SessionIds:
        return cls(settings.get("SESSION_SECRET").encode())

    def proof(self, session: str) -> str:
        digest = hmac.new(self.secret, PROOF_CONTEXT + session.encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()[:PROOF_BYTES]).rstrip(b"=").decode()

    def issue(self) -> str:
        session = secrets.token_hex(16)
        return f"{session}.{self.proof(session)}"

    def session_of(self, issued: str) -> str | None:
        """The session (conversation) part of an id this server issued; None for
        any other value: a chosen id, a bare session, a wrong proof."""
        match = ISSUED_ID.fullmatch(issued)
        if match is None or not hmac.compare_digest(match["proof"], self.proof(match["session"])):
            return None
        return match["session"]


@dataclass(frozen=True)
class Confirmed:
    """The session confirmed to a socket: the id it was sent, and its conversation."""

    issued: str
    conversation_id: str


def session_id(raw: Any) -> str:
    """The client's ``session_id``: a string that ``inbound.check_id`` accepts."""
    if not isinstance(raw, str):
        raise inbound.BadInput("'session_id' must be a non-empty string")
    return inbound.check_id(raw, "session_id")


def requested_session(data: Any, ids: SessionIds) -> tuple[Confirmed, bool]:
    """The session a ``session_request`` gets, and whether it offered an id that
    was not issued here (and so got a new one instead). A valid issued id
    resumes its conversation; no id (the widget's first visit sends
    ``{"session_id": null}``) or any other well-formed id gets a new one; a
    malformed one is ``inbound.BadInput``."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise inbound.BadInput("session_request data must be an object")
    offered = data.get("session_id")
    if offered is not None:
        session = ids.session_of(session_id(offered))
        if session is not None:
            return Confirmed(offered, inbound.conversation_id(CHANNEL, session)), False
    issued = ids.issue()
    session = issued.partition(".")[0]
    return Confirmed(issued, inbound.conversation_id(CHANNEL, session)), offered is not None


def parse_message(
    data: Any,
    sid: str,
    session_persistence: bool,
    metadata_key: str = "metadata",
    confirmed: Confirmed | None = None,
) -> dict[str, Any]:
    """Validate a user message event: the conversation id, the text and metadata
    Rasa gets (``inbound.BadInput`` if it is refused). With session persistence
    the conversation is the session ``confirmed`` to this socket, and the event
    must name exactly that session."""
    if not isinstance(data, dict):
        raise inbound.BadInput("message data must be an object")
    if session_persistence:
        if data.get("session_id") is None:
            raise inbound.BadInput("'session_id' is missing: send session_request first")
        if confirmed is None or session_id(data["session_id"]) != confirmed.issued:
            raise inbound.BadInput("'session_id' is not the session confirmed to this socket")
        sender = confirmed.conversation_id
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
    """``SocketIOInput`` with the origin check, the packet cap, validated input, and
    session ids that the server issues and binds to the socket."""

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

        ids = SessionIds.from_settings()
        namespace = self.namespace or "/"
        # The session each socket of this process was confirmed (see the module doc).
        sessions: dict[str, Confirmed] = {}

        async def session_request(sid: str, data: Any = None) -> None:
            try:
                session, replaced = requested_session(data, ids)
            except inbound.BadInput as exc:
                logger.info("Dropped socket.io session_request from %s: %s", sid, exc)
                return
            if replaced:
                logger.info("Issued socket %s a new session: it offered an id not issued here", sid)
            # No await from here to the emit: a disconnect cannot come in between,
            # and one that came before leaves nothing behind for a gone socket.
            if not sio.manager.is_connected(sid, namespace):
                return
            previous = sessions.get(sid)
            sessions[sid] = session
            if self.session_persistence:
                # The replies go to the room of the conversation id (Rasa's recipient).
                if previous and previous.conversation_id != session.conversation_id:
                    sio.leave_room(sid, previous.conversation_id, namespace=self.namespace)
                sio.enter_room(sid, session.conversation_id, namespace=self.namespace)
            await sio.emit("session_confirm", session.issued, room=sid, namespace=self.namespace)

        async def disconnect(sid: str) -> None:
            sessions.pop(sid, None)

        async def handle_message(sid: str, data: Any = None) -> None:
            try:
                message = parse_message(
                    data, sid, self.session_persistence, self.metadata_key, sessions.get(sid)
                )
            except inbound.BadInput as exc:
                logger.info("Dropped socket.io message from %s: %s", sid, exc)
                return
            if not self.session_persistence:
                sio.enter_room(sid, message["conversation_id"], namespace=self.namespace)
            await on_new_message(
                UserMessage(
                    message["message"],
                    ButtonsStaySocketIOOutput(sio, self.bot_message_evt),
                    message["conversation_id"],
                    input_channel=self.name(),
                    metadata=message["metadata"],
                )
            )

        # Replace Rasa's handlers of these events (same events, same namespace).
        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on("disconnect", disconnect, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return blueprint
