"""The menu of questions, and what the bot says around it."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

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
