"""What every channel checks before a message reaches Rasa.

One set of rules for REST, socket.io, Telegram and Slack, so that no channel
lets through what another refuses:

- **Conversation ids** (``check_id``): a string (REST also takes an integer) of
  1 to 128 characters, all printable (``str.isprintable``: no control
  characters, NUL, lone surrogates, line or paragraph separators), not blank.
  Rasa's SQL tracker store exits the whole process on some of these
  (patches/tracker_errors.py), so they never get that far.
- **Namespaces** (``conversation_id``): the id Rasa stores is
  ``"<channel>:<id>"``, so a REST or socket.io caller, who picks its own id,
  can never write into a Telegram or Slack user's conversation.
- **Text** (``user_text``): control characters and lone surrogates become
  spaces; blank text is refused; text over ``FAQ_MAX_MESSAGE_CHARS`` is not
  classified but becomes the internal payload below; ``/intent`` payloads
  (what buttons send) must be well-formed, carry no entities and name no
  internal intent. The one exception is the web page's language switch,
  ``/set_language{"language": "ru"}``, exactly so, with a language the bot speaks.
- **Internal payloads**: only this module writes ``/nlu_fallback{...}`` (the
  over-long message). A user who types it is refused, so nothing a user sends
  is ever echoed into a reply through an entity.
- **Size** (``MAX_BODY_BYTES``): the most bytes a channel reads in one request
  body or socket.io packet, ``SANIC_REQUEST_MAX_SIZE`` (Sanic answers bigger HTTP
  bodies with a 413 itself; channels/socketio.py caps engine.io's packets).
- **Metadata and JSON** (``clean_metadata``, ``load_json``): strings cleaned
  like text, nesting at most ``MAX_JSON_DEPTH`` deep, non-finite numbers
  dropped; a body nested deeper is refused (Python's decoder would otherwise
  raise ``RecursionError``, a 500).

Violations raise ``BadInput``: REST answers it with a 400, the platform
channels drop the update with a log line.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rasa.core.channels.channel import UserMessage

from bot import languages, settings

# Rasa's "handle this user message" callback, given to every input channel.
Handler = Callable[[UserMessage], Awaitable[Any]]

MAX_ID_CHARS = 128
# Sanic's body cap (SANIC_REQUEST_MAX_SIZE, default in bot/settings.py), also the
# socket.io packet cap; 64 KiB holds the longest message in any script.
MAX_BODY_BYTES = settings.get_int("SANIC_REQUEST_MAX_SIZE")
MAX_JSON_DEPTH = 32
MAX_USER_MESSAGE_CHARS = settings.get_int("FAQ_MAX_MESSAGE_CHARS")
# What an over-long message becomes. ``nlu_fallback`` is Rasa's built-in intent
# for "not classified", so it needs no NLU examples; the ``max_chars`` entity
# selects the rule (data/rules.yml) and fills the slot the reply quotes.
TOO_LONG_PAYLOAD = "/nlu_fallback" + json.dumps({"max_chars": f"{MAX_USER_MESSAGE_CHARS:,}"})
# Rasa's own intents, which no button of this bot sends: a user may not type them.
INTERNAL_INTENTS = frozenset({"nlu_fallback", "session_start", "restart", "back"})
# Unicode's control characters (category Cc) except tab and newline, and lone
# surrogates (Cs), which the tracker store cannot encode. One C-speed regex pass,
# so even a huge message is cleaned quickly.
UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# What Rasa reads as an intent payload: "/" then an intent name, optionally
# "@confidence" and a JSON object of entities.
INTENT_PAYLOAD = re.compile(r"/(?P<intent>[\w-]+)(@[0-9.]+)?(?P<entities>\{.*\})?", re.DOTALL)


class BadInput(ValueError):
    """Input a channel refuses, with the reason (safe to show the client)."""


def check_id(raw: Any, what: str = "sender") -> str:
    """``raw`` as a conversation id, or ``BadInput`` saying why it is not one."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str) or not raw.strip():
        raise BadInput(f"'{what}' must be a non-empty string")
    if len(raw) > MAX_ID_CHARS:
        raise BadInput(f"'{what}' must be at most {MAX_ID_CHARS} characters")
    if not raw.isprintable():
        raise BadInput(f"'{what}' must contain only printable characters")
    return raw


