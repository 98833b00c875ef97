"""A fake Slack Web API on loopback: answers like Slack and records every call.

Speaks the real protocol: ``POST /api/<method>`` with a JSON or form-encoded
body, the token as ``Authorization: Bearer …`` (or a ``token`` form field), and
HTTP 200 with ``{"ok": true, …}`` or ``{"ok": false, "error": "…"}``.
``chat.postMessage`` is checked like Slack checks it (channel, text or blocks,
Block Kit limits) so that a message Slack would refuse is refused here too;
text over 40,000 characters, which Slack would cut, is refused (``msg_too_long``).
``fail_next`` makes the next message to a channel fail as Slack can make it
fail: ``ratelimited`` (HTTP 429 with ``Retry-After``) or any other error code
(HTTP 200; ``invalid_blocks`` only hits a message with blocks).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from tests.fake_api import FakeApiServer, JsonApiHandler

BOT_USER_ID = "U0FAQBOT"
BOT_ID = "B0FAQBOT"
TEAM_ID = "T0FAQTEST"
# Slack's limits: characters per message text and per section block's text (kept
# apart from channels/slack/output.py's, so that a wrong limit there fails the tests).
MAX_TEXT_CHARS = 40_000
MAX_SECTION_CHARS = 3000


@dataclass
class Call:
    method: str
    token: str | None
    params: dict[str, Any]
    content_type: str
    response: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    """A scripted ``chat.postMessage`` failure (see ``FakeSlack.fail_next``)."""

    error: str
    retry_after: int = 1

    def hits(self, params: dict[str, Any]) -> bool:
        return self.error != "invalid_blocks" or bool(params.get("blocks"))

    @property
    def status(self) -> int:
        return 429 if self.error == "ratelimited" else 200

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.status == 429 else {}


class FakeSlack(FakeApiServer):
    """The fake Web API; ``base_url`` is what ``SLACK_API_BASE_URL`` should be."""

    def __init__(self, token: str) -> None:
        super().__init__(FakeSlackHandler)
        self.token = token
        self.calls: list[Call] = []
        self.failures: dict[str, list[Failure]] = {}

    @property
    def base_url(self) -> str:
        return f"{self.origin}/api/"

    def record(self, call: Call) -> None:
        with self.changed:
            self.calls.append(call)
            self.changed.notify_all()

    def fail_next(self, channel: str, error: str, retry_after: int = 1) -> None:
        """Make the next ``chat.postMessage`` to ``channel`` fail with ``error``
        (queued: call again for the one after)."""
        with self.changed:
            self.failures.setdefault(channel, []).append(Failure(error, retry_after))

    def take_failure(self, call: Call) -> Failure | None:
        with self.changed:
            queued = self.failures.get(call.params.get("channel"), [])
            if call.method == "chat.postMessage" and queued and queued[0].hits(call.params):
                return queued.pop(0)
            return None

    def attempts(self, channel: str) -> list[Call]:
        """Every ``chat.postMessage`` call to ``channel``, failed or not, in order."""
        with self.changed:
            return [
                c
                for c in self.calls
                if c.method == "chat.postMessage" and c.params.get("channel") == channel
            ]

    def posts(self, channel: str) -> list[Call]:
        """Successful ``chat.postMessage`` calls to ``channel``, in order."""
        return [c for c in self.attempts(channel) if c.response.get("ok")]

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
        failure = self.server.take_failure(call)
        if failure is None:
            call.response, headers = self.answer(call), {}
        else:
            call.response = {"ok": False, "error": failure.error}
            call.status, headers = failure.status, failure.headers
        self.server.record(call)
        return self.reply(call.status, call.response, headers)

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
        if len(params.get("text") or "") > MAX_TEXT_CHARS:
            return {"ok": False, "error": "msg_too_long"}
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
            if len(text["text"]) > MAX_SECTION_CHARS:
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
