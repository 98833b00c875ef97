"""Rasa's SQL tracker store, with SQLite set up for a server, retention and erasure.

**SQLite for a server.** With SQLite (the default store of `make run`), Rasa
commits every message in SQLite's default rollback-journal mode with a full
fsync, inside the event loop: profiling under load (`python -m
tools.profile_server`) showed the commits as the largest single cost once the
action-response validation was fixed (patches/action_validation.py).
``TunedSQLTrackerStore`` switches SQLite to write-ahead logging with
``synchronous=NORMAL``: a commit appends to the log without waiting for the
disk; readers do not block the writer (the action server writes the
unanswered-question log to the same file). A crash of the bot loses nothing; a
power cut may lose the last commits, which is why production uses PostgreSQL
(docs/production.md), which this class leaves as is.

**Fewer queries per message.** Rasa's store builds an ORM object per event
it loads, adds one ORM object per event it saves, and counts the session's
stored events with one more query on every save (15% and 14% of the Rasa
server's main thread under load, `python -m tools.profile_server
--conversations 32`). This store reads only the ``data`` column, inserts a
turn's events in one statement, and remembers how many events the tracker
held when it was loaded or last saved, so saving needs no count. That is safe
because the conversation is locked while a message is handled (the lock
store), on every instance.

**Retention.** A conversation whose last event is older than
``CONVERSATION_RETENTION_DAYS`` (default 30; 0 keeps everything) is deleted, on
SQLite and PostgreSQL alike. A daemon thread does it at start and then every
hour, ``RETENTION_BATCH`` conversations per transaction, so a
message waits at most for one short transaction, never for the whole purge.

**Erasure.** A turn in which ``action_forget_me`` ran (the user typed "forget
me" or clicked the help menu's button, bot/erasure.py) is not saved: the
conversation's events are deleted instead, in every session. Its reply waits
until the deletion is committed (patches/store_failures.py); the next message
starts a new conversation.

**Erased means gone from the files.** SQLite zeroes deleted content
(``secure_delete``), and each erasure and retention purge is followed by
``erasure.scrub`` (bot/erasure.py): the write-ahead log truncated on SQLite,
the table vacuumed on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import sqlite3
import threading
import time
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event
from sqlalchemy.orm import sessionmaker

from bot import erasure, settings

logger = logging.getLogger(__name__)

SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", erasure.SECURE_DELETE)
# The number of events a tracker held when this store loaded or saved it.
STORED = "_faq_stored_events"
# Retention: at start, then every interval; conversations per transaction.
RETENTION_INTERVAL_S = 3600.0
RETENTION_BATCH = 200


def tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()


def erases(tracker: DialogueStateTracker) -> bool:
    """Whether ``action_forget_me`` ran in the tracker's latest user turn."""
    for e in reversed(tracker.events):
        if isinstance(e, UserUttered):
            return False
        if isinstance(e, ActionExecuted) and e.action_name == erasure.ACTION:
            return True
    return False


def row(sender_id: str, e: Any) -> dict[str, Any]:
    """An event as a row of Rasa's ``events`` table (as ``SQLTrackerStore.save`` writes it)."""
    data = e.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": e.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


class TunedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore``; on SQLite, WAL and synchronous=NORMAL, and pooled
    connections (SQLAlchemy 1.4 opens and closes a SQLite file connection per
    query by default, and closing the last one checkpoints the log); retention
    and erasure on every database (see the module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(
                url,
                poolclass=sa.pool.QueuePool,
                pool_size=2,
                connect_args={"check_same_thread": False},
            )
            event.listen(self.engine, "connect", tune_sqlite)
            self.sessionmaker = sessionmaker(bind=self.engine)
        self.retention_days = settings.get_float("CONVERSATION_RETENTION_DAYS")
        if self.retention_days > 0:
            threading.Thread(target=self._retention_loop, name="retention", daemon=True).start()

    # --- Loading and saving ------------------------------------------------------

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            rows = query.with_entities(self.SQLEvent.data).all()
        if not self.domain or not rows:
            return None
        tracker = DialogueStateTracker.from_dict(
            sender_id, [json.loads(row.data) for row in rows], self.domain.slots
        )
        if not fetch_events_from_all_sessions:
            setattr(tracker, STORED, len(rows))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        if erases(tracker):
            # In a thread: the scrub after it must not hold up other conversations.
            deleted = await asyncio.to_thread(self.delete_conversation, tracker.sender_id)
            logger.info("Forgot a conversation on request (%d events deleted).", deleted)
            return
        await self.stream_events(tracker)
        with self.session_scope() as session:
            stored = getattr(tracker, STORED, None)
            if stored is None:  # not loaded by this store: count, as Rasa does
                new = list(self._additional_events(session, tracker))
            else:
                new = list(itertools.islice(tracker.events, stored, None))
            if new:
                session.execute(
                    self.SQLEvent.__table__.insert(), [row(tracker.sender_id, e) for e in new]
                )
            session.commit()
        setattr(tracker, STORED, len(tracker.events))

    # --- Erasure ---------------------------------------------------------------

    def delete_conversation(self, sender_id: str) -> int:
        """Delete every event of ``sender_id``, all sessions; returns how many."""
        events = self.SQLEvent.__table__
        with self.engine.begin() as connection:
            result = connection.execute(events.delete().where(events.c.sender_id == sender_id))
        erasure.scrub(self.engine, events.name)
        return result.rowcount

    # --- Retention -------------------------------------------------------------

    def delete_expired(self, now: float | None = None) -> int:
        """Delete the conversations whose last event is older than the retention
        period, ``RETENTION_BATCH`` per transaction; returns how many."""
        cutoff = (now or time.time()) - self.retention_days * 86400
        events = self.SQLEvent.__table__
        expired = (
            sa.select(events.c.sender_id)
            .group_by(events.c.sender_id)
            .having(sa.func.max(events.c.timestamp) < cutoff)
            .limit(RETENTION_BATCH)
        )
        deleted = 0
        while True:
            with self.engine.begin() as connection:
                senders = connection.execute(expired).scalars().all()
                if not senders:
                    return deleted
                # Only old events: a message that arrived since the select stays.
                connection.execute(
                    events.delete().where(
                        events.c.sender_id.in_(senders), events.c.timestamp < cutoff
                    )
                )
            deleted += len(senders)
            erasure.scrub(self.engine, events.name)

    def _retention_loop(self) -> None:
        while True:
            try:
                deleted = self.delete_expired()
                if deleted:
                    logger.info(
                        "Deleted %d conversations older than %g days.", deleted, self.retention_days
                    )
            except Exception:  # a failed purge must never stop the server
                logger.exception("Could not delete old conversations")
            time.sleep(RETENTION_INTERVAL_S)
