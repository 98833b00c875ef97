"""A data error in one conversation loses that request, never the server.

Rasa 3.6's ``SQLTrackerStore.session_scope`` wraps every database session in
``except ValueError: print_error_and_exit(...)``. It means to catch one case,
a missing PostgreSQL schema (``ensure_schema_exists``), but it catches every
``ValueError`` raised while the session is open, and exits the process with
status 1. Such errors come from the data: a conversation id with a lone
surrogate cannot be encoded for SQLite, and PostgreSQL refuses a NUL character
in a string ("A string literal cannot contain NUL (0x00) characters", a
``ValueError`` from psycopg2). Reproduced on 3.6.21: one REST request with
``"sender": "\\ud800"`` stopped the whole `make run`.

The channels refuse such ids (channels/inbound.py), so this is the second
line: ``install()`` replaces ``session_scope`` with one that still exits when
the schema is missing (a start-up configuration error, as before) but lets any
other error propagate as an ordinary exception, after rolling the session back.
Rasa's message handling then logs it and that one message gets no answer.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Generator
from typing import Any

import rasa.shared.utils.cli
from rasa.core import tracker_store
from rasa.core.tracker_store import SQLTrackerStore

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def session_scope(self: SQLTrackerStore) -> Generator[Any, None, None]:
    """Rasa's session scope, exiting only for a missing schema."""
    session = self.sessionmaker()
    try:
        try:
            tracker_store.ensure_schema_exists(session)
        except ValueError as schema:
            rasa.shared.utils.cli.print_error_and_exit(
                f"Requested PostgreSQL schema '{schema}' was not found in the database. To "
                f"continue, please create the schema by running 'CREATE DATABASE {schema};' "
                f"or unset the '{tracker_store.POSTGRESQL_SCHEMA}' environment variable in "
                f"order to use the default schema. Exiting application."
            )
        try:
            yield session
        except Exception:
            session.rollback()
            raise
    finally:
        session.close()


def install() -> None:
    SQLTrackerStore.session_scope = session_scope  # type: ignore[method-assign]
