"""Load: 32 conversations at once, 20 messages each, every one answered exactly.

Bounded (640 messages, loopback only) and untimed: it checks correctness under
concurrency, not speed (`make bench` measures latency).
"""

from __future__ import annotations

import random
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from tests import helpers

CONVERSATIONS = 32
MESSAGES = 20


def inputs_with_known_answers() -> list[tuple[str, str]]:
    """(message, expected answer): the nine seed questions and the nine button payloads."""
    pairs = []
    for intent, (question, answer) in helpers.seed_by_intent().items():
        pairs += [(question, answer), (f"/{intent}", answer)]
    return pairs


def converse(webhook: str, sender: str, script: list[tuple[str, str]]) -> list[str]:
    """Send the script in order; return what went wrong (nothing, if all is well)."""
    problems = []
    with requests.Session() as session:
        for number, (text, answer) in enumerate(script):
            try:
                reply = session.post(webhook, json={"sender": sender, "message": text}, timeout=120)
                texts = [m.get("text") for m in reply.json()] if reply.status_code == 200 else []
            except (requests.RequestException, ValueError) as exc:
                problems.append(f"{sender} #{number}: {type(exc).__name__}: {exc}")
                continue
            # The answer comes first; later work may add suggestions after it.
            if reply.status_code != 200 or not texts or texts[0] != answer:
                problems.append(f"{sender} #{number} {text!r}: {reply.status_code} {texts}")
    return problems


def test_32_concurrent_conversations_of_20_messages(bot):
    pairs = inputs_with_known_answers()
    run = uuid.uuid4().hex[:8]
    # Each conversation its own sender and its own (reproducible) mix of messages.
    scripts = {
        f"load-{run}-{n}": random.Random(n).choices(pairs, k=MESSAGES) for n in range(CONVERSATIONS)
    }
    with ThreadPoolExecutor(max_workers=CONVERSATIONS) as pool:
        futures = [
            pool.submit(converse, bot.webhook, sender, script) for sender, script in scripts.items()
        ]
        problems = [problem for future in futures for problem in future.result()]
    assert problems == []

    for sender, script in scripts.items():
        users = [e["text"] for e in bot.tracker(sender)["events"] if e["event"] == "user"]
        assert users == [text for text, _ in script], sender
