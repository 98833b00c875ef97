"""The fallback: "did you mean" when NLU is unsure, else say what the bot can answer."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import settings
from actions.base import TOPIC_SLOT, ContentAction, unanswered_question
from actions.checks import checks_last_answer
from actions.context import checks_the_answer, or_the_last_answer
from actions.follow_up import unsure_follow_up
from actions.menu import utter_answer, utter_fallback
from actions.suggest import candidates, intent_ranking
from actions.unanswered import (
    DID_YOU_MEAN,
    FALLBACK,
    LOW_CONFIDENCE,
    NEAR_MISS,
    UnansweredQuestion,
)
from bot.concepts import HELD_BACK
from bot.content import LanguageContent


class ActionFaqFallback(ContentAction):
    """Runs for ``out_of_scope``, ``nlu_fallback`` and anything no rule covers.

    On ``nlu_fallback`` (below the answer threshold, or two intents within the
    ambiguity margin) whose best guess is a follow-up that fits exactly one
    question of the conversation's topic, that question is answered (and logged
    as a low-confidence answer); so are a yes/no check on the answer just given
    (actions/checks.py) and a question whose only fault is a subject the
    conversation supplies (``from_context``). When the SubjectGuard held back the classifier's
    choice (the question names another country or side, or lacks its subject), the
    bot says it cannot answer exactly that and offers that question. Otherwise the
    likely FAQ questions are offered as buttons, with "None of these". A confident
    ``out_of_scope`` gets the plain fallback. Either way the question is logged for
    review.
    """

    def name(self) -> str:
        return "action_faq_fallback"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, content: LanguageContent
    ) -> UnansweredQuestion | None:
        latest = tracker.latest_message
        follow_up = leaning(content, tracker.get_slot(TOPIC_SLOT), latest)
        if follow_up is not None:
            utter_answer(dispatcher, content, follow_up)
            return unanswered_question(LOW_CONFIDENCE, tracker)
        unsure = (latest.get("intent") or {}).get("name") == "nlu_fallback"
        topic = tracker.get_slot(TOPIC_SLOT)
        checked = checks_last_answer(content, topic, str(latest.get("text") or ""))
        if checked is not None:
            utter_answer(dispatcher, content, checked)
            return unanswered_question(LOW_CONFIDENCE, tracker)
        supplied = from_context(content, topic, latest)
        if unsure and supplied is not None:
            utter_answer(dispatcher, content, supplied)
            return unanswered_question(LOW_CONFIDENCE, tracker)
        nearest = content.entry((latest.get(HELD_BACK) or {}).get("intent"))
        if unsure and nearest is not None:
            dispatcher.utter_message(
                text=content.cannot_answer_exactly,
                buttons=content.candidate_buttons([nearest.intent]),
            )
            return unanswered_question(NEAR_MISS, tracker)
        offered: list[str] = []
        if unsure:
            offered = candidates(intent_ranking(latest), settings.SETTINGS.suggest_min_confidence)
        if offered:
            dispatcher.utter_message(
                text=content.did_you_mean_prompt, buttons=content.candidate_buttons(offered)
            )
            return unanswered_question(DID_YOU_MEAN, tracker)
        utter_fallback(dispatcher, content)
        return unanswered_question(FALLBACK, tracker)

    def answered(self, tracker: Tracker, content: LanguageContent) -> str | None:
        topic, latest = tracker.get_slot(TOPIC_SLOT), tracker.latest_message
        return (
            leaning(content, topic, latest)
            or checks_last_answer(content, topic, str(latest.get("text") or ""))
            or from_context(content, topic, latest)
        )


def leaning(content: LanguageContent, topic: str | None, parse_data: dict) -> str | None:
    """The question an unsure message means by leaning on ``topic``: a check on its
    answer, or a follow-up (unless it rather checks the answer just given)."""
    text = str(parse_data.get("text") or "")
    meant = unsure_follow_up(content, topic, parse_data)
    return checks_the_answer(content, topic, parse_data) or or_the_last_answer(
        content, topic, meant, text
    )


def from_context(content: LanguageContent, topic: str | None, parse_data: dict) -> str | None:
    """The question a message means when its only fault is a subject it leaves to the
    conversation: "why did they move there?" or "do they still speak it?" after "Why
    are there Koreans in Kazakhstan?". The SubjectGuard held back the classifier's
    choice for lacking subjects only (``only_missing``); the question just answered
    requires every one of them, so they are its; and the choice is that question or
    one it offered as a button. Else None."""
    held = parse_data.get(HELD_BACK) or {}
    current, meant = content.entry(topic), content.entry(held.get("intent"))
    if current is None or meant is None or not held.get("only_missing"):
        return None
    if not set(held.get("missing") or []) <= set(current.requires):
        return None
    if meant.intent != current.intent and meant.intent not in current.related:
        return None
    return meant.intent
