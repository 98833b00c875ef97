"""The socket.io channel (used by web chat widgets) delivers exact answers.

With python-socketio 5.10+ and session_persistence, Rasa 3.6 never delivers a
reply (RasaHQ/rasa#13027); this fails if the pin to 5.9.0 is lost.
"""

from __future__ import annotations

import asyncio
import uuid

import socketio

from tests import helpers


async def test_socketio_session_gets_exact_answers(bot, seed):
    client = socketio.AsyncClient()
    replies: asyncio.Queue = asyncio.Queue()
    confirmed: asyncio.Queue = asyncio.Queue()
    client.on("bot_uttered", replies.put)
    client.on("session_confirm", confirmed.put)
    session_id = f"sio-{uuid.uuid4().hex}"

    # Polling transport: the websocket client needs a newer aiohttp than Rasa pins.
    await client.connect(bot.rasa.url, socketio_path="/socket.io", transports=["polling"])
    try:
        await client.emit("session_request", {"session_id": session_id})
        assert await asyncio.wait_for(confirmed.get(), 30) == session_id
        for question, answer in (seed[7], seed[3]):
            await client.emit("user_uttered", {"message": question, "session_id": session_id})
            reply = await asyncio.wait_for(replies.get(), 30)
            assert reply["text"] == answer
        await client.emit("user_uttered", {"message": "hi", "session_id": session_id})
        greeting = await asyncio.wait_for(replies.get(), 30)
        menu = await asyncio.wait_for(replies.get(), 30)
        assert greeting["text"].startswith("Hello!")
        assert [b["payload"] for b in menu["quick_replies"]] == [
            b["payload"] for b in helpers.question_buttons()
        ]
    finally:
        await client.disconnect()

    # The conversation is stored under the session id.
    users = [
        e["text"] for e in bot.tracker(session_id, channel=None)["events"] if e["event"] == "user"
    ]
    assert users == [seed[7][0], seed[3][0], "hi"]
