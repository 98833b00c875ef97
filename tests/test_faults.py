"""Faults: the action server down or hung, and a Rasa server restart.

This module starts its own bot (the session's is shared by other tests), stops
and restarts its action server on the same port, and restarts its Rasa server
on the same tracker database.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from tests import helpers
from tests.conftest import Bot
from tools.support.processes import start_bot

# Short, so that the hung-server case takes seconds (the default is 10 s).
ACTION_TIMEOUT_S = 3


@pytest.fixture(scope="module")
def own_bot(tmp_path_factory: pytest.TempPathFactory) -> Bot:
    workdir = tmp_path_factory.mktemp("faults")
    token = secrets.token_hex(16)
    processes = start_bot(workdir, token, {"ACTION_SERVER_TIMEOUT": str(ACTION_TIMEOUT_S)})
    yield Bot(processes, token, str(workdir / "tracker.db"))
    processes.stop()


def user_texts(bot: Bot, sender: str) -> list[str]:
    return [e["text"] for e in bot.tracker(sender)["events"] if e["event"] == "user"]


class BlackHole:
    """A port that accepts connections and never answers: a hung action server."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)

    def __enter__(self) -> BlackHole:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def test_action_server_down_or_hung_gets_unavailable_then_answers_again(own_bot, domain, seed):
    bot = own_bot
    unavailable = helpers.text("temporarily_unavailable")
    sender = f"faults-{uuid.uuid4().hex}"
    russian = f"faults-ru-{uuid.uuid4().hex}"
    ru_question = "Почему в Казахстане так много корейцев?"
    ru_answer = helpers.answers_by_intent("ru")["faq_why_koreans_in_kazakhstan"]
    sent = []

    def say(text: str) -> list[str]:
        sent.append(text)
        return bot.texts(text, sender)  # asserts the HTTP status is 200

    assert say(seed[0][0]) == [seed[0][1]]
    assert bot.texts(ru_question, russian) == [ru_answer]

    bot.actions.stop()
    assert say(seed[1][0]) == [unavailable]
    assert say("/faq_kazakhs_in_korea") == [unavailable]
    assert say("hello") == [unavailable]  # chit-chat comes from the actions too
    assert say("What is the capital of Kazakhstan?") == [unavailable]  # the fallback too
    # In the conversation's language, which the Rasa server knows from its slot.
    assert bot.texts(ru_question, russian) == [helpers.text("temporarily_unavailable", "ru")]

    with BlackHole(urlsplit(bot.actions.url).port):
        assert say(seed[2][0]) == [unavailable]

    bot.actions.restart()
    assert say(seed[3][0]) == [seed[3][1]]
    assert say("/faq_kazakhs_in_korea") == [helpers.answers_by_intent()["faq_kazakhs_in_korea"]]

    assert user_texts(bot, sender) == sent


def test_a_restarted_rasa_server_keeps_the_conversations(own_bot, seed):
    bot = own_bot
    sender = f"restart-{uuid.uuid4().hex}"
    (q1, a1), (q2, a2), (q3, a3) = seed[6], seed[7], seed[8]
    assert bot.texts(q1, sender) == [a1]
    assert bot.texts(q2, sender) == [a2]

    bot.rasa.restart()

    assert user_texts(bot, sender) == [q1, q2]
    assert bot.texts(q3, sender) == [a3]
    assert user_texts(bot, sender) == [q1, q2, q3]


def test_killing_the_action_server_under_load_loses_no_message(own_bot, domain, seed):
    """8 conversations keep talking while the action server is killed (SIGKILL) and
    restarted: every message gets a 200 with its answer or the unavailable reply,
    never silence, and every message is in its conversation, in order."""
    bot = own_bot
    unavailable = helpers.text("temporarily_unavailable")
    senders = [f"kill-{uuid.uuid4().hex}-{n}" for n in range(8)]
    sent: dict[str, list[str]] = {s: [] for s in senders}
    replies: list[tuple[str, list[str]]] = []
    stop = threading.Event()

    def conversation(sender: str) -> None:
        for n in range(60):  # bounded, whatever happens
            if stop.is_set():
                return
            question, answer = seed[n % len(seed)]
            sent[sender].append(question)
            replies.append((answer, bot.texts(question, sender)))  # asserts HTTP 200

    with ThreadPoolExecutor(max_workers=len(senders)) as pool:
        running = [pool.submit(conversation, s) for s in senders]
        time.sleep(1.0)
        bot.actions.process.kill()
        bot.actions.process.wait()
        time.sleep(1.5)
        bot.actions.restart()  # same command, same port
        time.sleep(1.0)
        stop.set()
        for future in running:
            future.result()

    assert all(texts in ([answer], [unavailable]) for answer, texts in replies)
    assert any(texts == [unavailable] for _, texts in replies)  # the outage was seen
    assert any(texts != [unavailable] for _, texts in replies)
    for sender in senders:  # answers resume, and nothing was lost or reordered
        question, answer = seed[4]
        assert bot.texts(question, sender) == [answer]
        assert user_texts(bot, sender) == [*sent[sender], question]
