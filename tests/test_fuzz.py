"""Fuzz the REST webhook with generated bodies: never a 5xx, and the bot keeps answering.

Hypothesis generates the bodies from a fixed seed (``derandomize``), so every run
sends the same 300 requests; a failure is shrunk to the smallest body that fails.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts.servers import request_max_bytes

EXAMPLES = 300

# Any JSON value, nested a little.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=10,
)
# Text with every kind of character, lone surrogates and control characters included.
any_text = st.text(st.characters(exclude_categories=()), max_size=300)
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
messages = st.one_of(any_text, payloads, huge, json_values)
senders = st.one_of(st.text(min_size=1, max_size=140), json_values)
bodies = st.one_of(
    # A body with the right keys and odd values.
    st.fixed_dictionaries(
        {"sender": senders, "message": messages},
        optional={"metadata": json_values, "input_channel": json_values},
    ),
    # A well-formed sender with a generated message.
    st.fixed_dictionaries({"sender": st.just("fuzz"), "message": messages}),
    # Any JSON at all, and any bytes at all.
    json_values,
    st.binary(max_size=2000),
    # Bodies around the size cap (over it: a 413).
    st.builds(
        lambda size: {"sender": "fuzz", "message": "x" * size},
        st.integers(request_max_bytes() - 100, 2 * request_max_bytes()),
    ),
)


def encode(body: object, ascii_only: bool) -> bytes:
    if isinstance(body, bytes):
        return body
    # Without ensure_ascii, lone surrogates become invalid UTF-8: also worth sending.
    return json.dumps(body, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def test_generated_bodies_never_get_a_5xx(bot, seed):
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
        if 200 <= reply.status_code < 300:
            messages = reply.json()
            assert isinstance(messages, list)
            assert all(isinstance(m, dict) and m.get("recipient_id") for m in messages)
        else:
            assert 400 <= reply.status_code < 500, reply.status_code

    post()
    assert len(sent) >= EXAMPLES
    # Every kind of outcome was exercised: answered, refused, too large.
    assert {200, 400, 413} <= set(sent)

    question, answer = seed[5]
    assert bot.texts(question)[0] == answer
