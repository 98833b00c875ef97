"""The languages the bot speaks, declared once: ``NAMES`` below.

Everything per language follows from this declaration: the sections of every
question file (content/questions/*.yml) and text (content/texts.yml), and the file
of each language (``file_for``: data/nlu.yml, data/nlu_ru.yml, ...). English is the
reference: its texts are the user's own (content/source/faq.txt), and it is the
language of a conversation that has given no other sign.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ENGLISH = "en"
# ISO 639-1 code -> its name in English (for the content owner's messages), in
# the order the web page's switch shows them.
NAMES: dict[str, str] = {
    ENGLISH: "English",
    "ru": "Russian",
    "kk": "Kazakh",
    "ko": "Korean",
}
LANGUAGES: tuple[str, ...] = tuple(NAMES)

# The slot that remembers the conversation's language (domain.yml).
SLOT = "language"
# The intent (and entity) of the web page's language switch: a button payload,
# /set_language{"language": "ru"} (channels/inbound.py lets exactly this through).
SET_LANGUAGE_INTENT = "set_language"
ENTITY = "language"
# A channel's hint, in the turn's metadata: Telegram's language_code, the browser's
# language on the web page. It counts only until the conversation has a language.
HINT_METADATA_KEY = "language_hint"


def file_for(folder: Path, stem: str, code: str) -> Path:
    """A language's own file, by convention: English's is ``<stem>.yml`` (Rasa's
    usual data/nlu.yml), every other language's ``<stem>_<code>.yml``."""
    return folder / (f"{stem}.yml" if code == ENGLISH else f"{stem}_{code}.yml")


def supported(code: Any) -> str | None:
    """``code`` as one of LANGUAGES ("ru-RU" and "RU" are "ru"), or None."""
    if not isinstance(code, str):
        return None
    base = code.strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else None
