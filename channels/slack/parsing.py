"""Reading a Slack request body: an Events API event (JSON) or an interaction
(a form whose ``payload`` field is JSON).

Why: stock Rasa 3.6 trusts the body, and an empty body, a JSON list, an
``event`` that is not an object, a form without ``payload`` or with an invalid,
deeply nested or non-object one each get a 500, which Slack retries. Here the
body is read once, by the rules every channel shares (channels/inbound.py), and
anything unreadable is ``inbound.BadInput`` (the webhook answers 400).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from sanic.request import Request

from channels import inbound


@dataclass
class SlackMessage:
    """A user message read from a Slack request and checked by channels/inbound.py."""

    conversation_id: str
    text: str
    metadata: dict[str, Any]
    event_id: str | None = None


@dataclass
class Reply:
    """The 200 answer to a Slack request that brings Rasa no message."""

    text: str


def dig(value: Any, *path: str | int) -> Any:
    """``value[path[0]][path[1]]…`` through JSON objects and lists, ``None`` if
    any step is missing or of another type."""
    for key in path:
        if isinstance(value, dict) and isinstance(key, str):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
            value = value[key]
        else:
            return None
    return value


def media_type(request: Request) -> str:
    """The request's content type without parameters, lower case."""
    return (request.headers.get("content-type") or "").split(";")[0].strip().lower()


def parse_body(content_type: str, raw: bytes) -> tuple[str, dict[str, Any]] | None:
    """What a Slack request carries: ``("event", body)`` from the Events API
    (JSON) or ``("interaction", payload)`` from a form's ``payload`` field;
    ``None`` for another ``content_type`` (``media_type``). ``inbound.BadInput``
    if it is unreadable."""
    if content_type == "application/json":
        kind, value = "event", inbound.load_json(raw)
    elif content_type == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(raw.decode())
        except UnicodeDecodeError as exc:
            raise inbound.BadInput("form body must be UTF-8") from exc
        if not form.get("payload"):
            raise inbound.BadInput("form body has no 'payload'")
        kind, value = "interaction", inbound.load_json(form["payload"][0])
    else:
        return None
    if not isinstance(value, dict):
        raise inbound.BadInput(f"the {kind} must be a JSON object")
    return kind, value


def bot_user_ids(body: dict[str, Any]) -> list[str]:
    """The ids of the app's bot user, whose mentions are cut from the text."""
    authed = body.get("authed_users")
    if isinstance(authed, list):
        return [user for user in authed if isinstance(user, str)]
    user = dig(body, "authorizations", 0, "user_id")
    return [user] if isinstance(user, str) else []
