"""What every action of this bot shares: the FAQ content and the unanswered log."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.content import FaqContent, faq_content
from actions.suggest import intent_ranking
from actions.unanswered import Unanswered, unanswered_log


class ContentAction(Action, metaclass=ABCMeta):
    """An action that replies from ``content/faq.yml`` and sets no events.

    ``respond`` sends the messages; when it returns an ``Unanswered`` entry,
    that question is logged for review. Abstract (ABCMeta), so the action
    server does not register it as an action.
    """

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        entry = self.respond(dispatcher, tracker, faq_content())
        if entry is not None:
            await unanswered_log().record_async(entry)
        return []

    @abstractmethod
    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, content: FaqContent
    ) -> Unanswered | None:
        """Send this action's messages; return the question to log, if any."""


def unanswered(kind: str, tracker: Tracker, parse_data: dict[str, Any] | None = None) -> Unanswered:
    """A log entry for the user's message ``parse_data`` (default: the latest one)."""
    parse_data = tracker.latest_message if parse_data is None else parse_data
    return Unanswered(
        kind=kind,
        text=str(parse_data.get("text") or ""),
        channel=tracker.get_latest_input_channel(),
        top_intents=tuple(intent_ranking(parse_data)),
    )