def conversation_id(channel: str, raw: Any, what: str = "sender") -> str:
    """The id Rasa keeps the conversation under: ``"<channel>:<checked id>"``."""
    return f"{channel}:{check_id(raw, what)}"


def clean_text(text: str) -> str:
    """Replace control characters and lone surrogates with spaces, and trim."""
    return UNWANTED.sub(" ", text).strip()


@dataclass
class UserText:
    """A message as Rasa should get it, and metadata to add to the turn."""

    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


def user_text(message: Any) -> UserText:
    """Check and clean a message typed or clicked by a user (see the module doc)."""
    if not isinstance(message, str):
        raise BadInput("'message' must be a string")
    text = clean_text(message)
    if not text:
        raise BadInput("'message' must contain some text")
    if len(text) > MAX_USER_MESSAGE_CHARS:
        # Not classified: the reply states the limit, and the tracker keeps the
        # turn with the message's length (not its text).
        return UserText(TOO_LONG_PAYLOAD, {"original_length": len(message)})
    if text.startswith("/"):
        check_user_payload(text)
    return UserText(text)


def user_turn(message: Any, metadata: Any) -> tuple[str, dict[str, Any] | None]:
    """The text Rasa gets for ``message`` (``user_text``) and the turn's metadata:
    ``clean_metadata`` of ``metadata``, plus what the text adds (an over-long
    message's length)."""
    cleaned = clean_metadata(metadata)
    turn = user_text(message)
    if turn.metadata:
        cleaned = {**(cleaned or {}), **turn.metadata}
    return turn.text, cleaned


def check_user_payload(text: str) -> None:
    """Refuse ``/intent`` payloads that no button of this bot sends."""
    match = INTENT_PAYLOAD.fullmatch(text)
    if not match:
        raise BadInput("malformed intent payload: expected /intent")
    if match.group("intent") in INTERNAL_INTENTS:
        raise BadInput(f"intent '{match.group('intent')}' is internal")
    if match.group("entities") is not None and not is_language_switch(match):
        raise BadInput("intent payloads from users carry no entities")


def is_language_switch(match: re.Match[str]) -> bool:
    """``/set_language{"language": "<a code of bot/languages.py>"}``, nothing more."""
    if match.group("intent") != languages.SET_LANGUAGE_INTENT:
        return False
    try:
        entities = json.loads(match.group("entities"))
    except ValueError:
        return False
    return (
        isinstance(entities, dict)
        and set(entities) == {languages.ENTITY}
        and entities[languages.ENTITY] in languages.LANGUAGES
    )


def load_json(raw: bytes | str) -> Any:
    """Parse a request body, refusing invalid or too deeply nested JSON."""
    try:
        value = json.loads(raw or b"")
    except RecursionError as exc:
        raise BadInput(f"JSON nested more than {MAX_JSON_DEPTH} levels deep") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput("body must be valid JSON") from exc
    if depth(value) > MAX_JSON_DEPTH:
        raise BadInput(f"JSON nested more than {MAX_JSON_DEPTH} levels deep")
    return value


def depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (a scalar is 0); iterative."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if level > MAX_JSON_DEPTH:
            return level
        stack.extend((child, level + 1) for child in children)
    return deepest


def clean_metadata(metadata: Any) -> dict[str, Any] | None:
    """A copy of ``metadata`` safe to store: strings cleaned, non-finite numbers
    dropped. ``None`` stays ``None``; anything but an object is ``BadInput``."""
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise BadInput("'metadata' must be a JSON object")
    if depth(metadata) > MAX_JSON_DEPTH:
        raise BadInput(f"'metadata' nested more than {MAX_JSON_DEPTH} levels deep")
    return _clean(metadata)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return UNWANTED.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_clean(str(key)): _clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
