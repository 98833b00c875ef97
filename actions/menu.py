"""``action_show_questions``: offer the nine questions as buttons."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.content import FaqContent, faq_content


def utter_questions(dispatcher: CollectingDispatcher, content: FaqContent) -> None:
    dispatcher.utter_message(text=content.menu_prompt, buttons=content.question_buttons())


class ActionShowQuestions(Action):
    """Follows the greeting and the help reply (see data/rules.yml)."""

    def name(self) -> str:
        return "action_show_questions"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        utter_questions(dispatcher, faq_content())
        return []
