"""The FAQ content: questions, answers and every text the bot sends, read from
``content/faq.yml``, in each language the bot speaks (bot/languages.py).

The file is the only place each text exists, with its languages side by side.
It is re-read when it changes, so the content owner's edits take effect without
retraining or a restart. ``Content`` holds every language; ``Content.language``
gives ``LanguageContent``, one language's view, which the actions reply from.
"""

from __future__ import annotations

import logging
import sys
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
    "forget_failed",
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
class Question:
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
class LanguageContent:
    """The content in one language: what the actions reply from."""

    entries: tuple[Question, ...]
    # Chit-chat (actions/small_talk.py).
    greet: str
    help: str
    forget_me_button: str
    forgotten: str
    # "forget me" when the erasure could not be committed (patches/store_failures.py).
    forget_failed: str
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

    def entry(self, intent: str | None) -> Question | None:
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

    def same_topic(self, intent: str) -> list[Question]:
        """The questions of ``intent``'s topic, in content order (``intent``'s first)."""
        entry = self.entry(intent)
        if entry is None:
            return []
        topic = entry.facet(TOPIC)
        others = [e for e in self.entries if e.facet(TOPIC) == topic and e is not entry]
        return [entry, *others]

    def follow_up(self, intent: str, named: dict[str, str]) -> list[Question]:
        """The questions a follow-up to ``intent`` can mean: of the same topic, with
        every facet the follow-up ``named`` (e.g. {"country": "kyrgyzstan"}), and
        agreeing with ``intent``'s question on the facets it did not name. An empty
        list: no question of this FAQ answers that combination."""
        entry = self.entry(intent)
        if entry is None or not named:
            return []
        current = dict(entry.facets)

        def fits(candidate: Question) -> bool:
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
    """The whole content file: one ``LanguageContent`` per language."""

    by_language: dict[str, LanguageContent]
    # The reply to a message in a language the bot does not speak: English only,
    # naming the languages it does speak.
    unsupported_language: str

    def language(self, code: Any) -> LanguageContent:
        """The content in ``code`` (English for anything the bot does not speak)."""
        return self.by_language[languages.supported(code) or languages.ENGLISH]

    @classmethod
    def from_dict(cls, data: Any) -> Content:
        """The content of a parsed content file; a ``ContentError`` that names the
        place (``faq[3].question``) for anything missing or of the wrong shape."""
        if not isinstance(data, dict):
            raise ContentError(f"the top level must be a mapping, not {shape(data)}")

        def text(value: Any, where: str) -> str:
            if not isinstance(value, str):
                raise ContentError(f"{where} must be a non-empty string, not {shape(value)}")
            if not value.strip():
                raise ContentError(f"{where} must be a non-empty string")
            return value

        def localized(value: Any, where: str) -> dict[str, str]:
            """A text in every language: ``{en: ..., ru: ..., kk: ..., ko: ...}``."""
            expected = ", ".join(languages.LANGUAGES)
            if not isinstance(value, dict):
                raise ContentError(f"{where} must give exactly {expected}, not {shape(value)}")
            if set(value) != set(languages.LANGUAGES):
                raise ContentError(f"{where} must give exactly {expected}")
            return {code: text(value[code], f"{where}.{code}") for code in languages.LANGUAGES}

        faq = data.get("faq") or []
        if not isinstance(faq, list):
            raise ContentError(f"faq must be a list of entries, not {shape(faq)}")
        items = []
        for i, item in enumerate(faq):
            if not isinstance(item, dict):
                raise ContentError(f"faq[{i}] must be a mapping, not {shape(item)}")
            intent = text(item.get("intent"), f"faq[{i}].intent")
            if not intent.startswith(FAQ_INTENT_PREFIX):
                raise ContentError(f"faq[{i}].intent must start with {FAQ_INTENT_PREFIX!r}")
            related = item.get("related") or []
            if not isinstance(related, list):
                raise ContentError(f"faq[{i}].related must be a list, not {shape(related)}")
            if len(related) > MAX_RELATED:
                raise ContentError(f"faq[{i}].related must list at most {MAX_RELATED} intents")
            items.append(
                (
                    intent,
                    localized(item.get("question"), f"faq[{i}].question"),
                    localized(item.get("answer"), f"faq[{i}].answer"),
                    tuple(text(r, f"faq[{i}].related[{j}]") for j, r in enumerate(related)),
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
        if texts is None:
            raise ContentError("the content file has no 'texts'")
        if not isinstance(texts, dict):
            raise ContentError(f"texts must be a mapping, not {shape(texts)}")
        unknown_texts = sorted(map(str, set(texts) - set(TEXT_FIELDS)))
        if unknown_texts:
            raise ContentError(f"texts has unknown entries: {unknown_texts}")
        localized_texts = {
            name: localized(texts.get(name), f"texts.{name}") for name in TEXT_FIELDS
        }
        for code, template in localized_texts["message_too_long"].items():
            # actions/small_talk.py fills in the limit with str.format.
            try:
                template.format(max_chars="1,000")
            except Exception as error:  # KeyError, ValueError, AttributeError...
                raise ContentError(
                    f"texts.message_too_long.{code} may name only {{max_chars}} in braces"
                    f" ({type(error).__name__}: {error})"
                ) from None
        by_language = {
            code: LanguageContent(
                entries=tuple(
                    Question(intent, question[code], answer[code], related, facets)
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
        """The content of the file at ``path``; a ``ContentError`` with a one-line
        reason when it cannot be read, is not YAML, or is not content."""
        try:
            with path.open(encoding="utf-8") as handle:
                data = yaml.safe_load(handle)
        except (OSError, UnicodeDecodeError) as error:
            raise ContentError(f"cannot read it: {one_line(error)}") from None
        except yaml.YAMLError as error:
            raise ContentError(f"not valid YAML: {yaml_problem(error)}") from None
        return cls.from_dict({} if data is None else data)


def shape(value: Any) -> str:
    """What a YAML value is, in the content owner's words."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"  # a date, a timestamp


def one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def yaml_problem(error: yaml.YAMLError) -> str:
    """Where PyYAML stopped and why, on one line (its own message spans several)."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None)
    if mark is None or not problem:
        return one_line(error)
    return f"line {mark.line + 1}, column {mark.column + 1}: {' '.join(problem.split())}"


def facets_of(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    """An entry's facets: a mapping of names to strings that includes the topic."""
    if not isinstance(value, dict):
        raise ContentError(f"{where} must be a mapping with a '{TOPIC}', not {shape(value)}")
    if not isinstance(value.get(TOPIC), str):
        raise ContentError(f"{where} must be a mapping with a '{TOPIC}'")
    if not all(isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()):
        raise ContentError(f"{where} must map names to non-empty strings")
    return tuple(sorted(value.items()))


class ContentStore:
    """Serves the content of one file, re-reading it when it changes.

    A broken edit must not take the bot down: on any failure to load the file
    (missing, not YAML, the wrong shape, or a bug of ours) the last good content
    is kept and one ERROR line names the file and the problem, once per edit:
    the failed file's stamp is remembered like a good one's, so the next messages
    do not read it again. With no good content yet there is nothing to keep, and
    the error is raised. tests/test_content.py runs this against a real action
    server.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: object = None
        self._content: Content | None = None
        self._broken = False

    def get(self) -> Content:
        try:
            stat = self.path.stat()
            stamp: object = (stat.st_mtime_ns, stat.st_size)
        except OSError as error:
            stamp = one_line(error)  # missing: a state of its own, reported once
        with self._lock:
            if stamp != self._stamp or self._content is None:
                self._stamp = stamp
                try:
                    content = Content.load(self.path)
                except Exception as error:
                    if self._content is None:
                        raise
                    problem = (
                        str(error)
                        if isinstance(error, ContentError)
                        else f"{type(error).__name__}: {one_line(error)}"
                    )
                    logger.error(
                        "Content file %s is broken: %s. "
                        "Keeping the last good content until it is fixed.",
                        self.path,
                        problem,
                    )
                    self._broken = True
                else:
                    if self._broken:
                        logger.info("Content file %s is valid again: serving it.", self.path)
                    self._content, self._broken = content, False
            return self._content


_store = ContentStore(paths.ROOT / settings.get("FAQ_CONTENT_FILE"))


def current() -> Content:
    """The current content, every language (the action server's and the Rasa
    server's: patches/unavailable.py)."""
    return _store.get()


def main() -> int:
    """`python -m bot.content`: check the content file (FAQ_CONTENT_FILE) as
    the action server reads it. `make train` runs it first, so that a broken
    edit stops the build with its reason instead of reaching the servers."""
    path = _store.path
    try:
        content = Content.load(path)
    except ContentError as error:
        print(f"Content file {path} is broken: {error}", file=sys.stderr)
        return 1
    questions = len(content.language(languages.ENGLISH).entries)
    print(
        f"Content file {path}: {questions} questions and {len(TEXT_FIELDS)} texts,"
        f" in {', '.join(languages.LANGUAGES)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
