"""The FAQ content: questions, answers and every text the bot sends, read from
``content/faq.yml``, in each language the bot speaks (bot/languages.py).

The file is the only place each text exists, with its languages side by side.
It is re-read when it changes, so the content owner's edits take effect without
retraining or a restart. ``Content`` holds every language; ``Content.language``
gives ``FaqContent``, one language's view, which the actions reply from.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot import erasure, languages, paths, settings

logger = logging.getLogger(__name__)

FAQ_INTENT_PREFIX = "faq_"
MAX_RELATED = 2
# The button payload of "None of these" (did you mean): an intent of its own.
NONE_OF_THESE_INTENT = "none_of_these"


# The texts around the questions (content/faq.yml, ``texts``), each required in
# every language.
TEXT_FIELDS = (
    "greet",
    "help",
    "forget_me_button",
    "forgotten",
    "goodbye",
    "thanks",
    "iamabot",
    "menu_prompt",
    "cannot_answer",
    "did_you_mean_prompt",
    "none_of_these_button",
    "none_of_these_reply",
    "text_only_reply",
    "follow_up_no_answer",
    "message_too_long",
    "temporarily_unavailable",
)
# The facet every entry has; a follow-up stays within the topic being discussed.
TOPIC = "topic"


class ContentError(ValueError):
    """The content file is malformed."""


@dataclass(frozen=True)
class FaqEntry:
    intent: str
    question: str
    answer: str
    related: tuple[str, ...] = ()
    # What the question is about (content/faq.yml): its topic, and the values that
    # tell it from the other questions of the topic (country, side, relation, aspect).
    facets: tuple[tuple[str, str], ...] = ()

    def facet(self, name: str) -> str | None:
        return dict(self.facets).get(name)

    def button(self) -> dict[str, str]:
        """A button that asks this question: its payload triggers the intent directly."""
        return {"title": self.question, "payload": f"/{self.intent}"}


@dataclass(frozen=True)
class FaqContent:
    """The content in one language: what the actions reply from."""

    entries: tuple[FaqEntry, ...]
    # Chit-chat (actions/small_talk.py).
    greet: str
    help: str
    forget_me_button: str
    forgotten: str
    goodbye: str
    thanks: str
    iamabot: str
    menu_prompt: str
    cannot_answer: str
    did_you_mean_prompt: str
    none_of_these_button: str
    none_of_these_reply: str
    # The Telegram channel's reply to a non-text message (channels/telegram.py).
    text_only_reply: str
    # A typed follow-up whose combination has no question (actions/follow_up.py).
    follow_up_no_answer: str
    # An over-long message (channels/inbound.py); quotes {max_chars}.
    message_too_long: str
    # Said by the Rasa server when the action server fails (patches/unavailable.py).
    temporarily_unavailable: str

    def entry(self, intent: str | None) -> FaqEntry | None:
        """The entry of ``intent``, or None when it is not an FAQ intent we know."""
        for entry in self.entries:
            if entry.intent == intent:
                return entry
        return None

    def answer_for(self, intent: str | None) -> str | None:
        """The answer to ``intent``, or None when it is not an FAQ intent we know."""
        entry = self.entry(intent)
        return entry.answer if entry else None

    def question_buttons(self) -> list[dict[str, str]]:
        """One button per question, in content order."""
        return [e.button() for e in self.entries]

    def help_buttons(self) -> list[dict[str, str]]:
        """The help menu: the questions, then "Forget me" (actions/forget.py)."""
        return [
            *self.question_buttons(),
            {"title": self.forget_me_button, "payload": f"/{erasure.INTENT}"},
        ]

    def follow_up_buttons(self, intent: str) -> list[dict[str, str]]:
        """Buttons for the questions related to ``intent`` (at most MAX_RELATED)."""
        entry = self.entry(intent)
        related = entry.related if entry else ()
        return [e.button() for r in related if (e := self.entry(r))]

    def same_topic(self, intent: str) -> list[FaqEntry]:
        """The questions of ``intent``'s topic, in content order (``intent``'s first)."""
        entry = self.entry(intent)
        if entry is None:
            return []
        topic = entry.facet(TOPIC)
        others = [e for e in self.entries if e.facet(TOPIC) == topic and e is not entry]
        return [entry, *others]

    def follow_up(self, intent: str, named: dict[str, str]) -> list[FaqEntry]:
        """The questions a follow-up to ``intent`` can mean: of the same topic, with
        every facet the follow-up ``named`` (e.g. {"country": "kyrgyzstan"}), and
        agreeing with ``intent``'s question on the facets it did not name. An empty
        list: no question of this FAQ answers that combination."""
        entry = self.entry(intent)
        if entry is None or not named:
            return []
        current = dict(entry.facets)

        def fits(candidate: FaqEntry) -> bool:
            facets = dict(candidate.facets)
            if facets.get(TOPIC) != current.get(TOPIC):
                return False
            if any(facets.get(name) != value for name, value in named.items()):
                return False
            return all(
                current.get(name, value) == value
                for name, value in facets.items()
                if name not in named
            )

        return [e for e in self.entries if fits(e)]

    def candidate_buttons(self, intents: list[str]) -> list[dict[str, str]]:
        """Buttons for the candidate questions of "did you mean", then "None of these"."""
        buttons = [e.button() for i in intents if (e := self.entry(i))]
        none = {"title": self.none_of_these_button, "payload": f"/{NONE_OF_THESE_INTENT}"}
        return [*buttons, none]


@dataclass(frozen=True)
class Content:
    """The whole content file: one ``FaqContent`` per language."""

    by_language: dict[str, FaqContent]
    # The reply to a message in a language the bot does not speak: English only,
    # naming the languages it does speak.
    unsupported_language: str

    def language(self, code: Any) -> FaqContent:
        """The content in ``code`` (English for anything the bot does not speak)."""
        return self.by_language[languages.supported(code) or languages.ENGLISH]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Content:
        def text(value: Any, where: str) -> str:
            if not isinstance(value, str) or not value.strip():
                raise ContentError(f"{where} must be a non-empty string")
            return value

        def localized(value: Any, where: str) -> dict[str, str]:
            """A text in every language: ``{en: ..., ru: ..., kk: ..., ko: ...}``."""
            if not isinstance(value, dict) or set(value) != set(languages.LANGUAGES):
                raise ContentError(f"{where} must give exactly {', '.join(languages.LANGUAGES)}")
            return {code: text(value[code], f"{where}.{code}") for code in languages.LANGUAGES}

        items = []
        for i, item in enumerate(data.get("faq") or []):
            intent = text(item.get("intent"), f"faq[{i}].intent")
            if not intent.startswith(FAQ_INTENT_PREFIX):
                raise ContentError(f"faq[{i}].intent must start with {FAQ_INTENT_PREFIX!r}")
            related = item.get("related") or []
            if not isinstance(related, list) or len(related) > MAX_RELATED:
                raise ContentError(f"faq[{i}].related must list at most {MAX_RELATED} intents")
            items.append(
                (
                    intent,
                    localized(item.get("question"), f"faq[{i}].question"),
                    localized(item.get("answer"), f"faq[{i}].answer"),
                    tuple(text(r, f"faq[{i}].related") for r in related),
                    facets_of(item.get("facets"), f"faq[{i}].facets"),
                )
            )
        if not items:
            raise ContentError("the content file has no 'faq' entries")
        intents = [item[0] for item in items]
        if len(set(intents)) != len(intents):
            raise ContentError("each FAQ intent may appear only once")
        for intent, _, _, related, _ in items:
            unknown = [r for r in related if r not in intents or r == intent]
            if unknown or len(set(related)) != len(related):
                raise ContentError(
                    f"{intent}.related must name other FAQ intents, once each: {unknown}"
                )
        texts = data.get("texts")
        if not isinstance(texts, dict):
            raise ContentError("the content file has no 'texts'")
        unknown_texts = sorted(set(texts) - set(TEXT_FIELDS))
        if unknown_texts:
            raise ContentError(f"texts has unknown entries: {unknown_texts}")
        localized_texts = {
            name: localized(texts.get(name), f"texts.{name}") for name in TEXT_FIELDS
        }
        by_language = {
            code: FaqContent(
                entries=tuple(
                    FaqEntry(intent, question[code], answer[code], related, facets)
                    for intent, question, answer, related, facets in items
                ),
                **{name: value[code] for name, value in localized_texts.items()},
            )
            for code in languages.LANGUAGES
        }
        return cls(
            by_language=by_language,
            unsupported_language=text(data.get("unsupported_language"), "unsupported_language"),
        )

    @classmethod
    def load(cls, path: Path) -> Content:
        with path.open(encoding="utf-8") as handle:
            return cls.from_dict(yaml.safe_load(handle) or {})


def facets_of(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    """An entry's facets: a mapping of names to strings that includes the topic."""
    if not isinstance(value, dict) or not isinstance(value.get(TOPIC), str):
        raise ContentError(f"{where} must be a mapping with a '{TOPIC}'")
    if not all(isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()):
        raise ContentError(f"{where} must map names to non-empty strings")
    return tuple(sorted(value.items()))


class ContentStore:
    """Serves the content of one file, re-reading it when its mtime changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._content: Content | None = None

    def get(self) -> Content:
        stat = self.path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp or self._content is None:
                try:
                    self._content = Content.load(self.path)
                except (OSError, yaml.YAMLError, ContentError):
                    if self._content is None:
                        raise
                    # A broken edit must not take the bot down: keep serving the
                    # last good content until the file changes again.
                    logger.exception("Invalid %s; keeping the previous content", self.path)
                self._stamp = stamp
            return self._content


_store = ContentStore(paths.ROOT / settings.get("FAQ_CONTENT_FILE"))


def faq_content() -> Content:
    """The current content, every language (the action server's and the Rasa
    server's: patches/unavailable.py)."""
    return _store.get()
