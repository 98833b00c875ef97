"""The Slack channel against a fake Slack Web API on loopback (tests/fake_slack.py).

Requests to the bot are signed exactly as Slack signs them. Replies are sent in
the background, so each check that nothing was sent ends with a "barrier": a
later message in the same conversation whose answer proves the earlier one was
dealt with (Rasa handles one conversation's messages in order).

The bot runs as in production with several instances: a real Redis server
holds the lock store and the handled Slack events. A second instance sharing
them, and one with the in-memory lock store, start only for the tests that
need them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import redis
import requests

from channels.disabled import DisabledChannel
from channels.inbound import MAX_JSON_DEPTH, MAX_USER_MESSAGE_CHARS
from channels.slack import (
    DEFAULT_API_BASE_URL,
    MAX_RETRY_AFTER_S,
    ConfigurableSlackBot,
    EnvSlackInput,
    escape_text,
    escaped_length,
    retry_after,
    unescape_text,
)
from channels.text import split_text
from stores import handled_events
from tests import helpers
from tests.fake_slack import (
    BOT_USER_ID,
    MAX_SECTION_CHARS,
    MAX_TEXT_CHARS,
    TEAM_ID,
    Call,
    FakeSlack,
)
from tools.support.databases import Service, redis_lock_store_env, start_redis
from tools.support.processes import Bot, Server, free_port, start_bot, start_rasa, wait_ready

TOKEN = "xoxb-test"
SIGNING_SECRET = secrets.token_hex(16)
API_TOKEN = secrets.token_hex(16)


class SlackWebhook:
    """The Slack webhook of one Rasa instance, and the fake Slack API it replies to."""

    def __init__(self, api: FakeSlack, server: Server) -> None:
        self.api = api
        self.server = server
        self.webhook = server.url + "/webhooks/slack/webhook"

    def post(
        self,
        body: bytes,
        content_type: str = "application/json",
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        signed = sign(body, secret, timestamp)
        signed["Content-Type"] = content_type
        return requests.post(
            self.webhook, data=body, headers={**signed, **(headers or {})}, timeout=30
        )

    def log(self) -> str:
        return self.server.log.read_text(errors="replace")

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        return helpers.fetch_tracker(self.server.url, API_TOKEN, conversation_id)


@dataclass
class Deployment:
    """What the module's Rasa instances share."""

    api: FakeSlack
    redis: Service
    bot: Bot
    workdir: Path

    def handled_event_ttl(self, event_id: str) -> int:
        """Seconds the event id has left in Redis (-2: not there)."""
        db = int(redis_lock_store_env(self.redis)["REDIS_DB"])
        client = redis.Redis(host="127.0.0.1", port=int(self.redis.port), db=db)
        try:
            return client.ttl(handled_events.KEY_PREFIX + event_id)
        finally:
            client.close()

    def start_instance(self, name: str, **env: str) -> SlackWebhook:
        server = start_rasa(self.workdir, {**self.bot.env, **env}, API_TOKEN, name=name)
        try:
            wait_ready(server)
        except BaseException:
            server.stop()
            raise
        return SlackWebhook(self.api, server)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory):
    workdir = tmp_path_factory.mktemp("slack")
    started: list[Any] = [FakeSlack(TOKEN).start()]
    try:
        started.append(start_redis())
        api, redis_server = started
        env = {
            "SLACK_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_BASE_URL": api.base_url,
            **redis_lock_store_env(redis_server),
        }
        started.append(start_bot(workdir, API_TOKEN, env))
        yield Deployment(api, redis_server, started[-1], workdir)
    finally:
        for thing in reversed(started):
            thing.stop()


@pytest.fixture(scope="module")
def slack(deployment: Deployment) -> SlackWebhook:
    """The first instance: Redis lock store, so event ids in Redis."""
    return SlackWebhook(deployment.api, deployment.bot.rasa)


@pytest.fixture(scope="module")
def slack_second(deployment: Deployment):
    """A second instance sharing the first's tracker store, Redis and action server."""
    instance = deployment.start_instance("rasa server 2")
    yield instance
    instance.server.stop()


@pytest.fixture(scope="module")
def slack_in_memory(deployment: Deployment):
    """One instance on its own: in-memory lock store (Redis is still running)."""
    tracker = f"sqlite:///{deployment.workdir / 'in-memory.db'}"
    instance = deployment.start_instance(
        "rasa server in memory", LOCK_STORE_TYPE="in_memory", TRACKER_STORE_URL=tracker
    )
    yield instance
    instance.server.stop()


