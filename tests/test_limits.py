"""Size limits on the REST webhook: the body cap (413) and the message cap (a polite reply)."""

from __future__ import annotations

import json
import uuid

import pytest

from channels.inbound import MAX_USER_MESSAGE_CHARS
from tests import helpers
from tools.support.processes import request_max_bytes

MAX_BYTES = request_max_bytes()


def body_of_size(size: int) -> bytes:
    """A well-formed webhook body of exactly ``size`` bytes."""
    empty = json.dumps({"sender": "limits", "message": ""}).encode()
    body = json.dumps({"sender": "limits", "message": "x" * (size - len(empty))}).encode()
    assert len(body) == size
    return body


def test_a_body_over_the_cap_gets_413_and_the_bot_keeps_answering(bot, domain, seed):
    assert bot.post_raw(body_of_size(MAX_BYTES + 1)).status_code == 413
    assert bot.post_raw(body_of_size(10 * MAX_BYTES)).status_code == 413
    # A body of exactly the cap is read: its message is over the message cap.
    at_cap = bot.post_raw(body_of_size(MAX_BYTES))
    assert at_cap.status_code == 200, at_cap.text
    assert [m["text"] for m in at_cap.json()] == [helpers.too_long_text()]
    question, answer = seed[1]
    assert bot.texts(question) == [answer]


@pytest.mark.parametrize(
    "message",
    [
        "x" * (MAX_USER_MESSAGE_CHARS + 1),
        "why are there koreans in kazakhstan " * 100,
        "고" * (MAX_USER_MESSAGE_CHARS + 1),  # characters are counted, not bytes
        "😀" * (MAX_USER_MESSAGE_CHARS + 1),
    ],
    ids=["one over the cap", "words", "korean", "emoji"],
)
def test_an_over_long_message_gets_the_limit_and_is_recorded(bot, domain, message):
    sender = f"long-{uuid.uuid4().hex}"
    assert bot.texts(message, sender) == [helpers.too_long_text()]

    (user,) = [e for e in bot.tracker(sender)["events"] if e["event"] == "user"]
    assert user["parse_data"]["intent"]["name"] == "nlu_fallback"
    assert user["metadata"]["original_length"] == len(message)
    # Not classified: the text is not in the tracker, only the limit.
    assert message[:50] not in user["text"]
    assert [(e["entity"], e["value"]) for e in user["parse_data"]["entities"]] == [
        ("max_chars", f"{MAX_USER_MESSAGE_CHARS:,}")
    ]


def test_a_message_of_exactly_the_cap_is_classified(bot, domain, seed):
    question, answer = seed[4]
    padding = " and " + "tell me more " * MAX_USER_MESSAGE_CHARS
    at_cap = (question + padding)[:MAX_USER_MESSAGE_CHARS]
    texts = bot.texts(at_cap)
    assert texts and helpers.too_long_text() not in texts
    # Surrounding white space does not count towards the cap.
    padded = " " * MAX_USER_MESSAGE_CHARS + question + "\n" * MAX_USER_MESSAGE_CHARS
    assert bot.texts(padded) == [answer]
