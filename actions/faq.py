"""``action_answer_faq``: answer the latest FAQ intent, word for word, as the
conversation reads it (actions/context.py)."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import settings
from actions.base import TOPIC_SLOT, ContentAction, unanswered_question
from actions.context import in_context
from actions.menu import utter_answer, utter_fallback, utter_no_answer_here
from actions.unanswered import FOLLOW_UP_NO_ANSWER, LOW_CONFIDENCE, UnansweredQuestion
from bot.content import LanguageContent

logger = logging.getLogger(__name__)


class ActionAnswerFaq(ContentAction):
    """One action for every FAQ intent: it looks the answer up in the content.

    The answer goes out verbatim, with the related questions as follow-up
    buttons (unless FAQ_FOLLOW_UPS is off). An answer given with a confidence
    below FAQ_LOG_ANSWERS_BELOW is also logged for review. A message that leans on
    the conversation ("is it North Korea?" after South Korea's enemy) gets what it
    means there (``in_context``), logged for review too.
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
        reading = in_context(content, tracker.get_slot(TOPIC_SLOT), tracker.latest_message)
        if reading is not None and reading.intent is None:
            utter_no_answer_here(dispatcher, content, tracker.get_slot(TOPIC_SLOT))
            return unanswered_question(FOLLOW_UP_NO_ANSWER, tracker)
        if reading is not None:
            utter_answer(dispatcher, content, reading.intent)
            return unanswered_question(LOW_CONFIDENCE, tracker)
        utter_answer(dispatcher, content, intent["name"])
        if float(intent.get("confidence") or 0.0) < settings.SETTINGS.log_answers_below:
            return unanswered_question(LOW_CONFIDENCE, tracker)
        return None

    def answered(self, tracker: Tracker, content: LanguageContent) -> str | None:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        reading = in_context(content, tracker.get_slot(TOPIC_SLOT), tracker.latest_message)
        if reading is not None:
            return reading.intent
        return intent if content.entry(intent) else None
