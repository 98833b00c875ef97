"""Serve the web chat page: web/index.html, web/chat.js, the rasa-webchat bundle and its config.

The page is rendered from web/index.html and content/web.yml, its texts in every
language the bot speaks (scripts/web_texts.py); web/chat.js switches between them.

The page talks to Rasa's socket.io channel at RASA_PUBLIC_URL. Every response
carries ``security_headers``: a Content-Security-Policy under which the page
loads nothing from any other host and connects only to the bot, so no request
ever leaves for a third-party host (the bundle's Google Fonts import is removed
when it is fetched: setup/fetch_webchat.sh).

It runs on Sanic (the version Rasa pins), in one process, because the page may
face the internet: every request has a few seconds to arrive (a client that
sends half a request and waits is cut off), a client that stops reading is cut
off, idle connections close, at most ``MAX_CONNECTIONS`` are open at once, and a
client that goes away early or sends garbage costs no log line.
tests/test_web_server.py checks each of these.
Usage: python -m scripts.web  (WEB_PORT, default 8080; WEB_HOST, default 0.0.0.0)
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from http import HTTPStatus
from http.server import DEFAULT_ERROR_CONTENT_TYPE, DEFAULT_ERROR_MESSAGE
from pathlib import Path
from urllib.parse import urlsplit

from sanic import Request, Sanic
from sanic.exceptions import PayloadTooLarge
from sanic.handlers import ErrorHandler
from sanic.response import HTTPResponse
from sanic.server.socket import bind_socket

from bot import settings
from bot.paths import WEB_CHAT_SCRIPT as SCRIPT
from bot.paths import WEB_PAGE as PAGE
from bot.paths import WEBCHAT_BUNDLE as BUNDLE
from scripts.connections import CappedHttpProtocol, connection_cap, raise_fd_limit
from scripts.web_texts import PageStore, texts_file

# The bot's URL scheme, and the websocket scheme socket.io upgrades to.
WEBSOCKET_SCHEMES = {"http": "ws", "https": "wss"}

# A browser sends a GET's head in one packet: 5 s from its first byte to its last
# is ample on a slow mobile link, and bounds what a half-sent request holds.
REQUEST_TIMEOUT_S = 5
# The page's assets follow it within a second on the same connection; after 5 s
# idle the connection goes (the browser reconnects when it needs to).
KEEP_ALIVE_TIMEOUT_S = 5
# Time allowed for a response to start and then between two of its writes (the
# bundle goes out in chunks): a client that takes in less than 64 KiB in 10 s
# (50 kbit/s) is not reading, and is cut off.
RESPONSE_TIMEOUT_S = 10
# On stop, what is still being sent gets this long: nothing here is worth more.
SHUTDOWN_TIMEOUT_S = 1
# The page takes no request bodies. Sanic also caps the request head at this size
# (Http.set_header_max_size): 8 KiB, Sanic's own header cap, holds a browser's GET.
REQUEST_MAX_BYTES = 8192
# The bundle is written in chunks this size, each once the last has drained
# (SanicProtocol.send waits while more than 64 KiB are queued): the response
# stays in Sanic's RESPONSE stage while the client reads, so RESPONSE_TIMEOUT
# measures its progress, and a slow reader queues no copy of the 700 KB bundle.
CHUNK_BYTES = 65536
# Connections the kernel queues until the server accepts them (capped by
# net.core.somaxconn): past it, a connection's SYN is dropped and the client
# retries a second later. Sanic's 100 overflowed under a burst of 1,000.
BACKLOG = 1024

logger = logging.getLogger("scripts.web")  # not __name__, "__main__" under -m


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


class ErrorPages(ErrorHandler):
    """Error pages as http.server wrote them (text/html), logged as Sanic logs:
    a traceback for an error in this module, nothing for a client's mistake, a
    timeout or a client that went away (Sanic marks those exceptions quiet)."""

    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        self.log(request, exception)
        status = HTTPStatus(getattr(exception, "status_code", HTTPStatus.INTERNAL_SERVER_ERROR))
        page = DEFAULT_ERROR_MESSAGE % {
            "code": status.value,
            "message": status.phrase,
            "explain": status.description,
        }
        return HTTPResponse(
            page,
            status=status.value,
            headers=getattr(exception, "headers", None) or {},  # e.g. a 405's Allow
            content_type=DEFAULT_ERROR_CONTENT_TYPE,
        )


@lru_cache(maxsize=8)
def cached(path: Path, version: tuple[int, int]) -> bytes:
    return path.read_bytes()


def read(path: Path) -> bytes:
    """The file's bytes, read again only when it changes (one copy of the bundle,
    shared by every response; an edited page is served at once)."""
    stat = path.stat()
    return cached(path, (stat.st_mtime_ns, stat.st_size))


async def send(request: Request, body: bytes, content_type: str, cache: bool = False) -> None:
    """Respond with ``body`` in chunks. Handlers return None after this: Sanic logs an
    error for a handler that returns a response it has already sent."""
    if request.stream.request_body:
        # The page takes no bodies; Sanic would log an error for one left unread.
        raise PayloadTooLarge("This server takes no request bodies")
    headers = {
        "Cache-Control": "max-age=3600" if cache else "no-cache",
        "Content-Length": str(len(body)),
    }
    response = await request.respond(headers=headers, content_type=content_type)
    for start in range(0, len(body), CHUNK_BYTES):
        await response.send(body[start : start + CHUNK_BYTES], end_stream=False)
    await response.eof()


def build_app(socket_url: str) -> Sanic:
    """The server's app; a ValueError for a bad bot URL or unusable page texts."""
    headers = security_headers(socket_url)
    config = json.dumps({"socketUrl": socket_url})
    pages = PageStore(PAGE, texts_file())
    pages.get()  # texts that cannot be used stop the server at start, not at a request
    # configure_logging=False: no Sanic log handlers; main() sets the log level.
    # env_prefix=None: the SANIC_* variables are the Rasa server's, not this one's.
    app = Sanic("faq_web", configure_logging=False, env_prefix=None, strict_slashes=True)
    app.error_handler = ErrorPages()
    app.config.update(
        REQUEST_TIMEOUT=REQUEST_TIMEOUT_S,
        KEEP_ALIVE_TIMEOUT=KEEP_ALIVE_TIMEOUT_S,
        RESPONSE_TIMEOUT=RESPONSE_TIMEOUT_S,
        GRACEFUL_SHUTDOWN_TIMEOUT=SHUTDOWN_TIMEOUT_S,
        REQUEST_MAX_SIZE=REQUEST_MAX_BYTES,
    )

    @app.on_response
    async def add_security_headers(request: Request, response: HTTPResponse) -> None:
        # Every response, errors included (Sanic runs response middleware for those too).
        response.headers.update(headers)

    @app.get("/")
    @app.get("/index.html", name="index_html")
    async def page(request: Request) -> None:
        await send(request, pages.get(), "text/html; charset=utf-8")

    @app.get("/chat.js")
    async def chat_script(request: Request) -> None:
        await send(request, read(SCRIPT), "application/javascript")

    @app.get("/webchat.js")
    async def bundle(request: Request) -> None:
        await send(request, read(BUNDLE), "application/javascript", cache=True)

    @app.get("/config.js")
    async def config_script(request: Request) -> None:
        await send(request, f"window.FAQ_BOT = {config};\n".encode(), "application/javascript")

    @app.get("/health")
    async def health(request: Request) -> None:
        await send(request, b'{"status": "ok"}', "application/json")

    return app


def main() -> None:
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s - %(message)s"
    )
    port = settings.get_int("WEB_PORT")
    host = settings.get("WEB_HOST")
    socket_url = settings.get("RASA_PUBLIC_URL")
    if not BUNDLE.exists():
        raise SystemExit(f"{BUNDLE} is missing: run `make webchat`")
    try:
        app = build_app(socket_url)
    except ValueError as exc:
        raise SystemExit(str(exc)) from exc
    CappedHttpProtocol.cap = connection_cap(raise_fd_limit())
    # Bound here, not by app.run: Sanic logs a failed bind with a traceback and
    # then returns as if it had served, and scripts/run.sh must see the failure.
    try:
        sock = bind_socket(host, port, backlog=BACKLOG)
    except OSError as exc:
        raise SystemExit(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    print(f"Web chat on http://localhost:{port}/ (bot at {socket_url})", flush=True)
    app.run(
        sock=sock,
        workers=1,
        protocol=CappedHttpProtocol,
        backlog=BACKLOG,
        access_log=False,
        auto_reload=False,
        motd=False,
    )


if __name__ == "__main__":
    main()
