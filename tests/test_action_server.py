"""The action server answers the Rasa server only (scripts/actions.py).

It listens on loopback, refuses calls without the shared token (so a forged
``action_forget_me`` erases nothing), refuses what a web page can send without
a CORS preflight and sends no CORS headers, caps bodies as sent and once
inflated (a deflate bomb costs it nothing while the bot keeps answering),
answers errors without the request, and purges the unanswered log on a
schedule. Against the session's bot, except where a test starts its own server.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import time
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa

from actions.unanswered import UnansweredLog, UnansweredQuestion, conversation_hash, table, utcnow
from scripts.actions import MAX_BODY_BYTES
from tests import helpers
from tools.support.processes import server_env, start_actions, start_rasa, wait_ready

JSON = {"Content-Type": "application/json"}
# What the action server may use while it refuses a deflate bomb (it idles at about 50 MB).
MAX_RSS_KB = 200 * 1024
BOMB_SECONDS = 2.0


def headers(bot, **extra: str) -> dict[str, str]:
    """The headers of a call from the Rasa server: JSON, and the token."""
    return {**JSON, **bot.processes.action_server_headers(), **extra}


def action_call(action: str, sender: str, intent: str = "greet", text: str = "hello") -> dict:
    """A call to run ``action`` as the Rasa server sends it, for an English conversation."""
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "intent_ranking": [{"name": intent, "confidence": 0.99}],
        "entities": [],
    }
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",  # Rasa's (rasa_sdk only warns when it differs)
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {"language": "en"},
            "latest_message": message,
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def greeting_call(size: int | None = None) -> bytes:
    """A call to greet, as JSON; padded with an unused key to exactly ``size`` bytes."""
    call = action_call("action_small_talk", f"rest:{uuid.uuid4().hex}")
    body = json.dumps(call).encode()
    if size is None:
        return body
    call["padding"] = ""
    call["padding"] = "x" * (size - len(json.dumps(call).encode()))
    body = json.dumps(call).encode()
    assert len(body) == size
    return body


def greeted(reply: requests.Response) -> bool:
    return reply.status_code == 200 and [r["text"] for r in reply.json()["responses"]] == [
        helpers.text("greet"),
        helpers.text("menu_prompt"),
    ]


def logged_rows(bot, conversation_id: str) -> int:
    """Rows of the unanswered log for ``conversation_id`` (stored as its hash)."""
    engine = sa.create_engine(f"sqlite:///{bot.db}")
    try:
        with engine.connect() as connection:
            query = sa.select(sa.func.count()).where(
                table.c.conversation == conversation_hash(conversation_id)
            )
            return connection.execute(query).scalar_one()
    finally:
        engine.dispose()


def listening_addresses(port: int) -> set[str]:
    """The local addresses of the sockets listening on TCP ``port`` (/proc/net/tcp*)."""
    found = set()
    for name, width in (("tcp", 4), ("tcp6", 16)):
        for line in Path(f"/proc/net/{name}").read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)  # 32-bit words in host (little-endian) order
            words = [raw[i : i + 4][::-1] for i in range(0, width, 4)]
            found.add(str(ipaddress.ip_address(b"".join(words))))
    return found


def peak_rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    (line,) = [line for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(line.split()[1])


def test_the_action_server_listens_on_loopback_only(bot):
    assert bot.processes.env["ACTIONS_HOST"] == "127.0.0.1"  # the default (bot/settings.py)
    port = urlsplit(bot.actions.url).port
    assert listening_addresses(port) == {"127.0.0.1"}


# How a forged call may try to pass: (headers, query parameters) given the real token.
REFUSED = {
    "no token": lambda token: ({}, {}),
    "a wrong token": lambda token: ({"Authorization": f"Bearer wrong-{token}"}, {}),
    "the token without Bearer": lambda token: ({"Authorization": token}, {}),
    "the token in the query string": lambda token: ({}, {"token": token}),
}


@pytest.mark.parametrize("how", list(REFUSED))
def test_a_call_without_the_token_is_refused_and_erases_nothing(bot, how):
    sender = f"forged-{uuid.uuid4().hex}"
    assert bot.texts("What is the capital of Kazakhstan?", sender) == helpers.fallback_texts()
    conversation = f"rest:{sender}"
    assert logged_rows(bot, conversation) == 1

    extra_headers, params = REFUSED[how](bot.processes.env["ACTION_SERVER_TOKEN"])
    forged = action_call("action_forget_me", conversation, "forget_me", "forget me")
    webhook = requests.post(
        bot.actions.url + "/webhook",
        json=forged,
        headers=extra_headers,
        params=params,
        timeout=30,
    )
    listing = requests.get(
        bot.actions.url + "/actions", headers=extra_headers, params=params, timeout=30
    )
    assert (webhook.status_code, webhook.json()) == (401, {"error": "Unauthorized"}), how
    assert (listing.status_code, listing.json()) == (401, {"error": "Unauthorized"}), how
    assert logged_rows(bot, conversation) == 1

    # The same call with the token erases them: only the token stood in the way.
    real = requests.post(
        bot.actions.url + "/webhook", json=forged, headers=headers(bot), timeout=30
    )
    assert [r["text"] for r in real.json()["responses"]] == [helpers.text("forgotten")]
    assert logged_rows(bot, conversation) == 0
    listing = requests.get(bot.actions.url + "/actions", headers=headers(bot), timeout=30)
    assert {"name": "action_forget_me"} in listing.json()
    # The readiness check stays open, and says nothing else.
    health = requests.get(bot.actions.url + "/health", headers=extra_headers, timeout=30)
    assert health.json() == {"status": "ok"}


def test_what_a_web_page_can_send_is_refused_and_no_cors_header_is_sent(bot):
    page = {"Origin": "http://evil.example"}
    body = greeting_call()
    # A form or fetch() without preflight: text/plain (and it has no token).
    plain = requests.post(
        bot.actions.url + "/webhook",
        data=body,
        headers={**page, "Content-Type": "text/plain"},
        timeout=30,
    )
    assert plain.status_code == 401
    # Refused for its type even with the token.
    typed = requests.post(
        bot.actions.url + "/webhook",
        data=body,
        headers=headers(bot, **page, **{"Content-Type": "text/plain"}),
        timeout=30,
    )
    assert (typed.status_code, typed.json()) == (415, {"error": "Unsupported Media Type"})
    preflight = requests.options(
        bot.actions.url + "/webhook",
        headers={**page, "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    answered = requests.post(
        bot.actions.url + "/webhook", data=body, headers=headers(bot, **page), timeout=30
    )
    assert greeted(answered)
    for reply in (plain, typed, preflight, answered):
        assert not [h for h in reply.headers if h.lower().startswith("access-control-")]


def test_a_body_over_the_cap_gets_413_and_one_at_the_cap_runs(bot):
    webhook = bot.actions.url + "/webhook"
    over = requests.post(
        webhook, data=greeting_call(MAX_BODY_BYTES + 1), headers=headers(bot), timeout=30
    )
    assert (over.status_code, over.json()) == (413, {"error": "Request Entity Too Large"})
    at_cap = requests.post(
        webhook, data=greeting_call(MAX_BODY_BYTES), headers=headers(bot), timeout=30
    )
    assert greeted(at_cap)


def test_deflate_bodies_are_inflated_up_to_the_cap(bot):
    webhook = bot.actions.url + "/webhook"
    deflate = headers(bot, **{"Content-Encoding": "deflate"})

    def post(body: bytes, extra: dict[str, str] = deflate) -> requests.Response:
        return requests.post(webhook, data=body, headers=extra, timeout=30)

    assert greeted(post(zlib.compress(greeting_call())))
    assert greeted(post(zlib.compress(greeting_call(MAX_BODY_BYTES))))
    assert post(zlib.compress(greeting_call(MAX_BODY_BYTES + 1))).status_code == 413
    assert post(b"not deflate").status_code == 400
    gzip = headers(bot, **{"Content-Encoding": "gzip"})
    assert post(zlib.compress(greeting_call()), gzip).status_code == 415


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    """Zeros deflated, built chunk by chunk: 1 GiB (about 1.04 MB, under the cap, so
    only the inflation cap stops it) and 1.5 GiB (about 1.5 MB, over the cap)."""
    chunk, deflater, parts, built = bytes(1 << 20), zlib.compressobj(9), [], {}
    for mebibytes in range(1, 1537):
        parts.append(deflater.compress(chunk))
        if mebibytes == 1024:
            built["1 GiB"] = b"".join([*parts, deflater.copy().flush()])
    built["1.5 GiB"] = b"".join([*parts, deflater.flush()])
    assert len(built["1 GiB"]) <= MAX_BODY_BYTES < len(built["1.5 GiB"])
    return built


@pytest.mark.parametrize("size", ["1 GiB", "1.5 GiB"])
def test_a_deflate_bomb_gets_413_at_once_while_the_bot_answers(bot, seed, bombs, size):
    question, answer = seed[3]
    deflate = headers(bot, **{"Content-Encoding": "deflate"})

    def bomb() -> tuple[int, float]:
        start = time.monotonic()
        reply = requests.post(
            bot.actions.url + "/webhook", data=bombs[size], headers=deflate, timeout=60
        )
        return reply.status_code, time.monotonic() - start

    with ThreadPoolExecutor(2) as pool:
        bombed = pool.submit(bomb)
        asked = pool.submit(bot.texts, question)
        status, seconds = bombed.result()
        assert asked.result() == [answer]
    assert status == 413
    assert seconds < BOMB_SECONDS
    assert peak_rss_kb(bot.actions.process.pid) < MAX_RSS_KB


def test_a_failing_action_gets_a_generic_500_without_the_request(bot):
    marker = f"private-{uuid.uuid4().hex}"
    call = action_call("action_small_talk", f"rest:{marker}")
    call["tracker"]["latest_message"] = marker  # not a parsed message: the action fails
    reply = requests.post(bot.actions.url + "/webhook", json=call, headers=headers(bot), timeout=30)
    assert (reply.status_code, reply.json()) == (500, {"error": "Internal Server Error"})
    assert marker not in bot.actions.log.read_text(errors="replace")
    assert bot.processes.env["ACTION_SERVER_TOKEN"] not in bot.actions.log.read_text()


def test_a_rasa_server_with_a_wrong_token_says_temporarily_unavailable(bot, seed, tmp_path):
    """Rasa sends endpoints.yml's header: with another token, every call is refused,
    and patches/unavailable.py turns the refusal into its usual reply."""
    question, answer = seed[0]
    env = {
        **bot.processes.env,
        "ACTION_SERVER_TOKEN": secrets.token_urlsafe(32),
        "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'wrong-token.db'}",
        "SANIC_WORKERS": "1",
    }
    rasa = start_rasa(tmp_path, env, name="rasa server with a wrong token")
    try:
        wait_ready(rasa)
        reply = requests.post(
            rasa.url + "/webhooks/rest/webhook",
            json={"sender": uuid.uuid4().hex, "message": question},
            timeout=60,
        )
        assert [m["text"] for m in reply.json()] == [helpers.text("temporarily_unavailable")]
    finally:
        rasa.stop()
    assert bot.texts(question) == [answer]  # the session's Rasa sends the right one


def test_the_unanswered_log_is_purged_at_start_without_any_traffic(tmp_path):
    url = f"sqlite:///{tmp_path / 'log.db'}"
    log = UnansweredLog(url, retention_days=90)

    def entry(text: str) -> UnansweredQuestion:
        return UnansweredQuestion(
            "fallback", text, "rest", (("out_of_scope", 0.9),), sender_id="rest:x"
        )

    # Fresh first: a write purges rows older than the retention before its own time.
    log.record(entry("a fresh question"))
    log.record(entry("a 91-day-old question"), now=utcnow() - timedelta(days=91))
    assert [e.text for e in log.entries()] == ["a fresh question", "a 91-day-old question"]

    env = server_env(
        TRACKER_STORE_URL=url, UNANSWERED_DB_URL="", ACTION_SERVER_TOKEN=secrets.token_urlsafe(32)
    )
    actions = start_actions(tmp_path, env)
    try:
        wait_ready(actions)
        deadline = time.monotonic() + 10
        while len(log.entries()) > 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [e.text for e in log.entries()] == ["a fresh question"]
    finally:
        actions.stop()
