"""A Redis lock store that is safe with several Rasa instances.

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

endpoints.yml selects it with LOCK_STORE_TYPE=stores.lock_store.AtomicRedisLockStore.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

T = TypeVar("T")
# A change of a lock: the stored lock (or None) -> (the new lock or None to delete, result).
Change = Callable[[TicketLock | None], tuple[TicketLock | None, T]]
MAX_ATTEMPTS = 100


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose lock changes are atomic across instances."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs}
        # An empty password from the environment means "no password".
        if not kwargs.get("password"):
            kwargs.pop("password", None)
        super().__init__(**kwargs)

    def _transact(self, conversation_id: str, change: Change[T]) -> T:
        """Apply ``change`` to the stored lock atomically; it returns the new lock
        (None deletes it) and a result."""
        key = self.key_prefix + conversation_id
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
        raise LockError(f"Lock for conversation '{conversation_id}' kept changing.")

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = 60) -> int:
        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._transact(conversation_id, issue)
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

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
