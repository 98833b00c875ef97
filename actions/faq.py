"""``action_answer_faq``: answer the latest FAQ intent, word for word."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import settings
from actions.base import ContentAction, unanswered_question
from actions.menu import utter_fallback
from actions.unanswered import LOW_CONFIDENCE, UnansweredQuestion
from bot.content import LanguageContent

logger = logging.getLogger(__name__)


class ActionAnswerFaq(ContentAction):
    """One action for every FAQ intent: it looks the answer up in the content.

    The answer goes out verbatim, with the related questions as follow-up
    buttons (unless FAQ_FOLLOW_UPS is off). An answer given with a confidence
    below FAQ_LOG_ANSWERS_BELOW is also logged for review.
    """

    def name(self) -> str:
        return "action_answer_faq"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, content: LanguageContent
    ) -> UnansweredQuestion | None:
        intent = tracker.latest_message.get("intent") or {}
        answer = content.answer_for(intent.get("name"))
        if answer is None:
            # A rule sent a non-FAQ intent here, or an FAQ intent lacks its entry
            # (tests/test_content.py prevents that). Never guess: fall back.
            logger.warning("No FAQ answer for intent %r; falling back.", intent.get("name"))
            utter_fallback(dispatcher, content)
            return None
        utter_answer(dispatcher, content, intent["name"])
        if float(intent.get("confidence") or 0.0) < settings.SETTINGS.log_answers_below:
            return unanswered_question(LOW_CONFIDENCE, tracker)
        return None

    def answered(self, tracker: Tracker, content: LanguageContent) -> str | None:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        return intent if content.entry(intent) else None


def utter_answer(dispatcher: CollectingDispatcher, content: LanguageContent, intent: str) -> None:
    """The answer to ``intent``, verbatim, with its related questions as buttons."""
    follow_ups = content.follow_up_buttons(intent) if settings.SETTINGS.follow_ups else []
    dispatcher.utter_message(text=content.answer_for(intent), buttons=follow_ups)
