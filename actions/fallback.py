"""The fallback: say the bot cannot answer, and offer the nine questions."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ContentAction
from actions.content import FaqContent
from actions.menu import utter_questions


def utter_fallback(dispatcher: CollectingDispatcher, content: FaqContent) -> None:
    dispatcher.utter_message(text=content.cannot_answer)
    utter_questions(dispatcher, content)


class ActionFaqFallback(ContentAction):
    """Runs for ``out_of_scope``, ``nlu_fallback`` and anything no rule covers."""

    def name(self) -> str:
        return "action_faq_fallback"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, content: FaqContent
    ) -> None:
        utter_fallback(dispatcher, content)
