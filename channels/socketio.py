"""Rasa's socket.io channel, accepting only the configured page origins.

Stock Rasa 3.6 turns python-engineio's origin check off (``cors_allowed_origins=[]``),
so any web page could open a socket to the bot. This channel keeps everything
else and lets only ``WEB_CHAT_ORIGINS`` (comma-separated) connect; a request
from another origin gets a 400.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from bot import settings

logger = logging.getLogger(__name__)


def allowed_origins() -> list[str]:
    """``WEB_CHAT_ORIGINS``; empty means the page's own origin (the web page
    `make run` serves on ``WEB_PORT``), never "any origin"."""
    raw = settings.get("WEB_CHAT_ORIGINS")
    origins = [origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip()]
    if origins:
        return origins
    port = settings.get("WEB_PORT")
    return [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]


class OriginCheckedSocketIOInput(SocketIOInput):
    """``SocketIOInput`` whose engine.io server checks the ``Origin`` header."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Any) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        origins = allowed_origins()
        # engine.io reads this on every request: it answers preflights for these
        # origins and rejects any other Origin (HTTP polling and websocket alike).
        self.sio.eio.cors_allowed_origins = origins
        logger.info("socket.io accepts the origins %s", ", ".join(origins))
        return blueprint
