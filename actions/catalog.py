"""How FAQ intents map to answer responses.

An FAQ intent is named ``faq_<topic>`` and its answer is the domain response
``utter_faq_<topic>``. The text lives only in ``domain.yml``.
"""

from __future__ import annotations

from typing import Any

FAQ_INTENT_PREFIX = "faq_"
ANSWER_PREFIX = "utter_"

CANNOT_ANSWER_RESPONSE = "utter_cannot_answer"
MENU_RESPONSE = "utter_question_menu"


def is_faq_intent(intent: str | None) -> bool:
    """True for intents that are FAQ questions (``faq_*``)."""
    return bool(intent) and intent.startswith(FAQ_INTENT_PREFIX)


def answer_response_for(intent: str | None) -> str | None:
    """The response name that answers ``intent``, or None for non-FAQ intents."""
    if not is_faq_intent(intent):
        return None
    return f"{ANSWER_PREFIX}{intent}"


def domain_has_response(domain: dict[str, Any], response: str) -> bool:
    """Whether the domain (as sent to the action server) defines ``response``."""
    return bool((domain.get("responses") or {}).get(response))
