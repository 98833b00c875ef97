"""Serve the web chat page: web/index.html, web/chat.js, the rasa-webchat bundle and its config.

The page talks to Rasa's socket.io channel at RASA_PUBLIC_URL. Standard library
only. Every response carries ``security_headers``: a Content-Security-Policy
under which the page loads nothing from any other host and connects only to
the bot, so no request ever leaves for a third-party host (the bundle's Google
Fonts import is removed when it is fetched: setup/fetch_webchat.sh).
Usage: python -m scripts.web  (WEB_PORT, default 8080; WEB_HOST, default 0.0.0.0)
"""

from __future__ import annotations

import json
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from bot import settings
from bot.paths import WEB_CHAT_SCRIPT as SCRIPT
from bot.paths import WEB_PAGE as PAGE
from bot.paths import WEBCHAT_BUNDLE as BUNDLE

# The bot's URL scheme, and the websocket scheme socket.io upgrades to.
WEBSOCKET_SCHEMES = {"http": "ws", "https": "wss"}


def security_headers(socket_url: str) -> dict[str, str]:
    """What the browser may do with the page.

    The policy allows the page's own scripts (no inline script: the widget's
    settings are a JSON block in index.html), inline styles (the widget injects
    its CSS as <style> elements and sets style attributes), images from the page
    and data: URIs (the widget's icons), fonts from data: URIs only (the widget's
    carousel arrows; text uses a system font), and connections only to the bot's
    socket.io URL, over HTTP polling and websocket. Nothing else: nothing from
    other hosts, no forms, no <base>, and no framing by any site.
    """
    parts = urlsplit(socket_url)
    if parts.scheme not in WEBSOCKET_SCHEMES or not parts.netloc:
        raise ValueError(f"RASA_PUBLIC_URL must be an http(s) URL, not {socket_url!r}")
    bot = f"{parts.scheme}://{parts.netloc}"
    websocket = f"{WEBSOCKET_SCHEMES[parts.scheme]}://{parts.netloc}"
    policy = [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src data:",
        f"connect-src {bot} {websocket}",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
    return {
        "Content-Security-Policy": "; ".join(policy),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }


class Handler(BaseHTTPRequestHandler):
    server_version = "faq-web"

    def __init__(
        self, *args: object, socket_url: str, headers: dict[str, str], **kwargs: object
    ) -> None:
        self.socket_url = socket_url
        self.security_headers = headers
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = self.path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            self.send(PAGE.read_bytes(), "text/html; charset=utf-8")
        elif path == "/chat.js":
            self.send(SCRIPT.read_bytes(), "application/javascript")
        elif path == "/webchat.js":
            self.send(BUNDLE.read_bytes(), "application/javascript", cache=True)
        elif path == "/config.js":
            config = json.dumps({"socketUrl": self.socket_url})
            self.send(f"window.FAQ_BOT = {config};\n".encode(), "application/javascript")
        elif path == "/health":
            self.send(b'{"status": "ok"}', "application/json")
        else:
            self.send_error(HTTPStatus.NOT_FOUND)

    def send(self, body: bytes, content_type: str, cache: bool = False) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600" if cache else "no-cache")
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self) -> None:
        # Every response, errors included.
        for name, value in self.security_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def main() -> None:
    port = settings.get_int("WEB_PORT")
    host = settings.get("WEB_HOST")
    socket_url = settings.get("RASA_PUBLIC_URL")
    if not BUNDLE.exists():
        raise SystemExit(f"{BUNDLE} is missing: run `make webchat`")
    try:
        headers = security_headers(socket_url)
    except ValueError as exc:
        raise SystemExit(str(exc)) from exc
    handler = partial(Handler, socket_url=socket_url, headers=headers)
    server = ThreadingHTTPServer((host, port), handler)
    print(f"Web chat on http://localhost:{port}/ (bot at {socket_url})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
