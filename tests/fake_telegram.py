"""A fake Telegram Bot API server on loopback: answers like Telegram and records every call.

Speaks the real protocol: ``POST /bot<token>/<method>`` with a JSON, form-encoded
or multipart body; answers ``{"ok": true, "result": …}`` or ``{"ok": false,
"error_code": …, "description": …}`` with the same HTTP status. ``setWebhook``,
``sendMessage`` and ``answerCallbackQuery`` are checked as Telegram checks them
(HTTPS URL, ``allowed_updates`` a JSON list, ``secret_token`` characters, text
of 1-4,096 characters, at most 8 buttons per keyboard row, ``callback_data`` of
1-64 bytes), so that a call Telegram would refuse is refused here too.

``fail(method, how)`` makes a method fail until ``recover(method)``: with a 429
(``retry_after`` 1 s) or by hanging for ``HANG_S`` seconds (a client time-out).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs

from tests.fake_api import FakeApiServer, JsonApiHandler

TOKEN = "123456789:TEST-token-for-the-fake-bot-api"
BOT_ID = int(TOKEN.split(":")[0])
# The username as Telegram spells it; the bot's setting may differ in case.
BOT_USERNAME = "FAQ_Test_Bot"
HANG_S = 3.0
MAX_TEXT_CHARS = 4096
MAX_ROW_BUTTONS = 8
MAX_CALLBACK_DATA_BYTES = 64
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
TOO_MANY_REQUESTS = "429"
TIME_OUT = "timeout"


class ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int  # 0: hung up, no answer


class FakeBotApi(FakeApiServer):
    """The fake Bot API; ``base_url`` is what ``TELEGRAM_API_BASE_URL`` should be."""

    def __init__(self, username: str = BOT_USERNAME) -> None:
        super().__init__(FakeBotApiHandler)
        self.username = username
        self.calls: list[Call] = []
        self.failures: dict[str, str] = {}

    @property
    def base_url(self) -> str:
        return self.origin

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up on a hung call: nothing to report

    def fail(self, method: str, how: str) -> None:
        with self.changed:
            self.failures[method] = how

    def recover(self, method: str) -> None:
        with self.changed:
            self.failures.pop(method, None)

    def failure(self, method: str) -> str | None:
        with self.changed:
            return self.failures.get(method)

    def record(self, call: Call) -> None:
        with self.changed:
            self.calls.append(call)
            self.changed.notify_all()

    def attempts(self, method: str) -> int:
        """Calls of ``method``, answered or not."""
        with self.changed:
            return sum(1 for c in self.calls if c.method == method)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """Parameters of the successful calls of ``method``, in order."""
        with self.changed:
            return [c.params for c in self.calls if c.method == method and c.status == 200]

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        """Messages sent to ``chat_id``, in order."""
        return [m for m in self.calls_to("sendMessage") if int(m["chat_id"]) == chat_id]


class FakeBotApiHandler(JsonApiHandler):
    server: FakeBotApi

    def do_POST(self) -> None:  # noqa: N802
        prefix = f"/bot{TOKEN}/"
        if not self.path.startswith(prefix):
            return self.reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = self.path[len(prefix) :]
        params = self.parse(self.read_body())
        how = self.server.failure(method)
        if how == TIME_OUT:
            self.server.record(Call(method, params, 0))
            time.sleep(HANG_S)
            return None
        try:
            if how == TOO_MANY_REQUESTS:
                raise ApiError(429, "Too Many Requests: retry after 1")
            result = self.answer(method, params)
        except ApiError as error:
            self.server.record(Call(method, params, error.status))
            payload = {"ok": False, "error_code": error.status, "description": error.description}
            if error.status == 429:
                payload["parameters"] = {"retry_after": 1}
            return self.reply(error.status, payload)
        self.server.record(Call(method, params, 200))
        return self.reply(200, {"ok": True, "result": result})

    def answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return bot_user(self.server.username)
        if method == "setWebhook":
            return set_webhook(params)
        if method == "sendMessage":
            return send_message(params, self.server.username, len(self.server.calls))
        if method == "answerCallbackQuery":
            if not params.get("callback_query_id"):
                raise ApiError(400, "Bad Request: QUERY_ID_INVALID")
            return True
        raise ApiError(404, "Not Found")

    def parse(self, body: bytes) -> dict[str, Any]:
        kind = self.headers.get("Content-Type", "")
        if kind.startswith("application/json"):
            return json.loads(body or b"{}")
        if kind.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {kind}\r\n\r\n".encode() + body
            )
            return {
                part.get_param("name", header="content-disposition"): part.get_content()
                for part in message.iter_parts()
            }
        return {key: values[0] for key, values in parse_qs(body.decode()).items()}


def bot_user(username: str) -> dict[str, Any]:
    return {"id": BOT_ID, "is_bot": True, "first_name": "FAQ", "username": username}


def set_webhook(params: dict[str, Any]) -> bool:
    if not str(params.get("url", "")).startswith("https://"):
        raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    if "secret_token" in params and not SECRET_TOKEN.fullmatch(params["secret_token"]):
        raise ApiError(400, "Bad Request: secret token contains unallowed characters")
    if "allowed_updates" in params:
        updates = json_param(params["allowed_updates"])
        if not isinstance(updates, list) or not all(isinstance(u, str) for u in updates):
            raise ApiError(400, "Bad Request: can't parse allowed updates")
    return True


def send_message(params: dict[str, Any], username: str, message_id: int) -> dict[str, Any]:
    try:
        chat_id = int(params["chat_id"])
    except (KeyError, ValueError):
        raise ApiError(400, "Bad Request: chat not found") from None
    text = str(params.get("text", ""))
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if len(text) > MAX_TEXT_CHARS:
        raise ApiError(400, "Bad Request: message is too long")
    if "reply_markup" in params:
        check_keyboard(json_param(params["reply_markup"]))
    return {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
        "from": bot_user(username),
        "text": text,
    }


def check_keyboard(markup: Any) -> None:
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in rows:
        if not isinstance(row, list) or len(row) > MAX_ROW_BUTTONS:
            raise ApiError(400, "Bad Request: too many buttons in a row")
        for button in row:
            data = str(button.get("callback_data", "")).encode()
            if not button.get("text") or not 1 <= len(data) <= MAX_CALLBACK_DATA_BYTES:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def json_param(value: Any) -> Any:
    """A parameter Telegram reads as JSON (sent as a JSON-serialised string in forms)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise ApiError(400, "Bad Request: can't parse JSON") from None
