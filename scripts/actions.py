"""``python -m scripts.actions``: the action server, answering the Rasa server only.

rasa_sdk 3.6.2's own server (``python -m rasa_sdk``) listens on every address,
lets any web origin call it (CORS "*"), asks for no credentials, reads bodies
of up to Sanic's 100 MB, inflates a ``Content-Encoding: deflate`` body whole
inside the event loop (a 1.5 MB body inflating to 1.5 GB blocked it for 17 s),
and its error handler sends the request body back. Whoever reaches it can run
any action as any conversation: ``action_forget_me`` with another user's
conversation id erases that user's rows in the unanswered log, and a web page
open in the operator's browser can POST to it as ``text/plain`` with no
preflight. This launcher builds the same app (``rasa_sdk.endpoint.create_app``,
so the actions run exactly as before) and closes it:

- it listens on ``ACTIONS_HOST`` (default 127.0.0.1) and ``ACTIONS_PORT``, in
  one process, with no CORS at all (no origin is allowed);
- every route but ``/health`` (the readiness check of make run and the tests)
  needs ``Authorization: Bearer <ACTION_SERVER_TOKEN>``, which endpoints.yml
  makes Rasa send; it is compared in constant time and never logged; a token in
  the query string does not count (URLs end up in logs). Otherwise: 401;
- a POST must be ``Content-Type: application/json`` (415), which a web page
  cannot send to another origin without a CORS preflight;
- a body over ``MAX_BODY_BYTES`` gets a 413 before it is read (Sanic's
  ``REQUEST_MAX_SIZE``); a deflate body (Rasa compresses when
  ``COMPRESS_ACTION_SERVER_REQUEST=true``) is inflated here to at most
  ``MAX_BODY_BYTES`` (413 past it), before rasa_sdk's handler sees it, so its
  unbounded ``zlib.decompress`` never runs; any other encoding gets a 415;
- an error answers a generic JSON error and is logged without the body;
- the unanswered log's rows past ``UNANSWERED_RETENTION_DAYS`` are deleted at
  start and every hour, whether or not anyone writes to it.

tests/test_action_server.py checks each point against the running bot.
Relies on rasa_sdk 3.6.2's ``create_app`` (its routes, and its webhook reading
``request.json`` when the request has no ``Content-Encoding: deflate``) and on
Sanic 21.12: ``REQUEST_MAX_SIZE`` checked against Content-Length before the
body is read; the request class's ``receive_body`` called once the body is
read, before request middleware; request middleware run again before an error
response; a later ``app.exception`` for a type replacing the earlier one.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
import zlib
from http import HTTPStatus

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.exceptions import InvalidUsage, PayloadTooLarge, SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.unanswered import unanswered_log
from bot import printable, settings

logger = logging.getLogger("scripts.actions")  # not __main__, as run with -m

# The largest body, in bytes, the action server reads (as sent, and once
# inflated): docs/limits.md, "The action server's body cap", has the measured
# largest call Rasa sends (one full session of 1,000-character messages) and
# the margin.
MAX_BODY_BYTES = settings.get_int("ACTIONS_MAX_BODY_BYTES")
# Unanswered-log retention: at start, then every interval (as stores/tracker_store.py).
RETENTION_INTERVAL_S = 3600.0
# The only route open without the token: a readiness check that reveals nothing.
OPEN_PATHS = frozenset({"/health"})
JSON = "application/json"
DEFLATE = "deflate"


def error(status: int) -> HTTPResponse:
    """A JSON error with the status's standard phrase, and nothing of the request."""
    return response.json({"error": HTTPStatus(status).phrase}, status=status)


def authorised(request: Request, token: bytes) -> bool:
    """Whether the request carries ``Authorization: Bearer <token>``."""
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(credential.strip().encode("utf-8", "surrogatepass"), token)


def inflate(body: bytes, limit: int) -> bytes | None:
    """``body`` inflated (zlib, as HTTP's ``deflate`` is), or None past ``limit`` bytes.

    ``max_length`` stops the inflation at ``limit + 1`` bytes of output, so a
    small body that inflates to gigabytes costs at most that. Raises
    ``zlib.error`` on a body that is not a whole zlib stream."""
    inflater = zlib.decompressobj()
    inflated = inflater.decompress(body, limit + 1)
    if len(inflated) > limit:
        return None
    if not inflater.eof or inflater.unused_data:
        raise zlib.error("not one whole zlib stream")
    return inflated


