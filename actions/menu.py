"""What the bot says around its answers: an answer, the menu of questions, the fallback."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions import settings
from bot.content import LanguageContent


def utter_questions(
    dispatcher: CollectingDispatcher, content: LanguageContent, help_menu: bool = False
) -> None:
    """The questions as buttons; the help menu adds "Forget me"."""
    buttons = content.help_buttons() if help_menu else content.question_buttons()
    dispatcher.utter_message(text=content.menu_prompt, buttons=buttons)


def utter_fallback(dispatcher: CollectingDispatcher, content: LanguageContent) -> None:
    """What the bot says to a message it cannot answer: so, and the questions."""
    dispatcher.utter_message(text=content.cannot_answer)
    utter_questions(dispatcher, content)


def utter_answer(dispatcher: CollectingDispatcher, content: LanguageContent, intent: str) -> None:
    """The answer to ``intent``, verbatim, with its related questions as buttons."""
    follow_ups = content.follow_up_buttons(intent) if settings.SETTINGS.follow_ups else []
    dispatcher.utter_message(text=content.answer_for(intent), buttons=follow_ups)


def utter_no_answer_here(
    dispatcher: CollectingDispatcher, content: LanguageContent, topic: str
) -> None:
    """A follow-up no question answers: so, with the questions of ``topic``'s kind."""
    buttons = [entry.button() for entry in content.same_topic(topic)]
    dispatcher.utter_message(text=content.follow_up_no_answer, buttons=buttons)
