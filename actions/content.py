"""The FAQ content: questions and answers, read from ``content/faq.yml``.

The file is the only place each answer exists. It is re-read when it changes,
so the content owner's edits take effect without retraining or a restart.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

logger = logging.getLogger(__name__)

FAQ_INTENT_PREFIX = "faq_"
DEFAULT_CONTENT_FILE = Path(__file__).resolve().parent.parent / "content" / "faq.yml"


class ContentError(ValueError):
    """The content file is malformed."""


@dataclass(frozen=True)
class FaqEntry:
    intent: str
    question: str
    answer: str


@dataclass(frozen=True)
class FaqContent:
    entries: tuple[FaqEntry, ...]
    menu_prompt: str
    cannot_answer: str

    def answer_for(self, intent: str | None) -> str | None:
        """The answer to ``intent``, or None when it is not an FAQ intent we know."""
        for entry in self.entries:
            if entry.intent == intent:
                return entry.answer
        return None

    def question_buttons(self) -> list[dict[str, str]]:
        """One button per question; its payload triggers the intent directly."""
        return [{"title": e.question, "payload": f"/{e.intent}"} for e in self.entries]

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
            entries.append(
                FaqEntry(
                    intent=intent,
                    question=text(item.get("question"), f"faq[{i}].question"),
                    answer=text(item.get("answer"), f"faq[{i}].answer"),
                )
            )
        if not entries:
            raise ContentError("the content file has no 'faq' entries")
        intents = [e.intent for e in entries]
        if len(set(intents)) != len(intents):
            raise ContentError("each FAQ intent may appear only once")
        return cls(
            entries=tuple(entries),
            menu_prompt=text(data.get("menu_prompt"), "menu_prompt"),
            cannot_answer=text(data.get("cannot_answer"), "cannot_answer"),
        )

    @classmethod
    def load(cls, path: Path) -> FaqContent:
        with path.open(encoding="utf-8") as handle:
            return cls.from_dict(yaml.safe_load(handle) or {})


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


_store = ContentStore(Path(os.environ.get("FAQ_CONTENT_FILE", DEFAULT_CONTENT_FILE)))


def faq_content() -> FaqContent:
    """The current FAQ content of the action server."""
    return _store.get()
