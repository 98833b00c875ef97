"""``action_forget_me``: "forget me", typed or the help menu's button.

Deletes the user's rows in the unanswered log (by the hash of the conversation
id, actions/unanswered.py) and confirms. The conversation itself is deleted by
the Rasa server's tracker store when it saves this turn (stores/tracker_store.py),
so the confirmation is the last thing the conversation held.

If the log cannot be reached, the action fails instead of confirming: the
Rasa server then says "temporarily unavailable" (patches/unavailable.py).
The conversation is deleted all the same, and asking again deletes the rows,
which are found by the conversation id, not by the session.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ContentAction
from actions.unanswered import unanswered_log
from bot import erasure
from bot.content import LanguageContent


class ActionForgetMe(ContentAction):
    def name(self) -> str:
        return erasure.ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        await asyncio.to_thread(unanswered_log().forget, tracker.sender_id)
        return await super().run(dispatcher, tracker, domain)

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, content: LanguageContent
    ) -> None:
        dispatcher.utter_message(text=content.forgotten)
