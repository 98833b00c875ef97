"""The FAQ content: questions and answers, read from ``content/faq.yml``.

The file is the only place each answer exists. It is re-read when it changes,
so the content owner's edits take effect without retraining or a restart.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot import paths, settings

logger = logging.getLogger(__name__)

FAQ_INTENT_PREFIX = "faq_"
MAX_RELATED = 2
# The button payload of "None of these" (did you mean): an intent of its own.
NONE_OF_THESE_INTENT = "none_of_these"


# The texts around the questions, each required in the content file.
TEXT_FIELDS = (
    "menu_prompt",
    "cannot_answer",
    "did_you_mean_prompt",
    "none_of_these_button",
    "none_of_these_reply",
    "text_only_reply",
    "follow_up_no_answer",
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
    entries: tuple[FaqEntry, ...]
    menu_prompt: str
    cannot_answer: str
    did_you_mean_prompt: str
    none_of_these_button: str
    none_of_these_reply: str
    # The Telegram channel's reply to a non-text message (channels/telegram.py).
    text_only_reply: str
    # A typed follow-up whose combination has no question (actions/follow_up.py).
    follow_up_no_answer: str

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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaqContent:
        def text(value: Any, where: str) -> str:
            if not isinstance(value, str) or not value.strip():
                raise ContentError(f"{where} must be a non-empty string")
            return value

        entries = []
        for i, item in enumerate(data.get("faq") or []):
            intent = text(item.get("intent"), f"faq[{i}].intent")
            if not intent.startswith(FAQ_INTENT_PREFIX):
                raise ContentError(f"faq[{i}].intent must start with {FAQ_INTENT_PREFIX!r}")
            related = item.get("related") or []
            if not isinstance(related, list) or len(related) > MAX_RELATED:
                raise ContentError(f"faq[{i}].related must list at most {MAX_RELATED} intents")
            entries.append(
                FaqEntry(
                    intent=intent,
                    question=text(item.get("question"), f"faq[{i}].question"),
                    answer=text(item.get("answer"), f"faq[{i}].answer"),
                    related=tuple(text(r, f"faq[{i}].related") for r in related),
                    facets=facets_of(item.get("facets"), f"faq[{i}].facets"),
                )
            )
        if not entries:
            raise ContentError("the content file has no 'faq' entries")
        intents = [e.intent for e in entries]
        if len(set(intents)) != len(intents):
            raise ContentError("each FAQ intent may appear only once")
        for entry in entries:
            unknown = [r for r in entry.related if r not in intents or r == entry.intent]
            if unknown or len(set(entry.related)) != len(entry.related):
                raise ContentError(
                    f"{entry.intent}.related must name other FAQ intents, once each: {unknown}"
                )
        return cls(
            entries=tuple(entries),
            **{field: text(data.get(field), field) for field in TEXT_FIELDS},
        )

    @classmethod
    def load(cls, path: Path) -> FaqContent:
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
        self._content: FaqContent | None = None

    def get(self) -> FaqContent:
        stat = self.path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp or self._content is None:
                try:
                    self._content = FaqContent.load(self.path)
                except (OSError, yaml.YAMLError, ContentError):
                    if self._content is None:
                        raise
                    # A broken edit must not take the bot down: keep serving the
                    # last good content until the file changes again.
                    logger.exception("Invalid %s; keeping the previous content", self.path)
                self._stamp = stamp
            return self._content


_store = ContentStore(paths.ROOT / settings.get("FAQ_CONTENT_FILE"))


def faq_content() -> FaqContent:
    """The current FAQ content of the action server."""
    return _store.get()
