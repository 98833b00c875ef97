"""``action_answer_faq``: answer the latest FAQ intent, word for word."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ContentAction
from actions.content import FaqContent
from actions.fallback import utter_fallback

logger = logging.getLogger(__name__)


class ActionAnswerFaq(ContentAction):
    """One action for every FAQ intent: it looks the answer up in the content."""

    def name(self) -> str:
        return "action_answer_faq"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, content: FaqContent
    ) -> None:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        answer = content.answer_for(intent)
        if answer is None:
            # A rule sent a non-FAQ intent here, or an FAQ intent lacks its entry
            # (tests/test_content.py prevents that). Never guess: fall back.
            logger.warning("No FAQ answer for intent %r; falling back.", intent)
            utter_fallback(dispatcher, content)
            return
        dispatcher.utter_message(text=answer)