def sign(body: bytes, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature: HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def slack_ts() -> str:
    return f"{time.time():.6f}"


class Dm:
    """A direct-message conversation between one Slack user and the bot."""

    def __init__(self) -> None:
        self.user = "U" + uuid.uuid4().hex[:10].upper()
        self.channel = "D" + uuid.uuid4().hex[:10].upper()

    def event(self, text: str, thread_ts: str | None = None) -> dict[str, Any]:
        """An ``event_callback`` envelope for a ``message.im`` event, as Slack sends it."""
        ts = slack_ts()
        event = {
            "client_msg_id": str(uuid.uuid4()),
            "type": "message",
            "text": text,
            "user": self.user,
            "ts": ts,
            "team": TEAM_ID,
            "channel": self.channel,
            "event_ts": ts,
            "channel_type": "im",
        }
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
        return {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A0FAQTEST",
            "event": event,
            "type": "event_callback",
            "event_id": "Ev" + uuid.uuid4().hex[:12].upper(),
            "event_time": int(time.time()),
            "authorizations": [
                {"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True},
            ],
            "is_ext_shared_channel": False,
        }

    def click(self, button: dict[str, str], thread_ts: str | None = None) -> dict[str, Any]:
        """The ``block_actions`` payload of a click on ``button`` in a bot message."""
        message = {"type": "message", "user": BOT_USER_ID, "ts": slack_ts()}
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
        return {
            "type": "block_actions",
            "user": {"id": self.user, "username": "tester", "team_id": TEAM_ID},
            "api_app_id": "A0FAQTEST",
            "team": {"id": TEAM_ID},
            "channel": {"id": self.channel, "name": "directmessage"},
            "message": message,
            "trigger_id": "1.2.3",
            "actions": [
                {
                    "type": "button",
                    "action_id": "q4",
                    "block_id": "menu",
                    "text": {"type": "plain_text", "text": button["title"]},
                    "value": button["payload"],
                    "action_ts": slack_ts(),
                }
            ],
        }


def as_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def as_form(payload: Any) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


FORM = "application/x-www-form-urlencoded"


def texts(calls: list[Call]) -> list[str]:
    return [c.params.get("text") for c in calls]


def say(slack: SlackWebhook, dm: Dm, text: str, thread_ts: str | None = None) -> None:
    """Send a direct message (Slack gets a 200 before the bot replies)."""
    reply = slack.post(as_bytes(dm.event(text, thread_ts)))
    assert reply.status_code == 200, reply.text


def ask(
    slack: SlackWebhook, dm: Dm, text: str, expected_posts: int, thread_ts: str | None = None
) -> list[Call]:
    """Send a direct message and wait until the channel has ``expected_posts`` messages."""
    say(slack, dm, text, thread_ts)
    return slack.api.wait_posts(dm.channel, expected_posts)


# --- messages ---------------------------------------------------------------------------


def test_seed_questions_get_their_exact_answers_once(slack, seed):
    dm = Dm()
    for count, (question, _answer) in enumerate(seed, start=1):
        ask(slack, dm, question, count)
    # Barrier: asking the first question again proves no answer was sent twice.
    posts = ask(slack, dm, seed[0][0], len(seed) + 1)
    assert texts(posts) == [answer for _question, answer in seed] + [seed[0][1]]
    assert all(c.token == TOKEN for c in posts)
    assert all(c.params["channel"] == dm.channel for c in posts)


def test_a_typed_follow_up_leans_on_the_conversations_last_answer(slack):
    answers = helpers.answers_by_intent()
    dm = Dm()
    ask(slack, dm, "Is Korean similar to Kazakh?", 1)
    posts = ask(slack, dm, "do many people still use it?", 2)
    assert texts(posts) == [
        answers["faq_korean_similar_to_kazakh"],
        answers["faq_korean_spoken_in_kazakhstan"],
    ]


def test_a_question_in_kazakh_then_a_button_are_answered_in_kazakh(slack):
    """Slack sends no language hint: the text decides, and a button stays in it."""
    answers = helpers.answers_by_intent("kk")
    dm = Dm()
    posts = ask(slack, dm, "Оңтүстік Кореяның ең жақын одақтастары кімдер?", 1)
    assert texts(posts) == [answers["faq_south_korea_allies"]]
    posts = ask(slack, dm, "/faq_south_korea_enemy", 2)
    assert texts(posts)[-1] == answers["faq_south_korea_enemy"]


def test_greeting_menu_reaches_slack_as_buttons(slack, domain, seed):
    dm = Dm()
    greeting, menu = ask(slack, dm, "hi", 2)[:2]
    assert greeting.params["text"] == helpers.text("greet")
    prompt = helpers.text("menu_prompt")
    assert menu.params["text"] == escape_text(prompt)
    section, *actions = menu.params["blocks"]
    assert section == {"type": "section", "text": {"type": "plain_text", "text": prompt}}
    assert all(block["type"] == "actions" for block in actions)
    buttons = [element for block in actions for element in block["elements"]]
    assert all(element["type"] == "button" for element in buttons)
    assert [
        {"title": b["text"]["text"], "payload": b["value"]} for b in buttons
    ] == helpers.question_buttons()
    # Barrier: nothing else followed the menu.
    assert texts(ask(slack, dm, seed[2][0], 3))[2:] == [seed[2][1]]


def test_pressing_a_button_asks_its_question(slack, seed):
    dm = Dm()
    button = helpers.question_buttons()[3]
    answer = helpers.seed_by_intent()[button["payload"].lstrip("/")][1]
    reply = slack.post(as_form(dm.click(button)), content_type=FORM)
    assert reply.status_code == 200, reply.text
    assert texts(slack.api.wait_posts(dm.channel, 1)) == [answer]


def test_a_message_in_a_thread_is_answered_in_that_thread(slack, seed):
    dm = Dm()
    parent = slack_ts()
    (in_thread,) = ask(slack, dm, seed[0][0], 1, thread_ts=parent)
    assert (in_thread.params["text"], in_thread.params["thread_ts"]) == (seed[0][1], parent)
    # A top-level message of the same conversation is answered at the top level.
    top_level = ask(slack, dm, seed[1][0], 2)[1]
    assert top_level.params["text"] == seed[1][1]
    assert "thread_ts" not in top_level.params
    # So is a click on a button of a message in the thread, in the thread.
    button = helpers.question_buttons()[2]
    reply = slack.post(as_form(dm.click(button, thread_ts=parent)), content_type=FORM)
    assert reply.status_code == 200, reply.text
    clicked = slack.api.wait_posts(dm.channel, 3)[2]
    assert clicked.params["text"] == helpers.seed_by_intent()[button["payload"][1:]][1]
    assert clicked.params["thread_ts"] == parent


def test_conversations_are_kept_under_the_slack_namespace(slack, seed):
    dm = Dm()
    ask(slack, dm, seed[2][0], 1)
    ask(slack, dm, seed[3][0], 2)  # barrier: the first turn is saved
    (user, *_later) = [
        e for e in slack.tracker(f"slack:{dm.user}")["events"] if e["event"] == "user"
    ]
    assert (user["text"], user["input_channel"]) == (seed[2][0], "slack")
    slack_metadata = {k: user["metadata"].get(k) for k in ("out_channel", "thread_id", "users")}
    assert slack_metadata == {"out_channel": dm.channel, "thread_id": None, "users": [BOT_USER_ID]}
    assert [e for e in slack.tracker(dm.user)["events"] if e["event"] == "user"] == []


def test_an_over_long_message_gets_the_limit(slack, domain):
    dm = Dm()
    message = "why are there koreans in kazakhstan " * (MAX_USER_MESSAGE_CHARS // 30)
    assert texts(ask(slack, dm, message, 1)) == [helpers.too_long_text()]


# --- url verification and signatures -------------------------------------------------------


def test_url_verification_echoes_the_challenge(slack):
    challenge = secrets.token_urlsafe(32)
    body = as_bytes({"token": "legacy", "challenge": challenge, "type": "url_verification"})
    reply = slack.post(body)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/plain")
    assert reply.text == challenge


def test_unsigned_url_verification_is_refused(slack):
    body = as_bytes({"token": "legacy", "challenge": "abc", "type": "url_verification"})
    reply = requests.post(
        slack.webhook, data=body, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert reply.status_code == 400
    assert "abc" not in reply.text


@pytest.mark.parametrize(
    "forgery",
    [
        {"secret": "not-the-signing-secret"},
        {"age_s": 6 * 60},  # correctly signed, but stale
        {"age_s": -6 * 60},  # correctly signed, from the future
        {"headers": {"X-Slack-Signature": "", "X-Slack-Request-Timestamp": ""}},
    ],
    ids=["bad-signature", "stale", "future", "unsigned"],
)
def test_forged_or_replayed_events_are_refused_without_a_reply(slack, seed, forgery):
    dm = Dm()
    if "age_s" in forgery:  # the clock is read now, not when the tests were collected
        forgery = {"timestamp": int(time.time()) - forgery["age_s"]}
    reply = slack.post(as_bytes(dm.event(seed[0][0])), **forgery)
    assert reply.status_code == 400
    # Barrier: a genuine message in the same conversation is the only one answered.
    assert texts(ask(slack, dm, seed[1][0], 1)) == [seed[1][1]]


def test_a_tampered_body_is_refused(slack, seed):
    dm = Dm()
    body = as_bytes(dm.event(seed[0][0]))
    headers = sign(body)
    headers["Content-Type"] = "application/json"
    tampered = body.replace(dm.user.encode(), b"UOTHERUSER1")
    reply = requests.post(slack.webhook, data=tampered, headers=headers, timeout=30)
    assert reply.status_code == 400
    assert texts(ask(slack, dm, seed[1][0], 1)) == [seed[1][1]]


# --- retries ------------------------------------------------------------------------------


RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


@pytest.mark.parametrize("reason", ["http_timeout", "http_error", "unknown_error"])
def test_a_retry_of_a_handled_event_is_not_answered_twice(slack, seed, reason):
    dm = Dm()
    body = as_bytes(dm.event(seed[4][0]))
    assert slack.post(body).status_code == 200
    slack.api.wait_posts(dm.channel, 1)
    # Slack redelivers the same body, signed again.
    retry = slack.post(body, headers={**RETRY, "X-Slack-Retry-Reason": reason})
    assert 200 <= retry.status_code < 300
    assert retry.headers.get("X-Slack-No-Retry") == "1"
    assert texts(ask(slack, dm, seed[5][0], 2)) == [seed[4][1], seed[5][1]]


def test_a_retry_of_an_event_that_never_arrived_is_answered(slack, seed):
    # The first delivery was lost (Rasa never saw it): the retry is the only copy.
    dm = Dm()
    reply = slack.post(as_bytes(dm.event(seed[6][0])), headers=RETRY)
    assert reply.status_code == 200
    assert texts(ask(slack, dm, seed[7][0], 2)) == [seed[6][1], seed[7][1]]


def test_a_retry_reaching_a_second_instance_is_not_answered_twice(
    deployment, slack, slack_second, seed
):
    dm = Dm()
    event = dm.event(seed[3][0])
    body = as_bytes(event)
    assert slack.post(body).status_code == 200
    slack.api.wait_posts(dm.channel, 1)
    retry = slack_second.post(body, headers=RETRY)
    assert retry.status_code == 200
    assert retry.headers.get("X-Slack-No-Retry") == "1"
    # Barrier through the second instance, which shares the conversation.
    assert texts(ask(slack_second, dm, seed[8][0], 2)) == [seed[3][1], seed[8][1]]
    ttl = deployment.handled_event_ttl(event["event_id"])
    assert handled_events.DEFAULT_TTL_S - 120 < ttl <= handled_events.DEFAULT_TTL_S
    for instance in (slack, slack_second):
        assert "Slack event ids are kept in Redis at 127.0.0.1:" in instance.log()


def test_one_instance_with_the_in_memory_lock_store_answers_a_retry_once(
    deployment, slack_in_memory, seed
):
    dm = Dm()
    event = dm.event(seed[5][0])
    body = as_bytes(event)
    assert slack_in_memory.post(body).status_code == 200
    slack_in_memory.api.wait_posts(dm.channel, 1)
    retry = slack_in_memory.post(body, headers=RETRY)
    assert retry.headers.get("X-Slack-No-Retry") == "1"
    assert texts(ask(slack_in_memory, dm, seed[6][0], 2)) == [seed[5][1], seed[6][1]]
    assert deployment.handled_event_ttl(event["event_id"]) == -2  # not in Redis
    assert "Slack event ids are kept in memory" in slack_in_memory.log()


async def test_with_redis_unreachable_every_delivery_is_answered(caplog):
    events = handled_events.RedisHandledEvents(host="127.0.0.1", port=free_port())
    with caplog.at_level(logging.WARNING, logger="stores.handled_events"):
        assert [await events.first_delivery("EvUNREACHABLE") for _ in range(2)] == [True, True]
    await events.red.connection_pool.disconnect()
    warnings = [r.getMessage() for r in caplog.records if r.name == "stores.handled_events"]
    assert len(warnings) == 2
    assert all("Slack event EvUNREACHABLE is answered without checking" in w for w in warnings)


async def test_event_ids_in_the_lock_file_are_shared_by_processes(tmp_path):
    """Two stores on one file, as two Rasa processes have: one first delivery."""
    first, second = (handled_events.SQLiteHandledEvents(tmp_path / "locks") for _ in range(2))
    assert await first.first_delivery("Ev1") is True
    assert await second.first_delivery("Ev1") is False
    assert await second.first_delivery("Ev2") is True
    expired = handled_events.SQLiteHandledEvents(tmp_path / "locks", ttl_s=-1)
    assert await expired.first_delivery("Ev1") is True  # forgotten after the TTL


@pytest.mark.parametrize(
    "lock_store_type, kept_in",
    [
        ("redis", handled_events.RedisHandledEvents),
        ("stores.lock_store.AtomicRedisLockStore", handled_events.RedisHandledEvents),
        ("rasa.core.lock_store.RedisLockStore", handled_events.RedisHandledEvents),
        ("in_memory", handled_events.InMemoryHandledEvents),
        ("rasa.core.lock_store.InMemoryLockStore", handled_events.InMemoryHandledEvents),
        ("stores.lock_store.SQLiteLockStore", handled_events.SQLiteHandledEvents),
        ("", handled_events.SQLiteHandledEvents),  # unset: the default lock store
    ],
)
def test_the_lock_store_type_decides_where_event_ids_are_kept(
    monkeypatch, lock_store_type, kept_in
):
    settings = {"REDIS_HOST": "redis.internal", "REDIS_PORT": "6380", "REDIS_DB": "3"}
    for name, value in {"LOCK_STORE_TYPE": lock_store_type, **settings}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("REDIS_PASSWORD", "secret")
    events = handled_events.from_environment()
    assert type(events) is kept_in
    if kept_in is handled_events.RedisHandledEvents:
        connection = events.red.connection_pool.connection_kwargs
        assert (connection["host"], connection["port"], connection["db"]) == (
            "redis.internal",
            6380,
            3,
        )
        assert connection["password"] == "secret"


def test_slack_escapes_are_undone_before_nlu_and_applied_on_the_way_out():
    assert EnvSlackInput._sanitize_user_message("Korea &amp; Kazakhstan &lt;3", []) == (
        "Korea & Kazakhstan <3"
    )
    assert escape_text("A & B <!channel>") == "A &amp; B &lt;!channel&gt;"


# --- failed replies ---------------------------------------------------------------------


@pytest.mark.parametrize("seconds, waited", [(1, 1.0), (60, MAX_RETRY_AFTER_S)])
def test_a_rate_limited_reply_is_sent_again_after_retry_after(slack, seed, seconds, waited):
    dm = Dm()
    slack.api.fail_next(dm.channel, "ratelimited", retry_after=seconds)
    assert texts(ask(slack, dm, seed[1][0], 1)) == [seed[1][1]]
    limited, sent = slack.api.attempts(dm.channel)
    assert (limited.status, limited.response) == (429, {"ok": False, "error": "ratelimited"})
    assert sent.params == limited.params
    assert waited <= sent.at - limited.at < waited + 2
    line = f"Slack chat.postMessage to {dm.channel} rate limited; retrying once in {waited:.1f} s."
    assert line in slack.log()
    # Barrier: nothing else was sent.
    assert texts(ask(slack, dm, seed[2][0], 2)) == [seed[1][1], seed[2][1]]
    assert len(slack.api.attempts(dm.channel)) == 3


def test_a_reply_rate_limited_twice_is_logged_and_not_sent_a_third_time(slack, seed):
    dm = Dm()
    for _ in range(2):
        slack.api.fail_next(dm.channel, "ratelimited", retry_after=1)
    say(slack, dm, seed[1][0])
    assert texts(ask(slack, dm, seed[2][0], 1)) == [seed[2][1]]
    assert [(c.params["text"], c.status) for c in slack.api.attempts(dm.channel)] == [
        (seed[1][1], 429),
        (seed[1][1], 429),
        (seed[2][1], 200),
    ]
    assert f"Slack chat.postMessage to {dm.channel} failed: ratelimited (HTTP 429)" in slack.log()


def test_a_refused_reply_is_logged_with_slacks_error_and_the_turn_goes_on(slack, seed):
    dm = Dm()
    slack.api.fail_next(dm.channel, "invalid_blocks")
    say(slack, dm, seed[0][0])  # the answer comes with follow-up buttons
    assert texts(ask(slack, dm, seed[1][0], 1)) == [seed[1][1]]
    refused = slack.api.attempts(dm.channel)[0]
    assert (refused.params["text"], refused.response["error"]) == (seed[0][1], "invalid_blocks")
    line = f"Slack chat.postMessage to {dm.channel} failed: invalid_blocks (HTTP 200)"
    assert line in slack.log()
    # The turn was not lost: the conversation has the question and its answer.
    events = slack.tracker(f"slack:{dm.user}")["events"]
    said = [(e["event"], e["text"]) for e in events if e["event"] in ("user", "bot")]
    assert said[:2] == [("user", seed[0][0]), ("bot", seed[0][1])]


@pytest.mark.parametrize(
    "headers, seconds",
    [
        ({"Retry-After": "2"}, 2.0),
        ({"retry-after": "1"}, 1.0),
        ({"Retry-After": "30"}, MAX_RETRY_AFTER_S),
        ({"Retry-After": "-5"}, 0.0),
        ({"Retry-After": "soon"}, 1.0),
        ({"Retry-After": "nan"}, 1.0),
        ({}, 1.0),
    ],
)
def test_retry_after_is_slacks_but_capped(headers, seconds):
    assert retry_after(headers) == seconds


# --- long replies --------------------------------------------------------------------------


def test_split_text_cuts_at_the_best_boundary_that_fits():
    assert split_text("aa\n\nbb\ncc dd", 10) == ["aa", "bb\ncc dd"]
    assert split_text("aa bb\ncc dd ee", 10) == ["aa bb", "cc dd ee"]
    assert split_text("aa bb cc dd ee", 10) == ["aa bb cc", "dd ee"]
    assert split_text("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert split_text("<<<<", 8, escaped_length) == ["<<", "<<"]
    assert split_text("short", 10) == ["short"]
    assert split_text(" \n ", 10) == []


async def test_long_replies_are_split_into_messages_slack_accepts():
    lines = "\n".join(f"Line {n}: Korea & Kazakhstan <friends>" for n in range(2000))
    words = " ".join(f"word{n}&" for n in range(1500))
    buttons = helpers.question_buttons()
    api = FakeSlack(TOKEN).start()
    try:
        bot = ConfigurableSlackBot(TOKEN, "D123", api_base_url=api.base_url)
        await bot.send_text_message("U1", lines)
        await bot.send_text_with_buttons("U1", words, buttons)
    finally:
        api.stop()
    attempts = api.attempts("D123")
    assert [c.response.get("error") for c in attempts if not c.response["ok"]] == []
    sent = [unescape_text(c.params["text"]) for c in attempts]
    plain = [c for c in attempts if "blocks" not in c.params]
    # The lines: cut only between lines, each piece as full as Slack allows.
    n_lines = len([c for c in plain if c.params["text"].startswith("Line")])
    assert "\n".join(sent[:n_lines]) == lines
    assert all(
        MAX_TEXT_CHARS - 60 < len(c.params["text"]) <= MAX_TEXT_CHARS for c in plain[: n_lines - 1]
    )
    # The words: cut only between words, the buttons with the last piece.
    assert " ".join(sent[n_lines:]) == words
    assert all(len(text) <= MAX_SECTION_CHARS for text in sent[n_lines:])
    *_, with_buttons = attempts
    section, *actions = with_buttons.params["blocks"]
    assert section["text"]["text"] == sent[-1]
    assert [e["value"] for block in actions for e in block["elements"]] == [
        b["payload"] for b in buttons
    ]
    assert "blocks" not in attempts[-2].params


# --- bad input ----------------------------------------------------------------------------


JSON = "application/json"
UNREADABLE = {
    "invalid JSON": (b'{"type": "event_callback"', JSON, "body must be valid JSON"),
    "empty": (b"", JSON, "body must be valid JSON"),
    "a list": (b"[]", JSON, "the event must be a JSON object"),
    "nested too deep": (
        b"[" * 20_000 + b"]" * 20_000,
        JSON,
        f"JSON nested more than {MAX_JSON_DEPTH} levels deep",
    ),
    "nested one level too deep": (
        as_bytes({"event": json.loads("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)}),
        JSON,
        f"JSON nested more than {MAX_JSON_DEPTH} levels deep",
    ),
    "form without payload": (b"token=x", FORM, "form body has no 'payload'"),
    "payload not JSON": (urlencode({"payload": "{"}).encode(), FORM, "body must be valid JSON"),
    "payload a list": (as_form([]), FORM, "the interaction must be a JSON object"),
    "payload nested too deep": (
        urlencode({"payload": "[" * 9000 + "]" * 9000}).encode(),
        FORM,
        f"JSON nested more than {MAX_JSON_DEPTH} levels deep",
    ),
    "form not UTF-8": (b"payload=\xff", FORM, "form body must be UTF-8"),
}


@pytest.mark.parametrize("body, content_type, reason", UNREADABLE.values(), ids=UNREADABLE)
def test_an_unreadable_body_gets_a_400_and_the_bot_still_answers(
    slack, seed, body, content_type, reason
):
    line = f"Rejected a Slack request: {reason}"
    before = slack.log().count(line)
    reply = slack.post(body, content_type=content_type)
    assert (reply.status_code, reply.text) == (400, reason)
    assert slack.log().count(line) == before + 1
    assert texts(ask(slack, Dm(), seed[2][0], 1)) == [seed[2][1]]


def event_with(**changes: Any):
    """A direct message whose envelope has ``changes``."""
    return lambda dm, text: as_bytes({**dm.event(text), **changes})


def message_with(**changes: Any):
    """A direct message whose ``event`` has ``changes``."""

    def make(dm: Dm, text: str) -> bytes:
        body = dm.event(text)
        body["event"].update(changes)
        return as_bytes(body)

    return make


def click_with(value: Any = "/greet", **changes: Any):
    """A click on a button with ``value``, the payload changed by ``changes``."""
    return lambda dm, _text: as_form({**dm.click({"title": "Q", "payload": value}), **changes})


INTERNAL = '/nlu_fallback{"max_chars": "5"}'
PRINTABLE = "must contain only printable characters"
REFUSED = [
    ("user with a NUL", message_with(user="U1\x00"), f"'user' {PRINTABLE}"),
    ("user too long", message_with(user="U" * 129), "'user' must be at most 128 characters"),
    ("user not a string", message_with(user=["U1"]), "'user' must be a non-empty string"),
    ("no user", message_with(user=None), "'user' must be a non-empty string"),
    ("channel with a newline", message_with(channel="D1\n"), f"'channel' {PRINTABLE}"),
    ("blank thread_ts", message_with(thread_ts=" "), "'thread_ts' must be a non-empty string"),
    ("event_id an object", event_with(event_id={"id": 1}), "'event_id' must be a non-empty string"),
    ("text an object", message_with(text={"a": 1}), "'text' must be a string"),
    ("text only controls", message_with(text="\x00\x01"), "'message' must contain some text"),
    ("typed internal payload", message_with(text=INTERNAL), "intent 'nlu_fallback' is internal"),
    ("typed /restart", message_with(text="/restart"), "intent 'restart' is internal"),
    ("entities", message_with(text="/greet{}"), "intent payloads from users carry no entities"),
    ("button internal payload", click_with(INTERNAL), "intent 'nlu_fallback' is internal"),
    ("button malformed payload", click_with("/"), "malformed intent payload: expected /intent"),
    ("button value a number", click_with(5), "'message' must be a string"),
    ("button user with a NUL", click_with(user={"id": "U\x00"}), f"'user' {PRINTABLE}"),
    ("button without channel", click_with(channel={}), "'channel' must be a non-empty string"),
]  # fmt: skip


@pytest.mark.parametrize(
    "make, reason", [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED]
)
def test_a_refused_id_or_text_is_dropped_with_a_200_and_the_bot_still_answers(
    slack, seed, make, reason
):
    dm = Dm()
    body = make(dm, seed[4][0])
    is_form = body.startswith(b"payload=")
    line = f"Dropped a Slack {'interaction' if is_form else 'event'}: {reason}"
    before = slack.log().count(line)
    reply = slack.post(body, content_type=FORM if is_form else JSON)
    assert (reply.status_code, reply.text) == (200, "")
    assert slack.log().count(line) == before + 1
    # Barrier: the conversation's next message is the only one answered.
    assert texts(ask(slack, dm, seed[2][0], 1)) == [seed[2][1]]


NOT_READ = {
    "event not an object": (event_with(event="x"), JSON, "Bot message delivered."),
    "bot message": (message_with(bot_id="B1"), JSON, "Bot message delivered."),
    "channel message": (message_with(channel_type="channel"), JSON, "channel not supported."),
    "no actions": (click_with(actions=[]), FORM, "Only buttons are supported."),
    "a select": (
        click_with(actions=[{"type": "static_select", "selected_option": []}]),
        FORM,
        "Only buttons are supported.",
    ),
}


@pytest.mark.parametrize("make, content_type, answer", NOT_READ.values(), ids=NOT_READ)
def test_what_the_bot_does_not_read_gets_a_200_and_no_reply(
    slack, seed, make, content_type, answer
):
    dm = Dm()
    reply = slack.post(make(dm, seed[4][0]), content_type=content_type)
    assert (reply.status_code, reply.text) == (200, answer)
    assert texts(ask(slack, dm, seed[2][0], 1)) == [seed[2][1]]


# --- configuration ------------------------------------------------------------------------


def test_the_channel_is_on_in_the_slack_bot(slack):
    assert requests.get(slack.server.url + "/webhooks/slack/", timeout=10).ok
    assert "Slack channel off" not in slack.log()


def test_slack_is_off_without_its_settings(bot):
    if any(os.environ.get(name) for name in ("SLACK_TOKEN", "SLACK_SIGNING_SECRET")):
        pytest.skip("SLACK_* is set in this environment, so the shared bot has Slack on")
    body = as_bytes(Dm().event("hi"))
    reply = requests.post(
        bot.rasa.url + "/webhooks/slack/webhook",
        data=body,
        headers={**sign(body), "Content-Type": "application/json"},
        timeout=10,
    )
    assert reply.status_code == 404
    assert requests.get(bot.rasa.url + "/webhooks/slack/", timeout=10).status_code == 404
    log = bot.rasa.log.read_text(errors="replace")
    assert log.count("Slack channel off") == 1


@pytest.mark.parametrize("unset", ["SLACK_TOKEN", "SLACK_SIGNING_SECRET"])
def test_from_credentials_without_a_setting_logs_one_line(monkeypatch, caplog, unset):
    monkeypatch.setenv("SLACK_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.delenv(unset)
    with caplog.at_level(logging.INFO, logger="channels.disabled"):
        channel = EnvSlackInput.from_credentials({"slack_token": "from-yaml"})
    assert isinstance(channel, DisabledChannel)
    assert channel.url_prefix() == "slack"
    records = [r for r in caplog.records if r.name == "channels.disabled"]
    assert [(r.levelno, r.getMessage()) for r in records] == [
        (logging.INFO, f"Slack channel off: {unset} not set.")
    ]


def test_from_credentials_reads_the_environment_only(monkeypatch):
    monkeypatch.setenv("SLACK_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.delenv("SLACK_API_BASE_URL", raising=False)
    yaml_values = {"slack_token": "xoxb-yaml", "slack_signing_secret": "yaml"}
    channel = EnvSlackInput.from_credentials(yaml_values)
    assert isinstance(channel, EnvSlackInput)
    assert (channel.slack_token, channel.slack_signing_secret) == (TOKEN, SIGNING_SECRET)
    output = channel.get_output_channel("D123")
    assert isinstance(output, ConfigurableSlackBot)
    assert output.client.base_url == DEFAULT_API_BASE_URL == "https://slack.com/api/"
    monkeypatch.setenv("SLACK_API_BASE_URL", "http://127.0.0.1:9/api/")
    output = EnvSlackInput.from_credentials(None).get_output_channel("D123")
    assert output.client.base_url == "http://127.0.0.1:9/api/"


async def test_long_menus_are_split_over_actions_blocks(monkeypatch):
    sent: list[dict[str, Any]] = []

    async def capture(self, channel: str, **kwargs: Any) -> None:
        sent.append({"channel": channel, **kwargs})

    monkeypatch.setattr(ConfigurableSlackBot, "_post_message", capture)
    buttons = [{"title": f"Question {i} " + "x" * 80, "payload": f"/q{i}"} for i in range(30)]
    await ConfigurableSlackBot(TOKEN, "D123").send_text_with_buttons("U1", "Pick one", buttons)
    (message,) = sent
    section, first, second = message["blocks"]
    assert [len(first["elements"]), len(second["elements"])] == [25, 5]
    labels = [e["text"]["text"] for block in (first, second) for e in block["elements"]]
    assert all(len(label) == 75 and label.endswith("…") for label in labels)
    assert [e["value"] for b in (first, second) for e in b["elements"]] == [
        b["payload"] for b in buttons
    ]
