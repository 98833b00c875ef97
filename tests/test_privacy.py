"""What is stored and for how long: conversation retention and "forget me",
on SQLite and on PostgreSQL (stores/tracker_store.py, actions/forget.py).

The store-level tests drive ``TunedSQLTrackerStore`` on a real database; the
end-to-end tests run the whole bot on each database and talk to it over REST.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.unanswered import conversation_hash
from stores import tracker_store
from stores.tracker_store import TunedSQLTrackerStore
from tests import helpers
from tests.conftest import Bot
from tools.support.databases import start_postgres
from tools.support.processes import start_bot

DAY = 86400
OLD = 40  # days: past the default retention of 30
WAIT_S = 60


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory) -> Iterator[str]:
    """A SQLAlchemy URL of an empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'tracker.db'}"
        return
    postgres = start_postgres()
    yield postgres.url
    postgres.stop()


def store_for(url: str, monkeypatch: pytest.MonkeyPatch) -> TunedSQLTrackerStore:
    """The store without its background purge (the test calls it itself)."""
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "0")
    store = TunedSQLTrackerStore(domain=Domain.empty(), host=url)
    store.retention_days = 30
    return store


async def save_turns(store: TunedSQLTrackerStore, sender: str, *days_ago: float) -> None:
    """One question-and-answer turn per entry of ``days_ago``."""
    tracker = DialogueStateTracker(sender, slots=[])
    for ago in days_ago:
        stamp = time.time() - ago * DAY
        tracker.update(UserUttered("hello", timestamp=stamp))
        tracker.update(ActionExecuted("action_small_talk", timestamp=stamp))
        tracker.update(BotUttered("hi", timestamp=stamp))
    await store.save(tracker)


def query(url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql))]
    finally:
        engine.dispose()


def event_counts(url: str) -> dict[str, int]:
    return dict(query(url, "SELECT sender_id, COUNT(*) FROM events GROUP BY 1"))


async def test_conversations_past_the_retention_are_deleted_in_batches(database, monkeypatch):
    store = store_for(database, monkeypatch)
    monkeypatch.setattr(tracker_store, "RETENTION_BATCH", 2)  # several transactions
    prefix = uuid.uuid4().hex[:8]
    for n in range(5):
        await save_turns(store, f"{prefix}-old-{n}", OLD + n, OLD)
    await save_turns(store, f"{prefix}-came-back", OLD + 5, OLD, 1)  # its last event is recent
    await save_turns(store, f"{prefix}-new", 0)

    assert store.delete_expired() >= 5  # (and any other test's stale conversations)

    mine = {s: n for s, n in event_counts(database).items() if s.startswith(prefix)}
    assert mine == {f"{prefix}-came-back": 9, f"{prefix}-new": 3}
    assert await store.retrieve_full_tracker(f"{prefix}-old-0") is None


async def test_forget_me_deletes_every_session_of_that_conversation_only(database, monkeypatch):
    store = store_for(database, monkeypatch)
    prefix = uuid.uuid4().hex[:8]
    await save_turns(store, f"{prefix}-other", 0)
    tracker = DialogueStateTracker(f"{prefix}-me", slots=[])
    tracker.update(UserUttered("hello"))
    tracker.update(BotUttered("hi"))
    await store.save(tracker)
    assert event_counts(database)[f"{prefix}-me"] == 2

    tracker.update(UserUttered("forget me"))
    tracker.update(ActionExecuted("action_forget_me"))
    tracker.update(BotUttered("Done"))
    await store.save(tracker)

    counts = event_counts(database)
    assert f"{prefix}-me" not in counts
    assert counts[f"{prefix}-other"] == 3


# --- End to end: the bot on each database ----------------------------------------------


class RunningBot(Bot):
    """The session bot's client (tests/conftest.py), on the database at ``url``."""

    def __init__(self, processes, token: str, url: str) -> None:
        super().__init__(processes, token, db=url)
        self.url = url

    def unanswered_hashes(self) -> list[str]:
        return [row[0] for row in query(self.url, "SELECT conversation FROM unanswered_questions")]


@pytest.fixture(scope="module")
def running(database, tmp_path_factory) -> Iterator[RunningBot]:
    """The bot on ``database``, which holds 300 conversations past the retention
    before it starts (the purge runs at start, while the tests chat)."""
    import asyncio

    async def fill() -> None:
        store = TunedSQLTrackerStore(domain=Domain.empty(), host=database)
        for n in range(300):
            await save_turns(store, f"rest:stale-{n}", OLD + 1, OLD)
        store.engine.dispose()

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONVERSATION_RETENTION_DAYS", "0")
        asyncio.run(fill())
    token = secrets.token_hex(8)
    processes = start_bot(
        tmp_path_factory.mktemp("privacy"), token, extra_env={"TRACKER_STORE_URL": database}
    )
    yield RunningBot(processes, token, database)
    processes.stop()


