"""When the stores cannot write, no turn is answered as if it were saved
(patches/store_failures.py, stores/lock_store.py, channels/rest.py).

The disk really fills up: a small tmpfs (mounted as root) holds the SQLite
files; PostgreSQL keeps the events table in a tablespace on one, and is made
read-only the way a fail-over to a standby makes it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests import helpers
from tests.conftest import Bot
from tools.support.databases import Service, start_postgres
from tools.support.processes import start_bot

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")

TMPFS_BYTES = 8 * 1024 * 1024


@contextlib.contextmanager
def small_disk(path: Path, owner: str | None = None) -> Iterator[Path]:
    """A tmpfs of ``TMPFS_BYTES`` at ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES}", "tmpfs", str(path)], check=True
    )
    try:
        if owner:
            shutil.chown(path, owner, owner)
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(disk: Path) -> Path:
    """Write a file until the disk is full; deleting it frees the space."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for size in (65536, 4096, 512, 1):  # to the last byte
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    return filler


def ask(bot, text: str, sender: str) -> requests.Response:
    return requests.post(bot.webhook, json={"sender": sender, "message": text}, timeout=60)


def user_texts(bot, sender: str) -> list[str]:
    tracker = bot.tracker(sender)
    return [e.get("text") for e in tracker["events"] if e["event"] == "user"]


def log_lines(server, needle: str) -> list[str]:
    return [line for line in server.log.read_text(errors="replace").splitlines() if needle in line]


def assert_unavailable(reply: requests.Response, text_name: str, sender: str) -> None:
    assert reply.status_code == 503, reply.text
    assert reply.headers["Retry-After"] == "30"
    body = reply.json()
    assert body["error"].startswith("temporarily unavailable")
    assert body["messages"] == [{"recipient_id": sender, "text": helpers.text(text_name)}]


@pytest.fixture(scope="module")
def sqlite_on_small_disk(tmp_path_factory) -> Iterator[tuple[object, Path]]:
    """The bot with its tracker database (and the unanswered log in it) on a small
    disk; the lock file stays on the big one, so the tracker store fails first."""
    workdir = tmp_path_factory.mktemp("full-disk")
    with small_disk(workdir / "disk") as disk:
        # SQLite follows the link: the database and its log live on the small disk,
        # while the lock file (named after the link) stays beside it.
        (workdir / "tracker.db").symlink_to(disk / "tracker.db")
        token = secrets.token_hex(8)
        processes = start_bot(
            workdir, token, extra_env={"TRACKER_STORE_URL": f"sqlite:///{workdir / 'tracker.db'}"}
        )
        try:
            yield Bot(processes, token, ""), disk
        finally:
            processes.stop()


def test_a_turn_that_cannot_be_saved_gets_a_503_and_is_not_answered(sqlite_on_small_disk, seed):
    bot, disk = sqlite_on_small_disk
    (first, first_answer), (second, second_answer) = seed[0], seed[2]
    me = uuid.uuid4().hex
    assert ask(bot, first, me).json()[0]["text"] == first_answer

    filler = fill(disk)
    try:
        for _ in range(5):
            assert_unavailable(ask(bot, second, me), "temporarily_unavailable", me)
        # Not saved, and said once in the log, with the real reason.
        assert user_texts(bot, me) == [first]
        failures = log_lines(bot.rasa, "Saving conversations (the tracker store) failed")
        assert 1 <= len(failures) <= int(bot.processes.env["SANIC_WORKERS"])  # once a process
        assert all("database or disk is full" in line for line in failures)
    finally:
        filler.unlink()

    reply = ask(bot, second, me)
    assert reply.status_code == 200
    assert reply.json()[0]["text"] == second_answer
    assert user_texts(bot, me) == [first, second]
    # (Which of the two processes took the message after the incident is the
    # kernel's choice, so its "works again" line is not asserted.)


def test_forget_me_confirms_only_an_erasure_that_was_committed(sqlite_on_small_disk, seed):
    bot, disk = sqlite_on_small_disk
    question, answer = seed[1]
    me = uuid.uuid4().hex
    assert ask(bot, question, me).json()[0]["text"] == answer

    filler = fill(disk)
    try:
        assert_unavailable(ask(bot, "forget me", me), "forget_failed", me)
        assert user_texts(bot, me) == [question]  # nothing was erased, and it says so
    finally:
        filler.unlink()

    reply = ask(bot, "forget me", me)
    assert reply.status_code == 200
    assert [m["text"] for m in reply.json()] == [helpers.text("forgotten")]
    assert user_texts(bot, me) == []


def test_a_full_disk_under_the_lock_store_is_a_503_with_the_real_error(tmp_path_factory, seed):
    """The lock file is on the full disk too: the lock store fails first, and its
    log line names the full disk (a second ROLLBACK used to hide it)."""
    workdir = tmp_path_factory.mktemp("full-lock-disk")
    marker = f"marker{secrets.token_hex(6)}"
    question, answer = seed[3]
    with small_disk(workdir / "disk") as disk:
        token = secrets.token_hex(8)
        processes = start_bot(
            workdir, token, extra_env={"TRACKER_STORE_URL": f"sqlite:///{disk / 'tracker.db'}"}
        )
        try:
            bot = Bot(processes, token, "")
            me = uuid.uuid4().hex
            assert ask(bot, question, me).json()[0]["text"] == answer
            filler = fill(disk)
            try:
                # New conversations need new lock rows, which the full disk refuses.
                for _ in range(3):
                    stranger = uuid.uuid4().hex
                    assert_unavailable(
                        ask(bot, f"{question} {marker}", stranger),
                        "temporarily_unavailable",
                        stranger,
                    )
            finally:
                filler.unlink()
            failures = log_lines(bot.rasa, "Locking conversations (the lock store) failed")
            assert 1 <= len(failures) <= int(processes.env["SANIC_WORKERS"])  # once a process
            assert all("database or disk is full" in line for line in failures)
            assert not log_lines(bot.rasa, "cannot rollback")
            # Rasa's REST channel logged the text of a message it failed to handle.
            assert not log_lines(bot.rasa, marker)
            assert ask(bot, question, me).json()[0]["text"] == answer
        finally:
            processes.stop()


# --- PostgreSQL -------------------------------------------------------------------


def psql(postgres: Service, *statements: str) -> None:
    engine = sa.create_engine(postgres.url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("SET default_transaction_read_only = off"))
            for sql in statements:
                connection.execute(sa.text(sql))
    finally:
        engine.dispose()


def fill_table(postgres: Service) -> None:
    """Small rows into the events table until its disk refuses them: no page keeps
    room for a real event, so the next one must grow the file."""
    engine = sa.create_engine(postgres.url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            with contextlib.suppress(sa.exc.OperationalError):
                for _ in range(100_000):
                    connection.execute(
                        sa.text(
                            "INSERT INTO events (sender_id, type_name, timestamp, data) "
                            "VALUES ('padding', 'padding', 0, 'x')"
                        )
                    )
    finally:
        engine.dispose()


def test_postgresql_full_or_read_only_is_a_503_and_no_false_erasure(tmp_path_factory, seed):
    (question, answer), (other, other_answer) = seed[4], seed[5]
    workdir = tmp_path_factory.mktemp("postgres-full")
    postgres = start_postgres()
    try:
        token = secrets.token_hex(8)
        processes = start_bot(workdir, token, extra_env={"TRACKER_STORE_URL": postgres.url})
        try:
            bot = Bot(processes, token, "")
            me = uuid.uuid4().hex
            assert ask(bot, question, me).json()[0]["text"] == answer
            with small_disk(postgres.workdir / "tablespace", owner="postgres") as disk:
                psql(postgres, f"CREATE TABLESPACE small LOCATION '{disk}'")
                psql(postgres, "ALTER TABLE events SET TABLESPACE small")
                filler = fill(disk)
                fill_table(postgres)
                try:
                    for _ in range(3):
                        assert_unavailable(ask(bot, other, me), "temporarily_unavailable", me)
                    assert user_texts(bot, me) == [question]
                finally:
                    filler.unlink()
                assert ask(bot, other, me).json()[0]["text"] == other_answer
                psql(
                    postgres,
                    "ALTER TABLE events SET TABLESPACE pg_default",
                    "DROP TABLESPACE small",
                )

            # A fail-over to a read-only standby: the erasure cannot be committed.
            psql(
                postgres,
                "ALTER SYSTEM SET default_transaction_read_only = on",
                "SELECT pg_reload_conf()",
            )
            time.sleep(1)
            try:
                assert_unavailable(ask(bot, "forget me", me), "forget_failed", me)
                assert user_texts(bot, me) == [question, other]
            finally:
                psql(
                    postgres,
                    "ALTER SYSTEM RESET default_transaction_read_only",
                    "SELECT pg_reload_conf()",
                )
                time.sleep(1)
            reply = ask(bot, "forget me", me)
            assert [m["text"] for m in reply.json()] == [helpers.text("forgotten")]
            assert user_texts(bot, me) == []
        finally:
            processes.stop()
    finally:
        postgres.stop()
