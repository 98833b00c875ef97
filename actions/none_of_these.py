"""``action_none_of_these``: the user turned down every "did you mean" candidate."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ContentAction, unanswered_question
from actions.unanswered import NONE_OF_THESE, UnansweredQuestion
from bot.content import LanguageContent


class ActionNoneOfThese(ContentAction):
    """Apologises and logs the question that the candidates were offered for."""

    def name(self) -> str:
        return "action_none_of_these"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, content: LanguageContent
    ) -> UnansweredQuestion | None:
        dispatcher.utter_message(text=content.none_of_these_reply)
        # The unanswered question is the user's message before "None of these",
        # when that message was the one the candidates were offered for.
        user_turns = [e for e in tracker.events if e.get("event") == "user"]
        if len(user_turns) < 2:
            return None
        question = user_turns[-2]
        parse_data = {**(question.get("parse_data") or {}), "text": question.get("text")}
        if (parse_data.get("intent") or {}).get("name") != "nlu_fallback":
            return None
        return unanswered_question(NONE_OF_THESE, tracker, parse_data)
