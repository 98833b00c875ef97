"""Serve the web chat page: web/index.html, the rasa-webchat bundle and its config.

The page talks to Rasa's socket.io channel at RASA_PUBLIC_URL. Standard library
only; no request ever leaves for a third-party host.
Usage: python -m scripts.web  (WEB_PORT, default 8080; WEB_HOST, default 0.0.0.0)
"""

from __future__ import annotations

import json
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bot import settings
from bot.paths import WEB_PAGE as PAGE
from bot.paths import WEBCHAT_BUNDLE as BUNDLE


class Handler(BaseHTTPRequestHandler):
    server_version = "faq-web"

    def __init__(self, *args: object, socket_url: str, **kwargs: object) -> None:
        self.socket_url = socket_url
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = self.path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            self.send(PAGE.read_bytes(), "text/html; charset=utf-8")
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
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def main() -> None:
    port = settings.get_int("WEB_PORT")
    host = settings.get("WEB_HOST")
    socket_url = settings.get("RASA_PUBLIC_URL")
    if not BUNDLE.exists():
        raise SystemExit(f"{BUNDLE} is missing: run `make webchat`")
    server = ThreadingHTTPServer((host, port), partial(Handler, socket_url=socket_url))
    print(f"Web chat on http://localhost:{port}/ (bot at {socket_url})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
