"""`make run`'s default layout uses both cores: the Rasa server runs
``SANIC_WORKERS`` (2) processes, which share the SQLite lock store
(stores/lock_store.py) and the tracker store. Tested on the bot as the other
tests run it (the defaults of bot/settings.py)."""

from __future__ import annotations

import uuid
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import requests

from bot import settings
from stores.lock_store import SQLiteLockStore
from tests.test_scale_out import answered, turns


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks


def workers(bot) -> list[int]:
    pid = bot.rasa.process.pid
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def ask(bot, sender: str, question: str, timeout: float = 60) -> list[str]:
    """The reply texts, over a new connection (the kernel hands each to one process)."""
    with requests.Session() as session:
        body = {"sender": sender, "message": question}
        reply = session.post(bot.webhook, json=body, timeout=timeout)
    return [m["text"] for m in reply.json()]


def test_the_rasa_server_answers_from_two_processes(bot, seed):
    assert settings.DEFAULTS["SANIC_WORKERS"] == "2"
    processes = workers(bot)
    assert len(processes) == 2
    before = [cpu_seconds(pid) for pid in processes]
    answers = dict(seed)
    questions = [question for question, _ in seed] * 6

    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda q: ask(bot, uuid.uuid4().hex, q), questions))
    assert replies == [[answers[q]] for q in questions]
    used = [cpu_seconds(pid) - b for pid, b in zip(processes, before, strict=True)]
    # Both answered: an idle process uses next to no CPU; one message costs ~5 ms.
    assert all(seconds > 0.1 for seconds in used), used


def test_concurrent_messages_for_one_sender_are_serialised_across_processes(bot, seed):
    sender = uuid.uuid4().hex
    questions = [question for question, _ in seed] * 2  # 18 messages at once

    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        replies = list(pool.map(lambda q: ask(bot, sender, q, timeout=120), questions))
    answers = dict(seed)
    assert replies == [[answers[q]] for q in questions]
    conversation = turns(bot.tracker(sender)["events"])
    assert sorted(text for text, _ in conversation) == sorted(questions)
    # Serialised: each message's answer directly follows it, never another's.
    assert all(after == answered(text) for text, after in conversation)


def issue_tickets(path: str, conversation: str, count: int) -> list[int]:
    store = SQLiteLockStore(path=Path(path))
    return [store.issue_ticket(conversation) for _ in range(count)]


def test_tickets_issued_at_once_by_two_processes_are_unique(tmp_path):
    path, conversation = str(tmp_path / "tracker.db.locks"), uuid.uuid4().hex
    with ProcessPoolExecutor(max_workers=2, mp_context=get_context("fork")) as pool:
        batches = list(pool.map(issue_tickets, [path] * 4, [conversation] * 4, [50] * 4))
    tickets = [ticket for batch in batches for ticket in batch]
    assert sorted(tickets) == list(range(200))  # no ticket issued twice, none lost
    store = SQLiteLockStore(path=Path(path))
    for ticket in tickets:
        store.cleanup(conversation, ticket)
    assert store.get_lock(conversation) is None  # the last one out deletes the lock
