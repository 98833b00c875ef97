"""The socket.io channel (the web chat's) against the real servers.

Exact answers in a persistent session over websockets (HTTP polling is
refused: the Rasa server runs several processes), and the rules every channel shares
(channels/inbound.py, channels/socketio.py): bad session ids and events are
dropped with a log line while the server goes on answering, messages get the
REST length cap and cleaning, internal payloads typed by a user are refused, and
engine.io packets over the body cap close the socket before anything is parsed.

Session ids are the server's: a chosen id, or someone's conversation id without
its proof, gets a new one; a socket may write only into the session it was
confirmed, so it can neither read, nor write into, nor erase another visitor's
conversation; the issued id resumes the conversation on a new socket.

The clients send no ``Origin`` header (browsers always do): engine.io's origin
check lets them in, so these rules are all that stands between them and Rasa.

With python-socketio 5.10+ and session_persistence, Rasa 3.6 never delivers a
reply (RasaHQ/rasa#13027); this fails if the pin to 5.9.0 is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import requests
import websockets

from channels import socketio as channel
from channels.inbound import MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_USER_MESSAGE_CHARS, BadInput
from tests import helpers

REPLY_TIMEOUT_S = 30
# How long a socket that must get nothing is watched, once the reply that would
# have come first has arrived.
QUIET_S = 3
# What the server issues: 128 random bits in hex, ".", a 128-bit HMAC in base64url.
ISSUED = re.compile(r"[0-9a-f]{32}\.[A-Za-z0-9_-]{22}")


class Session:
    """A socket.io client in one persistent session, over a websocket (the only
    transport the channel accepts, as the web page's bundle uses), spoken with
    ``websockets``: engine.io 4 and socket.io 5 text frames on the default
    namespace (``bare_websocket``). A reader task answers engine.io's pings and
    queues the events.

    It asks for ``request`` (None: a new session, as the widget's first visit)
    and then speaks in the session the server confirmed, as the widget does."""

    def __init__(self, url: str, request: str | None = None) -> None:
        self.url = url
        self.request = request
        self.session_id = ""  # the id the server confirmed
        self.replies: asyncio.Queue = asyncio.Queue()
        self.confirmed: asyncio.Queue = asyncio.Queue()
        self.sid = ""
        self._socket: Any = None
        self._ws: Any = None
        self._reader: asyncio.Task | None = None

    async def __aenter__(self) -> Session:
        self._socket = bare_websocket(self.url)
        self._ws = await self._socket.__aenter__()
        self.sid = self._ws.socketio_sid  # the socket's id, which the server's log names
        self._reader = asyncio.create_task(self._read())
        await self.emit("session_request", {"session_id": self.request})
        self.session_id = await asyncio.wait_for(self.confirmed.get(), REPLY_TIMEOUT_S)
        return self

    @property
    def conversation(self) -> str:
        """The session part of the id: Rasa keeps the conversation as ``socketio:<it>``."""
        return conversation(self.session_id)

    async def __aexit__(self, *exc: object) -> None:
        self._reader.cancel()
        await self._socket.__aexit__(None, None, None)

    async def _read(self) -> None:
        queues = {"bot_uttered": self.replies, "session_confirm": self.confirmed}
        while True:
            frame = await self._ws.recv()
            if frame == "2":  # engine.io PING
                await self._ws.send("3")
            elif frame.startswith("42"):
                name, *data = json.loads(frame[2:])
                if name in queues:
                    await queues[name].put(data[0] if data else None)

    async def emit(self, name: str, *data: Any) -> None:
        await self._ws.send("42" + json.dumps([name, *data]))

    async def send(self, message: str, **extra: Any) -> None:
        await self.emit(
            "user_uttered", {"message": message, "session_id": self.session_id, **extra}
        )

    async def reply(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.replies.get(), REPLY_TIMEOUT_S)


def conversation(session_id: str) -> str:
    return session_id.partition(".")[0]


def issued_here(session_id: str) -> bool:
    """Whether the Rasa server issued ``session_id`` (the tests share its SESSION_SECRET)."""
    ids = channel.SessionIds.from_settings()
    return bool(ISSUED.fullmatch(session_id)) and ids.session_of(session_id) == conversation(
        session_id
    )


def tampered(session_id: str) -> str:
    """``session_id`` with the last character of its proof changed."""
    last = session_id[-1]
    return session_id[:-1] + ("B" if last == "A" else "A")


def user_turns(bot, session_id: str) -> list[dict[str, Any]]:
    events = bot.tracker(conversation(session_id), channel="socketio")["events"]
    return [event for event in events if event["event"] == "user"]


def dropped_lines(bot, sid: str) -> list[str]:
    """The Rasa server's log lines about events it dropped from socket ``sid``."""
    log = bot.rasa.log.read_text(errors="replace")
    return [line.split(" - ", 1)[1] for line in log.splitlines() if f"from {sid}: " in line]


async def test_socketio_session_gets_exact_answers(bot, seed):
    async with Session(bot.rasa.url) as session:
        for question, answer in (seed[7], seed[3]):
            await session.send(question)
            assert (await session.reply())["text"] == answer
        await session.send("hi")
        greeting, menu = await session.reply(), await session.reply()
        assert greeting["text"].startswith("Hello!")
        # Buttons, not quick replies: rasa-webchat keeps them on screen.
        assert "quick_replies" not in menu
        assert [(b["title"], b["payload"]) for b in menu["buttons"]] == [
            (b["title"], b["payload"]) for b in helpers.question_buttons()
        ]

    # The server issued the session; the conversation is stored under its session
    # part, in the socket.io namespace.
    assert issued_here(session.session_id)
    users = [e["text"] for e in user_turns(bot, session.session_id)]
    assert users == [seed[7][0], seed[3][0], "hi"]


def log_lines(bot, sid: str) -> list[str]:
    """The Rasa server's log lines that name socket ``sid``."""
    log = bot.rasa.log.read_text(errors="replace")
    return [line.split(" - ", 1)[1] for line in log.splitlines() if sid in line]


async def test_a_chosen_session_id_gets_a_new_server_issued_one(bot):
    async with Session(bot.rasa.url, "alice-123") as session:
        assert session.confirmed.empty()
    assert session.session_id != "alice-123"
    assert issued_here(session.session_id)
    # Logged without the id offered.
    assert log_lines(bot, session.sid) == [
        f"Issued socket {session.sid} a new session: it offered an id not issued here"
    ]
    assert "alice-123" not in bot.rasa.log.read_text(errors="replace")


@pytest.mark.parametrize("offer", ["bare session", "tampered proof"])
async def test_another_session_id_without_its_proof_gets_none_of_its_replies(bot, seed, offer):
    question, answer = seed[4]
    async with Session(bot.rasa.url) as owner:
        offered = owner.conversation if offer == "bare session" else tampered(owner.session_id)
        async with Session(bot.rasa.url, offered) as other:
            await owner.send(question)
            assert (await owner.reply())["text"] == answer
            await asyncio.sleep(QUIET_S)
            assert other.replies.empty()
    # It was confirmed a session of its own instead.
    assert issued_here(other.session_id)
    assert other.conversation != owner.conversation


@pytest.mark.parametrize("form", ["issued id", "bare session"])
async def test_a_message_for_another_socket_session_is_dropped(bot, seed, form):
    question, answer = seed[1]
    intruding = seed[3][0]
    async with Session(bot.rasa.url) as owner, Session(bot.rasa.url) as other:
        await owner.send(question)
        assert (await owner.reply())["text"] == answer
        target = owner.session_id if form == "issued id" else owner.conversation
        await other.emit("user_uttered", {"message": intruding, "session_id": target})
        await asyncio.sleep(QUIET_S)
        assert other.replies.empty() and owner.replies.empty()

    assert [e["text"] for e in user_turns(bot, owner.session_id)] == [question]
    assert intruding not in json.dumps(bot.tracker(owner.conversation, channel="socketio"))
    assert user_turns(bot, other.session_id) == []
    # Logged without the message.
    assert dropped_lines(bot, other.sid) == [
        f"Dropped socket.io message from {other.sid}: "
        "'session_id' is not the session confirmed to this socket"
    ]


async def test_forget_me_for_another_socket_session_erases_nothing(bot, seed):
    question, answer = seed[6]
    async with Session(bot.rasa.url) as owner, Session(bot.rasa.url) as other:
        await owner.send(question)
        assert (await owner.reply())["text"] == answer
        for target in (owner.session_id, owner.conversation):
            for forget in ("forget me", "/forget_me"):
                await other.emit("user_uttered", {"message": forget, "session_id": target})
        await asyncio.sleep(QUIET_S)
        assert other.replies.empty() and owner.replies.empty()
        assert [e["text"] for e in user_turns(bot, owner.session_id)] == [question]

        # From its own socket, the same words erase it.
        await owner.send("forget me")
        assert (await owner.reply())["text"] == helpers.text("forgotten")
    assert user_turns(bot, owner.session_id) == []


async def test_the_issued_id_resumes_the_conversation_on_a_new_socket(bot, seed):
    question, answer = seed[0]
    async with Session(bot.rasa.url) as first:
        await first.send(question)
        assert (await first.reply())["text"] == answer
    # A reload: a new socket, the id the widget kept.
    async with Session(bot.rasa.url, first.session_id) as again:
        assert again.session_id == first.session_id
        # A follow-up that needs the first question's topic.
        await again.send("how about Kyrgyzstan?")
        assert (await again.reply())["text"] == seed[8][1]

    assert issued_here(first.session_id)
    users = [e["text"] for e in user_turns(bot, first.session_id)]
    assert users == [question, "how about Kyrgyzstan?"]
    # The store keeps the session part only: the proof is never stored.
    tracker = bot.tracker(first.conversation, channel="socketio")
    assert tracker["sender_id"] == f"socketio:{first.conversation}"
    assert first.session_id.partition(".")[2] not in json.dumps(tracker)


BAD_SESSION_IDS = {
    "lone surrogate": ("\ud800", "'session_id' must contain only printable characters"),
    "NUL": ("a\x00b", "'session_id' must contain only printable characters"),
    "control character": ("a\x1bb", "'session_id' must contain only printable characters"),
    "line separator": ("a\u2028b", "'session_id' must contain only printable characters"),
    "129 characters": ("x" * 129, "'session_id' must be at most 128 characters"),
    "blank": ("  ", "'session_id' must be a non-empty string"),
    "number": (123, "'session_id' must be a non-empty string"),
    "list": (["a"], "'session_id' must be a non-empty string"),
    "object": ({"id": "a"}, "'session_id' must be a non-empty string"),
    "boolean": (True, "'session_id' must be a non-empty string"),
}


async def test_bad_session_ids_and_events_are_dropped_and_the_server_answers(bot, seed):
    question, answer = seed[5]
    async with Session(bot.rasa.url) as session:
        expected = []
        for raw, reason in BAD_SESSION_IDS.values():
            await session.emit("session_request", {"session_id": raw})
            await session.emit("user_uttered", {"message": question, "session_id": raw})
            expected += [f"Dropped socket.io session_request from {session.sid}: {reason}"]
            expected += [f"Dropped socket.io message from {session.sid}: {reason}"]
        await session.emit("session_request", "not an object")
        await session.emit("user_uttered", ["not", "an", "object"])
        await session.emit("user_uttered")
        await session.emit("user_uttered", {"message": question})
        expected += [
            f"Dropped socket.io session_request from {session.sid}: "
            "session_request data must be an object",
            f"Dropped socket.io message from {session.sid}: message data must be an object",
            f"Dropped socket.io message from {session.sid}: message data must be an object",
            f"Dropped socket.io message from {session.sid}: "
            "'session_id' is missing: send session_request first",
        ]

        # The same socket is still served, and gets nothing but this answer.
        await session.send(question)
        assert (await session.reply())["text"] == answer
        assert session.replies.empty() and session.confirmed.empty()

    assert bot.rasa.process.poll() is None
    assert sorted(dropped_lines(bot, session.sid)) == sorted(expected)
    assert [e["text"] for e in user_turns(bot, session.session_id)] == [question]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (
            '/nlu_fallback{"max_chars": "<a href=https://evil.example>x</a>"}',
            "intent 'nlu_fallback' is internal",
        ),
        (
            '/faq_why_koreans_in_kazakhstan{"max_chars": "<a href=https://evil.example>x</a>"}',
            "intent payloads from users carry no entities",
        ),
    ],
    ids=["internal intent", "entities"],
)
async def test_a_typed_payload_is_refused_and_never_echoed(bot, seed, payload, reason):
    """Only channels/inbound.py writes ``/nlu_fallback{...}`` (its reply quotes the
    ``max_chars`` entity): typed by a user, it would put their markup in a reply."""
    question, answer = seed[2]
    async with Session(bot.rasa.url) as session:
        await session.send(payload)
        await session.send(question)
        # The first reply is the question's: the payload got none.
        assert (await session.reply())["text"] == answer
        assert session.replies.empty()
    assert dropped_lines(bot, session.sid) == [
        f"Dropped socket.io message from {session.sid}: {reason}"
    ]
    assert [e["text"] for e in user_turns(bot, session.session_id)] == [question]


