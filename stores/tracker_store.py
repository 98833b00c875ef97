"""Rasa's SQL tracker store, with SQLite set up for a server.

With SQLite (the default store of `make run`), Rasa commits every message in
SQLite's default rollback-journal mode with a full fsync, inside the event
loop: profiling under load (`python -m tools.profile_server`) showed the
commits as the largest single cost once the action-response validation was
fixed (channels/action_validation.py). ``TunedSQLTrackerStore`` switches SQLite
to write-ahead logging with ``synchronous=NORMAL``: a commit appends to the
log without waiting for the disk; readers do not block the writer (the action
server writes the unanswered-question log to the same file). A crash of the
bot loses nothing; a power cut may lose the last commits, which is why
production uses PostgreSQL (docs/production.md), which this class leaves as is.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import event
from sqlalchemy.orm import sessionmaker

SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")


def tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()


class TunedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore``; on SQLite, WAL and synchronous=NORMAL, and pooled
    connections (SQLAlchemy 1.4 opens and closes a SQLite file connection per
    query by default, and closing the last one checkpoints the log)."""

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
