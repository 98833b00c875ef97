"""Lock stores that are safe with several Rasa processes: SQLite on one machine
(the default), Redis across machines.

Rasa 3.6's ``RedisLockStore`` changes a conversation's ticket lock with a plain
read-modify-write (GET, change, SET). Two instances that receive messages for
the same sender at the same moment both read the same lock, both issue the
same ticket number, and the last write wins. Tested here with two instances
and 18 concurrent messages for one sender: three messages failed with
"LockError: Could not acquire lock" and got no reply (RasaHQ/rasa#9213; the
fix, ConcurrentRedisLockStore, went to the commercial Rasa Pro only).

``AtomicRedisLockStore`` keeps Rasa's ticket-lock algorithm and data format but
makes every change of a lock one optimistic Redis transaction (WATCH, MULTI,
EXEC, retried when another instance changed the lock in between), including
"remove my ticket and delete the lock if nobody else is waiting".

``SQLiteLockStore`` does the same in a SQLite file, each change one
``BEGIN IMMEDIATE`` transaction: the default of `make run`, whose Rasa server
runs ``SANIC_WORKERS`` (2) processes on one machine and needs nothing
installed. The file lies next to the SQLite tracker store
(``var/tracker.db`` -> ``var/tracker.db.locks``), or at ``var/locks.db`` when
the tracker store is not SQLite. Each change is one small write: 1,000 tickets
issued and released took 0.2 s here (0.1 ms a change). A file cannot be
shared between machines: several hosts use Redis.

endpoints.yml selects one with LOCK_STORE_TYPE (bot/settings.py):
stores.lock_store.SQLiteLockStore (default) or stores.lock_store.AtomicRedisLockStore.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import make_url

from bot import erasure, settings
from bot.paths import ROOT

logger = logging.getLogger(__name__)

T = TypeVar("T")
# A change of a lock: the stored lock (or None) -> (the new lock or None to delete, result).
Change = Callable[[TicketLock | None], tuple[TicketLock | None, T]]
MAX_ATTEMPTS = 100


class AtomicTicketLocks:
    """Rasa's ticket-lock changes, each one atomic ``_transact`` of the store."""

    def _transact(self, conversation_id: str, change: Change[T]) -> T:
        """Apply ``change`` to the stored lock atomically; it returns the new lock
        (None deletes it) and a result."""
        raise NotImplementedError

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = 60) -> int:
        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        return self._transact(conversation_id, issue)

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._transact(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def remove(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._transact(conversation_id, remove)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the ticket; delete the lock in the same step if nobody waits."""

        def release(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._transact(conversation_id, release)


class AtomicRedisLockStore(AtomicTicketLocks, RedisLockStore):
    """``RedisLockStore`` whose lock changes are atomic across instances."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs}
        # An empty password from the environment means "no password".
        if not kwargs.get("password"):
            kwargs.pop("password", None)
        super().__init__(**kwargs)

    def _transact(self, conversation_id: str, change: Change[T]) -> T:
        key = self.key_prefix + conversation_id
        try:
            with self.red.pipeline() as pipe:
                for _ in range(MAX_ATTEMPTS):
                    try:
                        pipe.watch(key)
                        raw = pipe.get(key)
                        lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                        new_lock, result = change(lock)
                        pipe.multi()
                        if new_lock is None:
                            pipe.delete(key)
                        else:
                            pipe.set(key, new_lock.dumps())
                        pipe.execute()
                        return result
                    except redis.WatchError:
                        continue  # another instance changed the lock first: retry
        except redis.RedisError as error:
            raise LockError(f"Error while changing the lock. Error:\n{error}") from error
        raise LockError(f"Lock for conversation '{conversation_id}' kept changing.")


class ProcessSQLite:
    """A SQLite file, through a connection of the current process: autocommit
    mode and WAL, ``schema`` created. Opened on first use and again after a fork
    (Sanic forks its workers; a SQLite connection must not cross a fork)."""

    def __init__(self, path: Path, schema: str) -> None:
        self.path, self.schema = path, schema
        self._pid: int | None = None
        self._db: sqlite3.Connection | None = None

    def execute(self, sql: str, parameters: tuple = ()) -> sqlite3.Cursor:
        return self._connection().execute(sql, parameters)

    @property
    def in_transaction(self) -> bool:
        return self._connection().in_transaction

    def scrub(self) -> None:
        """Truncate the write-ahead log, where deleted rows' conversation ids
        linger (``secure_delete`` zeroes them in the file itself); its cost is in
        docs/performance.md. A reader may keep it busy; the next deletion
        truncates it then."""
        try:
            self.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error:
            logger.warning("Could not truncate the log of %s", self.path.name)

    def _connection(self) -> sqlite3.Connection:
        if self._pid != os.getpid():
            self._db = self._open()
            self._pid = os.getpid()
        return self._db

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        # Switching a new file to WAL needs an exclusive lock, and SQLite answers
        # "database is locked" at once, without waiting, when two processes open
        # the file at the same moment (seen with two processes issuing tickets
        # from the start). One process at a time sets the file up.
        with open(self.path.with_name(self.path.name + ".setup"), "a") as setup:
            fcntl.flock(setup, fcntl.LOCK_EX)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")  # nothing here outlives the processes
            db.execute(erasure.SECURE_DELETE)  # a deleted lock leaves no conversation id
            db.execute(self.schema)
        return db


def lock_file() -> Path:
    """Where ``SQLiteLockStore`` keeps the locks (see the module doc)."""
    url = make_url(settings.get("TRACKER_STORE_URL"))
    if url.get_backend_name() == "sqlite" and url.database:
        tracker_db = Path(url.database)
        return (tracker_db if tracker_db.is_absolute() else ROOT / tracker_db).with_name(
            tracker_db.name + ".locks"
        )
    return ROOT / "var" / "locks.db"


class SQLiteLockStore(AtomicTicketLocks, LockStore):
    """Ticket locks in a SQLite file, shared by the Rasa processes of one machine."""

    SCHEMA = (
        "CREATE TABLE IF NOT EXISTS locks (conversation_id TEXT PRIMARY KEY, lock TEXT NOT NULL)"
    )

    def __init__(
        self, endpoint_config: EndpointConfig | None = None, path: Path | None = None
    ) -> None:
        super().__init__()
        self.path = path or lock_file()
        # Autocommit mode: every change opens its own BEGIN IMMEDIATE transaction.
        self.db = ProcessSQLite(self.path, self.SCHEMA)

    def _transact(self, conversation_id: str, change: Change[T]) -> T:
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                new_lock, result = change(self.get_lock(conversation_id))
                if new_lock is None:
                    self.db.execute(
                        "DELETE FROM locks WHERE conversation_id = ?", (conversation_id,)
                    )
                else:
                    self.db.execute(
                        "INSERT OR REPLACE INTO locks VALUES (?, ?)",
                        (conversation_id, new_lock.dumps()),
                    )
                self.db.execute("COMMIT")
            except BaseException:
                # SQLite has often rolled back already (a full disk does that):
                # a second ROLLBACK would fail and hide the real error.
                if self.db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self.db.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            raise LockError(f"Error while changing the lock. Error:\n{error}") from error
        if new_lock is None:
            self.db.scrub()
        return result

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        row = self.db.execute(
            "SELECT lock FROM locks WHERE conversation_id = ?", (conversation_id,)
        ).fetchone()
        return TicketLock.from_dict(json.loads(row[0])) if row else None

    def delete_lock(self, conversation_id: str) -> None:
        self._transact(conversation_id, lambda _lock: (None, None))

    def save_lock(self, lock: TicketLock) -> None:
        self._transact(lock.conversation_id, lambda _lock: (lock, None))
