"""The languages the bot speaks, defined once.

English is the reference: its texts in content/faq.yml are the user's own, and it
is the language of a conversation that has given no other sign. Russian, Kazakh
and Korean are the project's translations (README, "Languages").
"""

from __future__ import annotations

from typing import Any

ENGLISH = "en"
# ISO 639-1 codes, in the order the web page's switch shows them.
LANGUAGES: tuple[str, ...] = (ENGLISH, "ru", "kk", "ko")

# The slot that remembers the conversation's language (domain.yml).
SLOT = "language"
# The intent (and entity) of the web page's language switch: a button payload,
# /set_language{"language": "ru"} (channels/inbound.py lets exactly this through).
SET_LANGUAGE_INTENT = "set_language"
ENTITY = "language"
# A channel's hint, in the turn's metadata: Telegram's language_code, the browser's
# language on the web page. It counts only until the conversation has a language.
HINT_METADATA_KEY = "language_hint"


def supported(code: Any) -> str | None:
    """``code`` as one of LANGUAGES ("ru-RU" and "RU" are "ru"), or None."""
    if not isinstance(code, str):
        return None
    base = code.strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else None
