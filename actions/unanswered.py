"""The unanswered-question log: what the bot could not (or barely) answer.

Every fallback, "did you mean", "None of these" and low-confidence answer is
stored with its text, time, channel and top intents, and a SHA-256 hash of the
conversation id, so that "forget me" (actions/forget.py) can delete the
asker's rows; nothing else: no metadata. The hash is not anonymity (whoever
knows an id can hash it), only no id in plain text. Rows older than the
retention period are deleted on each write, and by the action server at start
and every hour (scripts/actions.py), so they go even when nothing is written.
`make review` (tools/review.py) reads the log for the content owner.

It lives in the tracker store's database by default (its own table), so a
deployment has one database to back up; UNANSWERED_DB_URL can move it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from actions.settings import SETTINGS
from bot import erasure

logger = logging.getLogger(__name__)

# Kinds of entry, in the order `make review` lists them.
FALLBACK = "fallback"
DID_YOU_MEAN = "did_you_mean"
# A question that names something its nearest question does not cover (the
# SubjectGuard held that question back): the honest "not exactly" reply.
NEAR_MISS = "near_miss"
NONE_OF_THESE = "none_of_these"
LOW_CONFIDENCE = "low_confidence"
FOLLOW_UP_NO_ANSWER = "follow_up_no_answer"
# A message in a language the bot does not speak (actions/language.py).
UNSUPPORTED_LANGUAGE = "unsupported_language"
KINDS = (
    FALLBACK,
    DID_YOU_MEAN,
    NEAR_MISS,
    NONE_OF_THESE,
    LOW_CONFIDENCE,
    FOLLOW_UP_NO_ANSWER,
    UNSUPPORTED_LANGUAGE,
)

MAX_TEXT_CHARS = 1000
TOP_INTENTS = 3

metadata = sa.MetaData()
table = sa.Table(
    "unanswered_questions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime, nullable=False, index=True),  # UTC
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("channel", sa.String(64)),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("top_intents", sa.Text, nullable=False),  # JSON [[intent, confidence], ...]
    # conversation_hash(sender id); empty in rows logged before "forget me" existed.
    sa.Column("conversation", sa.String(64), index=True),
)


def conversation_hash(sender_id: str) -> str:
    return hashlib.sha256(sender_id.encode("utf-8", "surrogatepass")).hexdigest()


def add_missing_columns(engine: Engine) -> None:
    """Add the ``conversation`` column to a log created before it existed."""
    present = {c["name"] for c in sa.inspect(engine).get_columns(table.name)}
    if "conversation" not in present:
        with engine.begin() as connection:
            connection.execute(
                sa.text(f"ALTER TABLE {table.name} ADD COLUMN conversation VARCHAR(64)")
            )


@dataclass(frozen=True)
class UnansweredQuestion:
    """One question in the log (a row of ``unanswered_questions``)."""

    kind: str
    text: str
    channel: str | None
    top_intents: tuple[tuple[str, float], ...]
    created_at: datetime | None = None  # set when stored
    sender_id: str | None = None  # stored as its hash only


def secure_delete(dbapi_connection: Any, _record: Any) -> None:
    """Deleted rows are zeroed in the file (bot/erasure.py)."""
    dbapi_connection.execute(erasure.SECURE_DELETE)


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class UnansweredLog:
    """The log table in one database (created on first use)."""

    def __init__(self, url: str, retention_days: float) -> None:
        self.url = url
        self.retention = timedelta(days=retention_days)
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                url = make_url(self.url)
                if url.get_backend_name() == "sqlite" and url.database:
                    Path(url.database).parent.mkdir(parents=True, exist_ok=True)
                self._engine = sa.create_engine(url, future=True)
                if url.get_backend_name() == "sqlite":
                    sa.event.listen(self._engine, "connect", secure_delete)
                metadata.create_all(self._engine)
                add_missing_columns(self._engine)
            return self._engine

    def record(self, entry: UnansweredQuestion, now: datetime | None = None) -> None:
        now = now or utcnow()
        top = [[name, round(conf, 4)] for name, conf in entry.top_intents[:TOP_INTENTS]]
        with self.engine.begin() as connection:
            connection.execute(
                table.insert().values(
                    created_at=now,
                    kind=entry.kind,
                    channel=(entry.channel or None) and entry.channel[:64],
                    text=entry.text[:MAX_TEXT_CHARS],
                    top_intents=json.dumps(top),
                    conversation=entry.sender_id and conversation_hash(entry.sender_id),
                )
            )
            expired = connection.execute(self._expired(now)).rowcount
        if expired:
            erasure.scrub(self.engine, table.name)

    def delete_expired(self, now: datetime | None = None) -> int:
        """Delete the rows older than the retention period; returns how many.

        The action server's launcher (scripts/actions.py) calls it at start and
        every hour, so an old row goes even when nothing new is logged."""
        with self.engine.begin() as connection:
            deleted = connection.execute(self._expired(now or utcnow())).rowcount
        if deleted:
            erasure.scrub(self.engine, table.name)
        return deleted

    def _expired(self, now: datetime) -> sa.sql.expression.Delete:
        return table.delete().where(table.c.created_at < now - self.retention)

    async def record_async(self, entry: UnansweredQuestion) -> None:
        """Record without blocking the action server; a failure never loses the reply."""
        try:
            await asyncio.to_thread(self.record, entry)
        except Exception:  # logging must never break answering
            logger.exception("Could not log an unanswered question")

    def forget(self, sender_id: str) -> int:
        """Delete the rows logged in conversation ``sender_id``; returns how many."""
        with self.engine.begin() as connection:
            result = connection.execute(
                table.delete().where(table.c.conversation == conversation_hash(sender_id))
            )
        erasure.scrub(self.engine, table.name)
        return result.rowcount

    def entries(self, since: datetime | None = None) -> list[UnansweredQuestion]:
        """Logged questions, newest first."""
        query = table.select().order_by(table.c.created_at.desc(), table.c.id.desc())
        if since is not None:
            query = query.where(table.c.created_at >= since)
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            UnansweredQuestion(
                kind=row["kind"],
                text=row["text"],
                channel=row["channel"],
                top_intents=tuple((name, conf) for name, conf in json.loads(row["top_intents"])),
                created_at=row["created_at"],
            )
            for row in rows
        ]


_log = UnansweredLog(SETTINGS.unanswered_db_url, SETTINGS.unanswered_retention_days)


def unanswered_log() -> UnansweredLog:
    """The action server's log."""
    return _log
