"""The Slack channel against a fake Slack Web API on loopback (tests/fake_slack.py).

Requests to the bot are signed exactly as Slack signs them. Replies are sent in
the background, so each check that nothing was sent ends with a "barrier": a
later message in the same conversation whose answer proves the earlier one was
dealt with (Rasa handles one conversation's messages in order).
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
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from channels.disabled import DisabledChannel
from channels.slack import (
    DEFAULT_API_BASE_URL,
    ConfigurableSlackBot,
    EnvSlackInput,
    escape_text,
)
from tests import helpers
from tests.fake_slack import BOT_USER_ID, TEAM_ID, Call, FakeSlack
from tests.support.processes import start_bot

TOKEN = "xoxb-test"
SIGNING_SECRET = secrets.token_hex(16)


class SlackBotUnderTest:
    def __init__(self, api: FakeSlack, processes: Any) -> None:
        self.api = api
        self.processes = processes
        self.webhook = processes.rasa.url + "/webhooks/slack/webhook"

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


@pytest.fixture(scope="module")
def slack(tmp_path_factory: pytest.TempPathFactory):
    api = FakeSlack(TOKEN).start()
    try:
        processes = start_bot(
            tmp_path_factory.mktemp("slack"),
            extra_env={
                "SLACK_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_BASE_URL": api.base_url,
            },
        )
    except BaseException:
        api.stop()
        raise
    yield SlackBotUnderTest(api, processes)
    processes.stop()
    api.stop()


def sign(body: bytes, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature: HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


class Dm:
    """A direct-message conversation between one Slack user and the bot."""

    def __init__(self) -> None:
        self.user = "U" + uuid.uuid4().hex[:10].upper()
        self.channel = "D" + uuid.uuid4().hex[:10].upper()

    def event(self, text: str) -> dict[str, Any]:
        """An ``event_callback`` envelope for a ``message.im`` event, as Slack sends it."""
        ts = f"{time.time():.6f}"
        return {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A0FAQTEST",
            "event": {
                "client_msg_id": str(uuid.uuid4()),
                "type": "message",
                "text": text,
                "user": self.user,
                "ts": ts,
                "team": TEAM_ID,
                "channel": self.channel,
                "event_ts": ts,
                "channel_type": "im",
            },
            "type": "event_callback",
            "event_id": "Ev" + uuid.uuid4().hex[:12].upper(),
            "event_time": int(time.time()),
            "authorizations": [
                {"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True},
            ],
            "is_ext_shared_channel": False,
        }


def as_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def texts(calls: list[Call]) -> list[str]:
    return [c.params.get("text") for c in calls]


def ask(slack: SlackBotUnderTest, dm: Dm, text: str, expected_posts: int) -> list[Call]:
    """Send a direct message and wait until the channel has ``expected_posts`` messages."""
    reply = slack.post(as_bytes(dm.event(text)))
    assert reply.status_code == 200, reply.text
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


def test_greeting_menu_reaches_slack_as_buttons(slack, domain, seed):
    dm = Dm()
    greeting, menu = ask(slack, dm, "hi", 2)[:2]
    assert greeting.params["text"] == helpers.response_text(domain, "utter_greet")
    prompt = helpers.content()["menu_prompt"]
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
    payload = {
        "type": "block_actions",
        "user": {"id": dm.user, "username": "tester", "team_id": TEAM_ID},
        "api_app_id": "A0FAQTEST",
        "team": {"id": TEAM_ID},
        "channel": {"id": dm.channel, "name": "directmessage"},
        "message": {"type": "message", "user": BOT_USER_ID, "ts": f"{time.time():.6f}"},
        "trigger_id": "1.2.3",
        "actions": [
            {
                "type": "button",
                "action_id": "q4",
                "block_id": "menu",
                "text": {"type": "plain_text", "text": button["title"]},
                "value": button["payload"],
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    reply = slack.post(body, content_type="application/x-www-form-urlencoded")
    assert reply.status_code == 200, reply.text
    assert texts(slack.api.wait_posts(dm.channel, 1)) == [answer]


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


def test_slack_escapes_are_undone_before_nlu_and_applied_on_the_way_out():
    assert EnvSlackInput._sanitize_user_message("Korea &amp; Kazakhstan &lt;3", []) == (
        "Korea & Kazakhstan <3"
    )
    assert escape_text("A & B <!channel>") == "A &amp; B &lt;!channel&gt;"


# --- configuration ------------------------------------------------------------------------


def test_the_channel_is_on_in_the_slack_bot(slack):
    assert requests.get(slack.processes.rasa.url + "/webhooks/slack/", timeout=10).ok
    assert "Slack channel off" not in slack.processes.rasa.log.read_text(errors="replace")


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
