"""Fuzz the REST webhook with generated bodies, on SQLite and on PostgreSQL:
never a 5xx, the server never stops, and the bot keeps answering.

Hypothesis generates the bodies from a fixed seed (``derandomize``), so every run
sends the same requests; a failure is shrunk to the smallest body that fails.
Senders and messages include lone surrogates, NUL and control characters (a lone
surrogate in ``sender`` used to stop the server on SQLite, a NUL on PostgreSQL:
patches/tracker_errors.py, channels/inbound.py), and bodies nested deeper than
``MAX_JSON_DEPTH`` (they used to get a 500).
"""

from __future__ import annotations

import json
import secrets

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import patches
from channels.inbound import MAX_JSON_DEPTH
from stores.tracker_store import TunedSQLTrackerStore
from tests.conftest import Bot
from tools.support.databases import start_postgres
from tools.support.processes import request_max_bytes, start_bot

EXAMPLES = 300

# Any JSON value, nested a little.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=10,
)
# Text with every kind of character, lone surrogates and control characters included.
any_text = st.text(st.characters(exclude_categories=()), max_size=300)
# The characters that stopped the server, in ids of every shape around them.
nasty = st.sampled_from(["\ud800", "\udfff", "\x00", "\x1b", "\n", "\u2028", "\x7f", "\x85"])
nasty_ids = st.builds(
    lambda before, char, after: before + char + after,
    st.text(max_size=20),
    nasty,
    st.text(max_size=20),
)
intent_names = st.sampled_from(
    ["greet", "help", "nlu_fallback", "out_of_scope", "restart", "session_start", "nope"]
    + [f"faq_{topic}" for topic in ("kazakhs_in_korea", "south_korea_enemy", "x")]
)
payloads = st.one_of(
    st.builds(lambda name, tail: f"/{name}{tail}", intent_names, st.text(max_size=40)),
    st.builds(
        lambda name, entities: f"/{name}{json.dumps(entities)}",
        intent_names,
        st.dictionaries(st.text(max_size=10), json_values, max_size=3),
    ),
    st.from_regex(r"/[\w@.{}\":,-]{0,40}", fullmatch=True),
)
# Long messages, from just under the message cap to twice the body cap (a 413).
huge = st.builds(
    lambda n, c: c * n,
    st.integers(900, 2 * request_max_bytes()),
    st.sampled_from(["x", "x ", "é", "\n"]),
)
# Deeply nested JSON (as a raw body: json.dumps itself would give up).
deep = st.builds(
    lambda levels, shape: shape[0] * levels + "1" + shape[1] * levels,
    st.integers(MAX_JSON_DEPTH - 2, 10_000),
    st.sampled_from([("[", "]"), ('{"a":', "}")]),
)
messages = st.one_of(any_text, payloads, huge, json_values, nasty_ids)
senders = st.one_of(any_text.filter(bool), nasty_ids, json_values, st.integers())
bodies = st.one_of(
    # A body with the right keys and odd values.
    st.fixed_dictionaries(
        {"sender": senders, "message": messages},
        optional={"metadata": json_values, "input_channel": json_values},
    ),
    # A well-formed sender with a generated message, or the reverse.
    st.fixed_dictionaries({"sender": st.just("fuzz"), "message": messages}),
    st.fixed_dictionaries({"sender": senders, "message": st.just("hello")}),
    # Any JSON at all, and any bytes at all.
    json_values,
    st.binary(max_size=2000),
    # Deep nesting, as the whole body or as the metadata.
    deep,
    st.builds(lambda d: '{"sender": "fuzz", "message": "hi", "metadata": ' + d + "}", deep),
    # Bodies around the size cap (over it: a 413).
    st.builds(
        lambda size: {"sender": "fuzz", "message": "x" * size},
        st.integers(request_max_bytes() - 100, 2 * request_max_bytes()),
    ),
)


def encode(body: object, ascii_only: bool) -> bytes:
    if isinstance(body, bytes):
        return body
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=ascii_only)
    # Without ensure_ascii, lone surrogates become invalid UTF-8: also worth sending.
    return text.encode("utf-8", "surrogatepass")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store_bot(request, tmp_path_factory):
    """The bot on each tracker store: SQLite (make run's default) and PostgreSQL."""
    workdir = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    postgres = start_postgres() if request.param == "postgresql" else None
    token = secrets.token_hex(16)
    try:
        stores = {"TRACKER_STORE_URL": postgres.url} if postgres else {}
        processes = start_bot(workdir, token, stores)
        try:
            yield Bot(processes, token, str(workdir / "tracker.db"))
        finally:
            processes.stop()
    finally:
        if postgres:
            postgres.stop()


def test_generated_bodies_never_get_a_5xx_nor_stop_the_server(store_bot, seed):
    bot = store_bot
    sent: list[int] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(body=bodies, ascii_only=st.booleans())
    def post(body: object, ascii_only: bool) -> None:
        reply = bot.post_raw(encode(body, ascii_only))
        sent.append(reply.status_code)
        assert reply.status_code < 500, reply.text
        assert bot.rasa.process.poll() is None, bot.rasa.log_tail()
        if 200 <= reply.status_code < 300:
            messages = reply.json()
            assert isinstance(messages, list)
            assert all(isinstance(m, dict) and m.get("recipient_id") for m in messages)
        else:
            assert reply.status_code in (400, 413), reply.status_code

    post()
    assert len(sent) >= EXAMPLES
    # Every kind of outcome was exercised: answered, refused, too large.
    assert {200, 400, 413} <= set(sent)

    question, answer = seed[5]
    assert bot.texts(question) == [answer]
    assert "Exiting application" not in bot.rasa.log.read_text(errors="replace")


@pytest.mark.parametrize(
    "sender", ["\ud800", "a\udfffb", "\x00", "nul\x00inside", "\x1b[31m", "line\nbreak"]
)
def test_the_senders_that_stopped_the_server_get_a_400(store_bot, seed, sender):
    bot = store_bot
    body = json.dumps({"sender": sender, "message": seed[0][0]})  # ASCII escapes, valid JSON
    reply = bot.post_raw(body)
    assert reply.status_code == 400
    assert reply.json() == {"error": "'sender' must contain only printable characters"}
    assert bot.rasa.process.poll() is None
    assert bot.texts(seed[2][0]) == [seed[2][1]]


async def test_a_data_error_in_one_conversation_leaves_the_store_working(tmp_path):
    """Behind the channels: with patches installed, a conversation the database
    cannot store raises an ordinary error, instead of exiting the process."""
    patches.install()
    store = TunedSQLTrackerStore(domain=Domain.empty(), host=f"sqlite:///{tmp_path / 't.db'}")
    bad = DialogueStateTracker("\ud800", slots=[])
    bad.update(UserUttered("hello"))
    with pytest.raises(Exception) as raised:  # noqa: B017 - whatever the driver raises
        await store.save(bad)
    assert not isinstance(raised.value, SystemExit)
    good = DialogueStateTracker("rest:someone", slots=[])
    good.update(UserUttered("hello"))
    await store.save(good)
    assert [e.text for e in (await store.retrieve("rest:someone")).events] == ["hello"]