async def test_messages_get_the_rest_length_cap_and_cleaning(bot, domain, seed):
    question, answer = seed[8]
    too_long = "x" * (MAX_USER_MESSAGE_CHARS + 1)
    async with Session(bot.rasa.url) as session:
        await session.send(too_long, customData={"note": "a\x00b", "deep": {"n": "\ud800"}})
        assert (await session.reply())["text"] == helpers.too_long_text()
        await session.send(f"\x07{question}\x00", customData=json.dumps({"page": "faq\x1b"}))
        assert (await session.reply())["text"] == answer

    long_turn, cleaned_turn = user_turns(bot, session.session_id)
    assert long_turn["parse_data"]["intent"]["name"] == "nlu_fallback"
    assert long_turn["text"] == f'/nlu_fallback{{"max_chars": "{MAX_USER_MESSAGE_CHARS:,}"}}'
    assert long_turn["metadata"]["original_length"] == len(too_long)
    assert long_turn["metadata"]["note"] == "a\ufffdb"
    assert long_turn["metadata"]["deep"] == {"n": "\ufffd"}
    assert cleaned_turn["text"] == question
    assert cleaned_turn["metadata"]["page"] == "faq\ufffd"


@contextlib.asynccontextmanager
async def bare_websocket(url: str) -> AsyncIterator[Any]:
    """A socket.io connection over a bare websocket (the transport the browser
    upgrades to), spoken with ``websockets``: engine.io 4 and socket.io 5 text
    frames on the default namespace."""
    address = url.replace("http://", "ws://", 1) + "/socket.io/?EIO=4&transport=websocket"
    async with websockets.connect(address, max_size=None) as ws:
        assert (await ws.recv()).startswith("0")  # engine.io OPEN
        await ws.send("40")  # socket.io CONNECT
        connected = await ws.recv()
        assert connected.startswith("40")
        ws.socketio_sid = json.loads(connected[2:])["sid"]
        yield ws


