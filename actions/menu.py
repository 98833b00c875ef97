"""``action_show_questions``: offer the nine questions as buttons."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ContentAction
from actions.content import FaqContent


def utter_questions(dispatcher: CollectingDispatcher, content: FaqContent) -> None:
    dispatcher.utter_message(text=content.menu_prompt, buttons=content.question_buttons())


def utter_fallback(dispatcher: CollectingDispatcher, content: FaqContent) -> None:
    """What the bot says to a message it cannot answer: so, and the questions."""
    dispatcher.utter_message(text=content.cannot_answer)
    utter_questions(dispatcher, content)


class ActionShowQuestions(ContentAction):
    """Follows the greeting and the help reply (see data/rules.yml)."""

    def name(self) -> str:
        return "action_show_questions"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, content: FaqContent
    ) -> None:
        utter_questions(dispatcher, content)
