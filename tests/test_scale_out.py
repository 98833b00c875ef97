"""Scale-out on Rasa's own mechanism: two Rasa instances sharing a PostgreSQL
tracker store and a Redis lock store, and one action server. Real PostgreSQL
and Redis servers (Debian packages) run on loopback for this module."""

from __future__ import annotations

import secrets
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests

from actions.unanswered import UnansweredLog
from stores.lock_store import AtomicRedisLockStore
from tests import helpers
from tools.support.databases import Service, redis_lock_store_env, start_postgres, start_redis
from tools.support.processes import Bot, Server, start_bot, start_rasa, wait_ready


@dataclass
class Cluster:
    bot: Bot
    instances: list[Server]
    token: str
    postgres: Service
    redis: Service

    def say(self, instance: int, text: str, sender: str) -> list[dict]:
        reply = requests.post(
            self.instances[instance].url + "/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=120,
        )
        assert reply.status_code == 200, reply.text
        return reply.json()

    def events(self, instance: int, sender: str) -> list[dict]:
        url = self.instances[instance].url
        return helpers.fetch_tracker(url, self.token, f"rest:{sender}")["events"]

    def redis_commands(self) -> int:
        command = ["redis-cli", "-p", self.redis.port, "info", "stats"]
        info = subprocess.run(command, capture_output=True, text=True, timeout=10).stdout
        (line,) = [x for x in info.splitlines() if x.startswith("total_commands_processed:")]
        return int(line.split(":")[1])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    postgres = start_postgres()
    redis = start_redis()
    started: list = [postgres, redis]
    try:
        token = secrets.token_hex(16)
        # Two instances of one process each (SANIC_WORKERS, 2 by default, is
        # tested on one machine by tests/test_workers.py).
        stores = {
            "TRACKER_STORE_URL": postgres.url,
            "SANIC_WORKERS": "1",
            **redis_lock_store_env(redis),
        }
        bot = start_bot(tmp_path_factory.mktemp("cluster"), token, stores)
        started.append(bot)
        second = start_rasa(bot.actions.log.parent, bot.env, token, name="rasa server 2")
        started.append(second)
        wait_ready(second)
        yield Cluster(bot, [bot.rasa, second], token, postgres, redis)
    finally:
        for thing in reversed(started):
            thing.stop()


def turns(events: list[dict]) -> list[tuple[str, list[str]]]:
    """(user text, [what followed until the next user message]) per user message."""
    result: list[tuple[str, list[str]]] = []
    in_turn = False  # a new session (patches/bounded_sessions.py) ends the turn
    for event in events:
        if event["event"] == "user":
            result.append((event["text"], []))
            in_turn = True
        elif event["event"] == "action" and event.get("name") == "action_session_start":
            in_turn = False
        elif in_turn and event["event"] in ("action", "bot"):
            label = event.get("name") if event["event"] == "action" else f"bot:{event['text']}"
            result[-1][1].append(label)
    return result


def answered(text: str) -> list[str]:
    """What must follow a seed question in the tracker (answer, then listen)."""
    intent = {q: i for i, (q, _a) in helpers.seed_by_intent().items()}[text]
    return ["action_answer_faq", f"bot:{helpers.answers_by_intent()[intent]}", "action_listen"]


def test_a_conversation_alternating_between_instances_keeps_every_event_in_order(cluster, seed):
    sender = uuid.uuid4().hex
    for number, (question, answer) in enumerate(seed):
        reply = cluster.say(number % 2, question, sender)
        assert [m["text"] for m in reply] == [answer]

    for instance in (0, 1):  # both instances read the same, complete conversation
        conversation = turns(cluster.events(instance, sender))
        assert [text for text, _ in conversation] == [q for q, _ in seed]
        assert all(after == answered(text) for text, after in conversation)


def test_concurrent_messages_for_one_sender_are_serialised_by_the_lock_store(cluster, seed):
    sender = uuid.uuid4().hex
    questions = [question for question, _ in seed] * 2  # 18 messages
    commands_before = cluster.redis_commands()
    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        replies = list(
            pool.map(lambda n: cluster.say(n % 2, questions[n], sender), range(len(questions)))
        )
    answers = dict(seed)
    assert [[m["text"] for m in r] for r in replies] == [[answers[q]] for q in questions]

    conversation = turns(cluster.events(0, sender))
    assert sorted(text for text, _ in conversation) == sorted(questions)
    # Serialised: each message's answer directly follows it, never another's.
    assert all(after == answered(text) for text, after in conversation)
    assert cluster.redis_commands() > commands_before + len(questions)  # locks went via Redis


def test_the_unanswered_log_shares_the_postgresql_database(cluster):
    question = f"what is the tallest mountain in the world {uuid.uuid4().hex[:6]}"
    assert [m["text"] for m in cluster.say(1, question, uuid.uuid4().hex)] == (
        helpers.fallback_texts()
    )
    (entry,) = [e for e in UnansweredLog(cluster.postgres.url, 90).entries() if e.text == question]
    assert (entry.kind, entry.channel) == ("fallback", "rest")


def test_tickets_issued_at_once_by_two_instances_are_unique(cluster):
    stores = [
        AtomicRedisLockStore(host="127.0.0.1", port=cluster.redis.port, db=2) for _ in range(2)
    ]
    conversation = uuid.uuid4().hex
    with ThreadPoolExecutor(max_workers=16) as pool:
        tickets = list(pool.map(lambda n: stores[n % 2].issue_ticket(conversation), range(200)))
    assert sorted(tickets) == list(range(200))  # no ticket issued twice, none lost
    for ticket in tickets:
        stores[ticket % 2].cleanup(conversation, ticket)
    assert stores[0].get_lock(conversation) is None  # the last one out deletes the lock