def event_frame(name: str, data: Any) -> str:
    return "42" + json.dumps([name, data])


async def next_event(ws: Any) -> list[Any]:
    """The next socket.io event, answering engine.io's pings meanwhile."""

    async def receive() -> list[Any]:
        while True:
            frame = await ws.recv()
            if frame == "2":  # engine.io PING
                await ws.send("3")
            elif frame.startswith("42"):
                return json.loads(frame[2:])

    return await asyncio.wait_for(receive(), REPLY_TIMEOUT_S)


def message_frame(size: int, session_id: str) -> str:
    """A user message event of exactly ``size`` bytes (ASCII, so characters)."""
    empty = event_frame("user_uttered", {"message": "", "session_id": session_id})
    frame = event_frame(
        "user_uttered", {"message": "x" * (size - len(empty)), "session_id": session_id}
    )
    assert len(frame.encode()) == size
    return frame


async def open_session(ws: Any) -> str:
    """A new session; the id the server confirmed."""
    await ws.send(event_frame("session_request", {"session_id": None}))
    event, session_id = await next_event(ws)
    assert event == "session_confirm"
    return session_id


async def test_a_websocket_packet_of_exactly_the_cap_is_read(bot, domain):
    async with bare_websocket(bot.rasa.url) as ws:
        session_id = await open_session(ws)
        await ws.send(message_frame(MAX_BODY_BYTES, session_id))
        assert await next_event(ws) == ["bot_uttered", {"text": helpers.too_long_text()}]


