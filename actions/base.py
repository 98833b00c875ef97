"""What every action of this bot shares: the content in the conversation's
language, and the unanswered log (``unanswered_question`` builds its records)."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import choose
from actions.suggest import intent_ranking
from actions.unanswered import UNSUPPORTED_LANGUAGE, UnansweredQuestion, unanswered_log
from bot import languages
from bot.content import LanguageContent, current
from bot.questions import TOPIC_SLOT


class ContentAction(Action, metaclass=ABCMeta):
    """An action that replies from the content (``bot/content.py``), in the conversation's language.

    The language is chosen first (actions/language.py) and remembered in the
    ``language`` slot. A message in a language the bot does not speak gets the
    English ``unsupported_language`` reply instead of the action's own, and is
    logged. Otherwise ``respond`` sends the messages, in that language; when it
    returns an ``UnansweredQuestion``, that question is logged for review.
    ``answered`` names the FAQ question the reply answered, if any: it becomes
    the conversation's topic (``faq_topic``).
    Abstract (ABCMeta), so the action server does not register it as an action.
    """

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        slot = tracker.get_slot(languages.SLOT)
        choice = choose(tracker.latest_message, slot)
        events: list[dict[str, Any]] = []
        if choice.language != slot:
            events.append(SlotSet(languages.SLOT, choice.language))
        catalogue = current()
        if choice.unsupported:
            dispatcher.utter_message(text=catalogue.unsupported_language)
            await unanswered_log().record_async(unanswered_question(UNSUPPORTED_LANGUAGE, tracker))
            return events
        content = catalogue.language(choice.language)
        entry = self.respond(dispatcher, tracker, content)
        if entry is not None:
            await unanswered_log().record_async(entry)
        topic = self.answered(tracker, content)
        return [*events, SlotSet(TOPIC_SLOT, topic)] if topic else events

    def answered(self, tracker: Tracker, content: LanguageContent) -> str | None:
        """The FAQ intent this action's reply answered (none by default)."""
        return None

    @abstractmethod
    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, content: LanguageContent
    ) -> UnansweredQuestion | None:
        """Send this action's messages; return the question to log, if any."""


def unanswered_question(
    kind: str, tracker: Tracker, parse_data: dict[str, Any] | None = None
) -> UnansweredQuestion:
    """The unanswered-log record of the user's message ``parse_data`` (default: the
    latest one), as ``kind`` (one of ``actions.unanswered.KINDS``)."""
    parse_data = tracker.latest_message if parse_data is None else parse_data
    return UnansweredQuestion(
        kind=kind,
        text=str(parse_data.get("text") or ""),
        channel=tracker.get_latest_input_channel(),
        top_intents=tuple(intent_ranking(parse_data)),
        sender_id=tracker.sender_id,
    )
