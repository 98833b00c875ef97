"""What "forget me" is called, and how deleted rows leave the files, for both servers.

The action server runs ``action_forget_me`` (actions/forget.py): it deletes the
user's rows in the unanswered log and confirms. The Rasa server's tracker
store (stores/tracker_store.py) sees that action in the turn it saves and
deletes the conversation instead of saving it.

A deleted row's bytes stay in SQLite's free pages and its write-ahead log until
they are overwritten: after "forget me", the message texts were still in
``var/tracker.db-wal``, even after `make run` stopped. So every SQLite
connection of the tracker store, the unanswered log and the lock file turns
``secure_delete`` on (deleted content is zeroed), and ``scrub`` runs after each
erasure and each retention purge. tests/test_privacy.py reads the files.
"""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa

logger = logging.getLogger(__name__)

INTENT = "forget_me"
ACTION = "action_forget_me"

SECURE_DELETE = "PRAGMA secure_delete=ON"


def scrub(engine: sa.engine.Engine, table: str) -> None:
    """Make deleted rows of ``table`` unreadable from the database's files: SQLite's
    log is checkpointed into the file and truncated; PostgreSQL's table is
    vacuumed, which frees the rows' space for reuse (PostgreSQL keeps copies in
    its WAL segments until it recycles them, and in backups: docs/production.md).
    Never raises: the deletion is committed either way."""
    try:
        if engine.dialect.name == "sqlite":
            checkpoint(engine)
        elif engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text(f'VACUUM "{table}"'))
    except Exception:
        logger.exception("Could not scrub deleted rows from %s", table)


def checkpoint(engine: sa.engine.Engine, attempts: int = 20) -> None:
    """``wal_checkpoint(TRUNCATE)``, again while another connection reads an older
    snapshot (SQLite then reports it busy and leaves the log as it is)."""
    for _ in range(attempts):
        with engine.connect() as connection:
            busy, _, _ = connection.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)")).one()
        if not busy:
            return
        time.sleep(0.05)
    logger.warning("The SQLite log could not be truncated: a reader kept it busy")
