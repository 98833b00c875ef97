"""What every action of this bot shares: the FAQ content, read once per call."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.content import FaqContent, faq_content


class ContentAction(Action, metaclass=ABCMeta):
    """An action that replies from ``content/faq.yml`` and sets no events.

    Abstract (ABCMeta), so the action server does not register it as an action.
    """

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        self.respond(dispatcher, tracker, faq_content())
        return []

    @abstractmethod
    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, content: FaqContent
    ) -> None:
        """Send this action's messages."""
