"""The fallback: "did you mean" when NLU is unsure, else say what the bot can answer."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import settings
from actions.base import ContentAction, unanswered
from actions.content import FaqContent
from actions.menu import utter_questions
from actions.suggest import candidates, intent_ranking
from actions.unanswered import DID_YOU_MEAN, FALLBACK, Unanswered


def utter_fallback(dispatcher: CollectingDispatcher, content: FaqContent) -> None:
    dispatcher.utter_message(text=content.cannot_answer)
    utter_questions(dispatcher, content)


class ActionFaqFallback(ContentAction):
    """Runs for ``out_of_scope``, ``nlu_fallback`` and anything no rule covers.

    On ``nlu_fallback`` (below the answer threshold, or two intents within the
    ambiguity margin) the likely FAQ questions are offered as buttons, with
    "None of these". A confident ``out_of_scope`` gets the plain fallback.
    Either way the question is logged for review.
    """

    def name(self) -> str:
        return "action_faq_fallback"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, content: FaqContent
    ) -> Unanswered | None:
        latest = tracker.latest_message
        offered: list[str] = []
        if (latest.get("intent") or {}).get("name") == "nlu_fallback":
            offered = candidates(intent_ranking(latest), settings.SETTINGS.suggest_min_confidence)
        if offered:
            dispatcher.utter_message(
                text=content.did_you_mean_prompt, buttons=content.candidate_buttons(offered)
            )
            return unanswered(DID_YOU_MEAN, tracker)
        utter_fallback(dispatcher, content)
        return unanswered(FALLBACK, tracker)
