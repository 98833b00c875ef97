"""Which Slack events were already handled, shared by every Rasa instance.

Slack redelivers an event when its first delivery was not acknowledged within
three seconds, up to three times over about five minutes, and a load balancer
may send each delivery to another Rasa instance. An instance that remembers the
events it handled only in its own memory answers a redelivery that reaches
another instance a second time.

So the event ids live where the conversation locks live: in the SQLite lock
file when the lock store is ``stores.lock_store.SQLiteLockStore`` (the default:
the Rasa server's processes on one machine), in Redis when the
lock store is a Redis one (``LOCK_STORE_TYPE`` is ``redis`` or names a
subclass of Rasa's ``RedisLockStore``, such as
``stores.lock_store.AtomicRedisLockStore``), with the same ``REDIS_HOST``,
``REDIS_PORT``, ``REDIS_DB`` and ``REDIS_PASSWORD``; in the process's memory
otherwise (one instance, which needs no shared store).

In Redis, "first delivery?" is one atomic ``SET slack:event:<id> 1 NX EX 3600``:
of two instances that receive the same event at the same moment, exactly one
sets the key. The key expires after the hour in which Slack may redeliver.
If Redis cannot be reached, the event counts as new and is answered (a lost
answer is worse than a rare double one), with a log line.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

import redis
import redis.asyncio
from rasa.core.lock_store import RedisLockStore
from rasa.shared.exceptions import RasaException
from rasa.shared.utils.common import class_from_module_path

from bot import settings
from stores.lock_store import ProcessSQLite, SQLiteLockStore, lock_file

logger = logging.getLogger(__name__)

# Slack retries a failed delivery three times, the last about 5 minutes later.
DEFAULT_TTL_S = 3600
MAX_IN_MEMORY = 10_000
KEY_PREFIX = "slack:event:"
# An unreachable Redis must not hold up the 3-second acknowledgement Slack expects.
REDIS_TIMEOUT_S = 1.0


class HandledEvents(Protocol):
    async def first_delivery(self, event_id: str) -> bool:
        """Remember ``event_id``; ``False`` if it was already handled within the TTL."""
        ...


class InMemoryHandledEvents:
    """Event ids of this process, the oldest forgotten after the TTL or beyond
    ``MAX_IN_MEMORY`` ids."""

    def __init__(self, ttl_s: float = DEFAULT_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._seen: OrderedDict[str, float] = OrderedDict()

    async def first_delivery(self, event_id: str) -> bool:
        now = time.monotonic()
        seen = self._seen
        while seen and (now - next(iter(seen.values())) > self.ttl_s or len(seen) >= MAX_IN_MEMORY):
            seen.popitem(last=False)
        if event_id in seen:
            return False
        seen[event_id] = now
        return True


class RedisHandledEvents:
    """Event ids in Redis, one key each, set atomically and expiring after the TTL."""

    def __init__(
        self,
        host: str = "localhost",
        port: int = 6379,
        db: int = 1,
        password: str | None = None,
        ttl_s: int = DEFAULT_TTL_S,
    ) -> None:
        self.ttl_s = ttl_s
        self.where = f"{host}:{port} db {db}"
        # Connections are opened on first use, in the server's event loop.
        self.red = redis.asyncio.Redis(
            host=host,
            port=port,
            db=db,
            password=password or None,  # empty in the environment: no password
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S,
        )

    async def first_delivery(self, event_id: str) -> bool:
        try:
            created = await self.red.set(KEY_PREFIX + event_id, "1", nx=True, ex=self.ttl_s)
        except (redis.RedisError, OSError, asyncio.TimeoutError) as error:
            logger.warning(
                "Redis at %s unreachable (%s): Slack event %s is answered without "
                "checking whether another instance already did.",
                self.where,
                error,
                event_id,
            )
            return True
        return bool(created)


class SQLiteHandledEvents:
    """Event ids in the SQLite lock file (stores/lock_store.py), shared by the
    processes of one machine; "first delivery?" is one ``INSERT OR IGNORE``."""

    SCHEMA = "CREATE TABLE IF NOT EXISTS slack_events (event_id TEXT PRIMARY KEY, at REAL NOT NULL)"

    def __init__(self, path: Path, ttl_s: float = DEFAULT_TTL_S) -> None:
        self.ttl_s = ttl_s
        self.path = path
        self.db = ProcessSQLite(path, self.SCHEMA)

    async def first_delivery(self, event_id: str) -> bool:
        now = time.time()
        try:
            self.db.execute("DELETE FROM slack_events WHERE at < ?", (now - self.ttl_s,))
            inserted = self.db.execute(
                "INSERT OR IGNORE INTO slack_events VALUES (?, ?)", (event_id, now)
            ).rowcount
        except sqlite3.Error as error:
            logger.warning("Slack event %s answered unchecked (%s).", event_id, error)
            return True
        return inserted == 1


def lock_store_class(lock_store_type: str) -> type | None:
    """The class endpoints.yml's lock store ``type`` names (None: Rasa's own)."""
    if "." not in lock_store_type:  # "in_memory", "redis", empty: Rasa's own names
        return None
    try:
        return class_from_module_path(lock_store_type)
    except (ImportError, AttributeError, RasaException):
        return None  # Rasa itself refuses to start with it


def is_redis_lock_store(lock_store_type: str) -> bool:
    """Whether endpoints.yml's lock store ``type`` is a Redis lock store."""
    if lock_store_type == "redis":
        return True
    store = lock_store_class(lock_store_type)
    return store is not None and issubclass(store, RedisLockStore)


def from_environment() -> HandledEvents:
    """The store ``LOCK_STORE_TYPE`` and ``REDIS_*`` call for (see the module doc)."""
    lock_store_type = settings.get("LOCK_STORE_TYPE").strip()
    store = lock_store_class(lock_store_type)
    if store is not None and issubclass(store, SQLiteLockStore):
        events = SQLiteHandledEvents(lock_file())
        logger.info(
            "Slack event ids are kept in %s (shared by this machine's processes).", events.path
        )
        return events
    if not is_redis_lock_store(lock_store_type):
        logger.info("Slack event ids are kept in memory (one instance only).")
        return InMemoryHandledEvents()
    events = RedisHandledEvents(
        host=settings.get("REDIS_HOST"),
        port=settings.get_int("REDIS_PORT"),
        db=settings.get_int("REDIS_DB"),
        password=settings.get("REDIS_PASSWORD") or None,
    )
    logger.info("Slack event ids are kept in Redis at %s (shared by all instances).", events.where)
    return events