class InflatingRequest(Request):
    """A request whose deflate body is inflated, to at most ``MAX_BODY_BYTES``, as
    soon as it has been read (``receive_body``: Sanic's hook for custom body handling).

    A body that is not one whole zlib stream gets a 400, one that inflates past
    the cap a 413. Inflated, it replaces the body and the ``Content-Encoding``
    header goes, so rasa_sdk's webhook reads it as plain JSON."""

    async def receive_body(self) -> None:
        await super().receive_body()
        if self.headers.get("content-encoding", "").strip().lower() != DEFLATE:
            return
        try:
            inflated = inflate(self.body, MAX_BODY_BYTES)
        except zlib.error:
            raise InvalidUsage("The body is not deflate data.") from None
        if inflated is None:
            logger.warning("Refused a deflate body inflating past %d bytes.", MAX_BODY_BYTES)
            raise PayloadTooLarge("The inflated body exceeds the size limit.")
        self.body = inflated
        self.headers.popall("content-encoding")


def build_app(token: str) -> Sanic:
    """rasa_sdk's app for the ``actions`` package, closed as the module doc says."""
    # rasa_sdk always installs Sanic-CORS; with no origin (None) it allows none:
    # no Access-Control-Allow-Origin header, whatever the request's Origin.
    app = create_app("actions", cors_origins=None)
    # Sanic read SANIC_REQUEST_MAX_SIZE (the Rasa server's 64 KiB) from the
    # environment when create_app made the app: this cap replaces it.
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    app.request_class = InflatingRequest
    secret = token.encode("utf-8", "surrogatepass")

    # Headers only: Sanic also runs request middleware before it answers an error
    # (a 413 for a body too large, a 404), so the token is checked first there too.
    @app.middleware("request")
    async def guard(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        if not authorised(request, secret):
            logger.warning("Refused %s %s: no valid token.", request.method, request.path)
            return error(401)
        if request.method != "POST":
            return None
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != JSON:
            return error(415)
        # Empty once InflatingRequest has inflated a deflate body.
        encoding = request.headers.get("content-encoding", "").strip().lower()
        if encoding not in ("", DEFLATE):
            return error(415)
        return None

    # Replaces rasa_sdk's handler, which answers every error with a 500 that
    # holds the request's JSON (and turns Sanic's 413 into a 500).
    @app.exception(Exception)
    async def on_error(request: Request | None, exception: Exception) -> HTTPResponse:
        if isinstance(exception, SanicException):
            return error(exception.status_code or 500)
        where = f"{request.method} {request.path}" if request is not None else "a request"
        logger.error("The action server failed on %s.", where, exc_info=exception)
        return error(500)

    @app.listener("before_server_start")
    async def start_retention(_app: Sanic, _loop: object) -> None:
        threading.Thread(target=retention_loop, name="unanswered-retention", daemon=True).start()

    return app


def retention_loop() -> None:
    """Delete the unanswered log's expired rows now and every ``RETENTION_INTERVAL_S``."""
    log = unanswered_log()
    while True:
        try:
            deleted = log.delete_expired()
            if deleted:
                logger.info(
                    "Deleted %d unanswered questions older than %s days.",
                    deleted,
                    settings.get("UNANSWERED_RETENTION_DAYS"),
                )
        except Exception:  # a failed purge must never stop the server
            logger.exception("Could not delete old unanswered questions")
        time.sleep(RETENTION_INTERVAL_S)


def main() -> None:
    printable.install_log_escaping()  # what users typed prints as one line (bot/printable.py)
    utils.configure_colored_logging(logging.INFO)
    utils.update_sanic_log_level()  # Sanic's own loggers (and its access log) at ERROR
    host, port = settings.get("ACTIONS_HOST"), settings.get_int("ACTIONS_PORT")
    app = build_app(settings.get("ACTION_SERVER_TOKEN"))
    logger.info("Action server on http://%s:%d (token required).", host, port)
    # One process, rasa_sdk's default: the action server is light, and one retention loop.
    app.run(host, port, workers=1)


if __name__ == "__main__":
    main()
