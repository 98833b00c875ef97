"""The fallback: say the bot cannot answer, and offer the nine questions."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.content import FaqContent, faq_content
from actions.menu import utter_questions


def utter_fallback(dispatcher: CollectingDispatcher, content: FaqContent) -> None:
    dispatcher.utter_message(text=content.cannot_answer)
    utter_questions(dispatcher, content)


class ActionFaqFallback(Action):
    """Runs for ``out_of_scope``, ``nlu_fallback`` and anything no rule covers."""

    def name(self) -> str:
        return "action_faq_fallback"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        utter_fallback(dispatcher, faq_content())
        return []