def test_conversations_past_the_retention_go_while_the_bot_answers(running, seed):
    question, answer = seed[0]
    sender = uuid.uuid4().hex
    deadline = time.monotonic() + WAIT_S
    while True:
        assert running.texts(question, sender)[0] == answer  # answered during the purge
        stale = [s for s in event_counts(running.url) if s.startswith("rest:stale-")]
        if not stale:
            break
        assert time.monotonic() < deadline, f"{len(stale)} stale conversations left"
        time.sleep(0.5)
    assert f"rest:{sender}" in event_counts(running.url)  # a live conversation stays


@pytest.mark.parametrize("how", ["forget me", "delete my conversation", "button"])
def test_forget_me_erases_the_conversation_and_its_unanswered_questions(running, seed, how):
    me, other = uuid.uuid4().hex, uuid.uuid4().hex
    question, answer = seed[1]
    assert running.texts(question, me)[0] == answer
    assert running.texts("how do I bake sourdough bread?", me) == helpers.fallback_texts()
    assert running.texts("how do I bake sourdough bread?", other) == helpers.fallback_texts()
    assert conversation_hash(f"rest:{me}") in running.unanswered_hashes()

    if how == "button":
        menu = running.say("help", me)[-1]
        button = menu["buttons"][-1]
        assert button == {"title": helpers.text("forget_me_button"), "payload": "/forget_me"}
        how = button["payload"]
    assert running.texts(how, me) == [helpers.text("forgotten")]

    counts = event_counts(running.url)
    assert f"rest:{me}" not in counts
    assert f"rest:{other}" in counts
    hashes = running.unanswered_hashes()
    assert conversation_hash(f"rest:{me}") not in hashes
    assert conversation_hash(f"rest:{other}") in hashes
    # The next message starts a new conversation, answered as usual.
    assert running.texts(question, me)[0] == answer
    assert [s for s in event_counts(running.url) if s == f"rest:{me}"]


def test_forget_me_in_the_conversation_language(running):
    me = uuid.uuid4().hex
    intent, question = next(iter(helpers.questions_by_intent("ru").items()))
    answer = helpers.answers_by_intent("ru")[intent]
    assert running.texts(question, me)[0] == answer
    assert running.texts("/forget_me", me) == [helpers.text("forgotten", "ru")]


# --- Erased means gone from the files ---------------------------------------------


def database_bytes(url: str) -> bytes:
    """Every file of a SQLite database: the file, its log, and the lock file beside it."""
    path = Path(sa.engine.make_url(url).database)
    return b"".join(p.read_bytes() for p in path.parent.iterdir() if p.is_file())


def test_forget_me_leaves_no_trace_in_the_sqlite_files(running):
    if not running.url.startswith("sqlite"):
        pytest.skip("SQLite's files")
    me = f"erase-{uuid.uuid4().hex}"
    marker = f"zebra{secrets.token_hex(6)}"
    assert running.texts(f"where can I buy a {marker} in Almaty?", me) == helpers.fallback_texts()
    before = database_bytes(running.url)
    assert marker.encode() in before
    assert f"rest:{me}".encode() in before

    assert running.texts("forget me", me) == [helpers.text("forgotten")]

    after = database_bytes(running.url)
    assert marker.encode() not in after
    assert f"rest:{me}".encode() not in after


def test_forget_me_vacuums_the_postgresql_table(running):
    """The deleted rows' space is freed for reuse (PostgreSQL's WAL segments keep
    copies until they are recycled: docs/production.md)."""
    if not running.url.startswith("postgresql"):
        pytest.skip("PostgreSQL's tables")
    before = time.time()
    me = uuid.uuid4().hex
    assert running.texts("how do I knit a scarf?", me) == helpers.fallback_texts()
    assert running.texts("forget me", me) == [helpers.text("forgotten")]
    sql = "SELECT EXTRACT(EPOCH FROM last_vacuum) FROM pg_stat_user_tables WHERE relname = "
    assert float(query(running.url, sql + "'events'")[0][0]) >= before - 1
    assert float(query(running.url, sql + "'unanswered_questions'")[0][0]) >= before - 1


async def test_a_retention_purge_leaves_no_trace_in_the_database_files(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = store_for(url, monkeypatch)
    marker = f"walrus{secrets.token_hex(6)}"
    await save_turns(store, marker, OLD)
    assert marker.encode() in database_bytes(url)

    assert store.delete_expired() == 1

    assert marker.encode() not in database_bytes(url)
