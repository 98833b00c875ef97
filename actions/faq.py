"""``action_answer_faq``: answer the latest FAQ intent with its domain response."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.catalog import answer_response_for, domain_has_response
from actions.fallback import utter_fallback

logger = logging.getLogger(__name__)


class ActionAnswerFaq(Action):
    """One action for every FAQ intent: it looks up ``utter_<intent>``."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        response = answer_response_for(intent)
        if response is None or not domain_has_response(domain, response):
            # A rule sent a non-FAQ intent here, or an FAQ intent lacks its answer
            # (tests/test_domain.py prevents the latter). Never guess: fall back.
            logger.warning("No FAQ answer for intent %r; falling back.", intent)
            utter_fallback(dispatcher)
            return []
        dispatcher.utter_message(response=response)
        return []