@pytest.mark.parametrize(
    "size", [MAX_BODY_BYTES + 1, 1_000_000], ids=["one byte over the cap", "1 MB"]
)
async def test_a_websocket_packet_over_the_cap_closes_the_socket(bot, seed, size):
    """engine.io's buffer is capped at the body cap (64 KiB; its default is 1 MB).

    Why: with stock Rasa a message of about 1 MB goes to NLU whole, and the
    server does nothing else meanwhile (measured on the 2-core test machine over
    REST with both caps raised: 11.6 s in NLU, and a "hi" sent meanwhile waited
    10.6 s). Over the cap, the socket is closed before the packet is parsed.
    """
    question, answer = seed[0]
    async with bare_websocket(bot.rasa.url) as ws:
        session_id = await open_session(ws)
        started = time.monotonic()
        await ws.send(message_frame(size, session_id))
        with pytest.raises(websockets.ConnectionClosed):
            await next_event(ws)
        closed_after_s = time.monotonic() - started
    assert closed_after_s < 5, closed_after_s
    assert user_turns(bot, session_id) == []

    async with bare_websocket(bot.rasa.url) as ws:
        session_id = await open_session(ws)
        await ws.send(event_frame("user_uttered", {"message": question, "session_id": session_id}))
        event, reply = await next_event(ws)
        assert (event, reply["text"]) == ("bot_uttered", answer)


