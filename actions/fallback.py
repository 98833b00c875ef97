"""The fallback: say what the bot cannot answer and offer the nine questions."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.catalog import CANNOT_ANSWER_RESPONSE, MENU_RESPONSE


def utter_fallback(dispatcher: CollectingDispatcher) -> None:
    """Apologise, then show the menu of questions as buttons."""
    dispatcher.utter_message(response=CANNOT_ANSWER_RESPONSE)
    dispatcher.utter_message(response=MENU_RESPONSE)


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
        utter_fallback(dispatcher)
        return []
