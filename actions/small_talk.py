"""``action_small_talk``: greetings, help, thanks, goodbye, "are you a bot?";
and ``action_message_too_long``. Their texts are in content/texts.yml,
in every language, like the answers."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ContentAction
from actions.menu import utter_questions
from bot.content import LanguageContent

# Each chit-chat intent: the text it gets (a TEXT_FIELDS name of bot/content.py),
# and whether the menu of questions follows. The web page's language switch
# (set_language) greets again in the new language.
REPLIES: dict[str, tuple[str, bool]] = {
    "greet": ("greet", True),
    "set_language": ("greet", True),
    "help": ("help", True),
    "thanks": ("thanks", False),
    "goodbye": ("goodbye", False),
    "bot_challenge": ("iamabot", False),
}
# The slot an over-long message fills (channels/inbound.py, domain.yml).
MAX_CHARS_SLOT = "max_chars"


class ActionSmallTalk(ContentAction):
    """One action for the chit-chat intents of ``REPLIES`` (data/rules.yml)."""

    def name(self) -> str:
        return "action_small_talk"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, content: LanguageContent
    ) -> None:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        text, menu = REPLIES.get(str(intent), REPLIES["help"])
        dispatcher.utter_message(text=getattr(content, text))
        if menu:
            utter_questions(dispatcher, content, help_menu=intent == "help")


class ActionMessageTooLong(ContentAction):
    """An over-long message is not classified; the reply states the limit."""

    def name(self) -> str:
        return "action_message_too_long"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, content: LanguageContent
    ) -> None:
        limit = tracker.get_slot(MAX_CHARS_SLOT) or ""
        dispatcher.utter_message(text=content.message_too_long.format(max_chars=limit))