async def test_http_polling_is_refused_and_websockets_are_served(bot, seed):
    """The Rasa server runs several processes on one port (SANIC_WORKERS): the
    polls of one session could reach a process that does not know it, so the
    channel accepts websockets only (channels/socketio.py), with a clear 400."""
    question, answer = seed[1]
    endpoint = bot.rasa.url + "/socket.io/"
    handshake = requests.get(endpoint, params={"EIO": "4", "transport": "polling"}, timeout=10)
    assert handshake.status_code == 400
    assert "Invalid transport" in handshake.text
    for _ in range(4):  # new connections, spread over the processes
        async with Session(bot.rasa.url) as session:
            await session.send(question)
            assert (await session.reply())["text"] == answer


CONFIRMED = channel.Confirmed("abc.proof", "socketio:abc")


@pytest.mark.parametrize(
    ("data", "persistence", "conversation_id"),
    [
        ({"message": "hi", "session_id": "abc.proof"}, True, "socketio:abc"),
        ({"message": "hi"}, False, "socketio:the-sid"),
        ({"message": "hi", "session_id": "\ud800"}, False, "socketio:the-sid"),
        ({"message": "hi", "session_id": "other"}, False, "socketio:the-sid"),
    ],
    ids=["confirmed session", "sid fallback", "sid fallback ignores session id", "or any"],
)
def test_conversation_ids_are_namespaced(data, persistence, conversation_id):
    message = channel.parse_message(data, "the-sid", persistence, confirmed=CONFIRMED)
    assert message == {"conversation_id": conversation_id, "message": "hi", "metadata": None}


@pytest.mark.parametrize(
    ("session_id", "confirmed"),
    [("abc", CONFIRMED), ("abc.proof2", CONFIRMED), ("abc.proof", None)],
    ids=["bare session", "another id", "no session confirmed"],
)
def test_a_message_must_name_the_session_confirmed_to_its_socket(session_id, confirmed):
    with pytest.raises(BadInput, match="'session_id' is not the session confirmed to this socket"):
        channel.parse_message(
            {"message": "hi", "session_id": session_id}, "sid", True, confirmed=confirmed
        )


@pytest.mark.parametrize(
    ("sid", "reason"),
    [("", "'sid' must be a non-empty string"), ("a\x00", "'sid' must contain only printable")],
)
def test_the_sid_fallback_is_checked_too(sid, reason):
    with pytest.raises(BadInput, match=reason):
        channel.parse_message({"message": "hi"}, sid, session_persistence=False)


def nested(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("metadata", "reason"),
    [
        ("{not json", "'metadata': body must be valid JSON"),
        ("[1, 2]", "'metadata' must be a JSON object"),
        (["a"], "'metadata' must be a JSON object"),
        ({"a": nested(MAX_JSON_DEPTH)}, f"'metadata' nested more than {MAX_JSON_DEPTH} levels"),
    ],
    ids=["invalid JSON string", "JSON list", "list", "too deep"],
)
def test_bad_metadata_is_refused(metadata, reason):
    with pytest.raises(BadInput, match=reason):
        channel.parse_message({"message": "hi", "metadata": metadata}, "sid", False)
    # At the limit (the object and its lists: MAX_JSON_DEPTH levels) it is kept.
    at_limit = {"a": nested(MAX_JSON_DEPTH - 1)}
    kept = channel.parse_message({"message": "hi", "metadata": at_limit}, "sid", False)
    assert kept["metadata"] == at_limit


def test_a_session_request_without_an_id_gets_a_new_one():
    ids = channel.SessionIds(b"secret")
    for data in (None, {}, {"session_id": None}):
        new, replaced = channel.requested_session(data, ids)
        other, _ = channel.requested_session(data, ids)
        assert ISSUED.fullmatch(new.issued) and not replaced
        assert new.conversation_id == f"socketio:{conversation(new.issued)}"
        assert new.issued != other.issued


def test_only_an_id_issued_under_the_secret_resumes_its_session():
    ids = channel.SessionIds(b"secret")
    issued = ids.issue()
    session = conversation(issued)
    assert ids.session_of(issued) == session
    assert channel.requested_session({"session_id": issued}, ids) == (
        channel.Confirmed(issued, f"socketio:{session}"),
        False,
    )
    not_issued = {
        "chosen": "alice-123",
        "bare session": session,
        "tampered proof": tampered(issued),
        "upper case": issued.upper(),
        "another secret": channel.SessionIds(b"other").issue(),
        "another session's proof": f"{ids.issue().partition('.')[0]}.{issued.partition('.')[2]}",
    }
    for name, offered in not_issued.items():
        assert ids.session_of(offered) is None, name
        new, replaced = channel.requested_session({"session_id": offered}, ids)
        assert replaced and ids.session_of(new.issued) == conversation(new.issued), name
        assert conversation(new.issued) != session, name
