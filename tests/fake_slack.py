"""A fake Slack Web API on loopback: answers like Slack and records every call.

Speaks the real protocol: ``POST /api/<method>`` with a JSON or form-encoded
body, the token as ``Authorization: Bearer …`` (or a ``token`` form field), and
always HTTP 200 with ``{"ok": true, …}`` or ``{"ok": false, "error": "…"}``.
``chat.postMessage`` is checked like Slack checks it (channel, text or blocks,
Block Kit limits) so that a message Slack would refuse is refused here too.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.fake_api import JsonApiHandler

BOT_USER_ID = "U0FAQBOT"
BOT_ID = "B0FAQBOT"
TEAM_ID = "T0FAQTEST"


@dataclass
class Call:
    method: str
    token: str | None
    params: dict[str, Any]
    content_type: str
    response: dict[str, Any] = field(default_factory=dict)


class FakeSlack(ThreadingHTTPServer):
    """The fake Web API; ``base_url`` is what ``SLACK_API_BASE_URL`` should be."""

    daemon_threads = True

    def __init__(self, token: str) -> None:
        super().__init__(("127.0.0.1", 0), FakeSlackHandler)
        self.token = token
        self.calls: list[Call] = []
        self.changed = threading.Condition()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/"

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=10)

    def record(self, call: Call) -> None:
        with self.changed:
            self.calls.append(call)
            self.changed.notify_all()

    def posts(self, channel: str) -> list[Call]:
        """Successful ``chat.postMessage`` calls to ``channel``, in order."""
        with self.changed:
            return [
                c
                for c in self.calls
                if c.method == "chat.postMessage"
                and c.params.get("channel") == channel
                and c.response.get("ok")
            ]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the fake Slack API did not get the expected calls")
                self.changed.wait(left)

    def wait_posts(self, channel: str, count: int, timeout: float = 60) -> list[Call]:
        """Wait until ``channel`` has at least ``count`` messages; return them all."""
        self.wait_for(lambda: len(self.posts(channel)) >= count, timeout)
        return self.posts(channel)


class FakeSlackHandler(JsonApiHandler):
    server: FakeSlack

    def do_POST(self) -> None:  # noqa: N802
        if not self.path.startswith("/api/"):
            return self.reply(404, {"ok": False, "error": "not_found"})
        method = self.path[len("/api/") :].split("?")[0]
        body = self.read_body()
        content_type = self.headers.get("Content-Type", "")
        try:
            params = self.parse(body, content_type)
        except ValueError:
            return self.reply(200, {"ok": False, "error": "invalid_form_data"})
        auth = self.headers.get("Authorization", "")
        token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else params.pop("token", None)
        call = Call(method, token, params, content_type)
        call.response = self.answer(call)
        self.server.record(call)
        return self.reply(200, call.response)

    def answer(self, call: Call) -> dict[str, Any]:
        if not call.token:
            return {"ok": False, "error": "not_authed"}
        if call.token != self.server.token:
            return {"ok": False, "error": "invalid_auth"}
        if call.method == "auth.test":
            return {"ok": True, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "team_id": TEAM_ID}
        if call.method == "chat.postMessage":
            return self.post_message(call.params)
        return {"ok": False, "error": "unknown_method"}

    def post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        blocks = params.get("blocks")
        if isinstance(blocks, str):  # form-encoded: a JSON string
            try:
                blocks = params["blocks"] = json.loads(blocks)
            except ValueError:
                return {"ok": False, "error": "invalid_blocks_format"}
        if not params.get("text") and not blocks:
            return {"ok": False, "error": "no_text"}
        if blocks is not None and not valid_blocks(blocks):
            return {"ok": False, "error": "invalid_blocks"}
        ts = f"{time.time():.6f}"
        message = {
            "type": "message",
            "subtype": "bot_message",
            "text": params.get("text", ""),
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "ts": ts,
        }
        if blocks:
            message["blocks"] = blocks
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    @staticmethod
    def parse(body: bytes, content_type: str) -> dict[str, Any]:
        if content_type.split(";")[0].strip() == "application/json":
            parsed = json.loads(body or b"{}")
            if not isinstance(parsed, dict):
                raise ValueError("not an object")
            return parsed
        return {key: values[0] for key, values in parse_qs(body.decode()).items()}


def valid_blocks(blocks: Any) -> bool:
    """The Block Kit limits this bot's messages could break."""
    if not isinstance(blocks, list) or not 0 < len(blocks) <= 50:
        return False
    for block in blocks:
        if not isinstance(block, dict):
            return False
        if block.get("type") == "section":
            text = block.get("text") or {}
            if text.get("type") not in ("plain_text", "mrkdwn") or not text.get("text"):
                return False
            if len(text["text"]) > 3000:
                return False
        elif block.get("type") == "actions":
            elements = block.get("elements") or []
            if not 0 < len(elements) <= 25:
                return False
            for element in elements:
                if element.get("type") != "button":
                    return False
                label = (element.get("text") or {}).get("text", "")
                if not label or len(label) > 75 or len(element.get("value", "")) > 2000:
                    return False
    return True
