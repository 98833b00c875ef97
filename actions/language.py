"""Which language to answer a message in.

The message's language is identified by bot/language_id.py (the same judgement
routes English to its own intent classifier in the NLU pipeline).

**Answering** (``choose``): the web page's switch (``/set_language``), else a
clear message's language, else the conversation's (the ``language`` slot), else
the channel's hint (Telegram's ``language_code``, the browser's language), else
English. A clear message in an unsupported language gets the English
``unsupported_language`` reply, which names the four languages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot import languages
from bot.language_id import CYRILLIC_LANGUAGES, OTHER, identify

# Intents that mean "not understood" (FallbackClassifier, the out-of-scope intent).
NOT_UNDERSTOOD = ("nlu_fallback", "out_of_scope")


@dataclass(frozen=True)
class Choice:
    """The language to answer in; ``unsupported``: the message is in another one."""

    language: str
    unsupported: bool = False


def choose(parse_data: dict[str, Any], slot: Any) -> Choice:
    """The language to answer the message ``parse_data`` in (see the module doc)."""
    current = languages.supported(slot)
    intent = (parse_data.get("intent") or {}).get("name")
    if intent == languages.SET_LANGUAGE_INTENT:
        for entity in parse_data.get("entities") or []:
            chosen = languages.supported(entity.get("value"))
            if entity.get("entity") == languages.ENTITY and chosen:
                return Choice(chosen)
    metadata = parse_data.get("metadata") or {}
    hint = (
        languages.supported(metadata.get(languages.HINT_METADATA_KEY))
        if isinstance(metadata, dict)
        else None
    )
    fallback = current or hint or languages.ENGLISH
    text = str(parse_data.get("text") or "")
    if not text or text.startswith("/"):
        return Choice(fallback)  # a button: no text to go by
    identified = identify(text)
    # Russian or Kazakh typed in Latin letters is told from English by a few
    # letter patterns, as is a keyboard mash ("qwe rty"): it switches the
    # conversation only when NLU understood the message.
    translit = identified.script == "LATIN" and identified.language in CYRILLIC_LANGUAGES
    if translit and intent in NOT_UNDERSTOOD:
        return Choice(fallback)
    if not identified.clear:
        # Cyrillic is not English whatever its length: even one word ("спасибо")
        # moves a conversation that is not in Russian or Kazakh to one of them.
        if identified.script == "CYRILLIC" and fallback not in CYRILLIC_LANGUAGES:
            return Choice(identified.language or fallback)
        return Choice(fallback)
    if identified.language == OTHER:
        return Choice(fallback, unsupported=True)
    return Choice(identified.language or fallback)
