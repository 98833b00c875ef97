"""The FAQ content: questions, answers and every text the bot sends, in each
language the bot speaks (bot/languages.py), read from the content folder
(``FAQ_CONTENT_DIR``): one file per question (``questions/<id>.yml``,
bot/questions.py) and the texts around them (``texts.yml``).

Each text exists in one place, with its languages side by side. The folder is
re-read when a file in it changes, so the content owner's edits take effect without
retraining or a restart. ``Content`` holds every language; ``Content.language``
gives ``LanguageContent``, one language's view, which the actions reply from.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot import erasure, languages, paths, settings
from bot.questions import FAQ_INTENT_PREFIX, TOPIC, QuestionSource, load_all
from bot.reloading import Reloading
from bot.yaml_text import one_line, shape, yaml_problem

logger = logging.getLogger(__name__)

# The button payload of "None of these" (did you mean): an intent of its own.
NONE_OF_THESE_INTENT = "none_of_these"


# The texts around the questions (content/texts.yml, ``texts``), each required in
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
    "cannot_answer_exactly",
    "none_of_these_button",
    "none_of_these_reply",
    "text_only_reply",
    "follow_up_no_answer",
    "message_too_long",
    "temporarily_unavailable",
)


class ContentError(ValueError):
    """The content is malformed."""


@dataclass(frozen=True)
class Question:
    intent: str
    question: str
    answer: str
    related: tuple[str, ...] = ()
    # What the question is about (its file's facets): its topic, and the values that
    # tell it from the other questions of the topic (country, side, relation, aspect).
    facets: tuple[tuple[str, str], ...] = ()
    # Concepts a message must not name to get this answer (its file's ``excludes``).
    excludes: tuple[str, ...] = ()
    # Concepts a message must name to get it (its file's ``requires``).
    requires: tuple[str, ...] = ()

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
    # A question that names something its nearest question does not cover
    # (components/subject_guard.py).
    cannot_answer_exactly: str
    none_of_these_button: str
    none_of_these_reply: str
    # The Telegram channel's reply to a non-text message (channels/telegram/input.py).
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
    def from_parts(cls, data: Any, questions: list[QuestionSource]) -> Content:
        """The content of a parsed texts file and the question files; a
        ``ContentError`` that names the place (``texts.greet.ru``) for anything
        missing or of the wrong shape."""
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

        if not questions:
            raise ContentError("there are no questions")
        texts = data.get("texts")
        if texts is None:
            raise ContentError("the texts file has no 'texts'")
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
                    Question(
                        q.intent,
                        q.by_language[code].title,
                        q.by_language[code].answer,
                        tuple(FAQ_INTENT_PREFIX + r for r in q.related),
                        q.facets,
                        q.excludes,
                        q.requires,
                    )
                    for q in questions
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
    def load(cls, folder: Path) -> Content:
        """The content of ``folder``; a ``ContentError`` with a one-line reason
        when a file cannot be read, is not YAML, or is not content (every problem
        of the question files, each as ``file:line``)."""
        questions, problems = load_all(folder / "questions")
        if problems:
            shown = "; ".join(map(str, problems[:5]))
            more = (
                f" (and {len(problems) - 5} more: make check-content)" if len(problems) > 5 else ""
            )
            raise ContentError(shown + more)
        path = folder / "texts.yml"
        try:
            with path.open(encoding="utf-8") as handle:
                data = yaml.safe_load(handle)
        except (OSError, UnicodeDecodeError) as error:
            raise ContentError(f"{path}: cannot read it: {one_line(error)}") from None
        except yaml.YAMLError as error:
            raise ContentError(f"{path}: not valid YAML: {yaml_problem(error)}") from None
        try:
            return cls.from_parts({} if data is None else data, questions)
        except ContentError as error:
            raise ContentError(f"{path}: {error}") from None


class ContentStore:
    """Serves the content of one folder, re-reading it when a file in it changes.

    A broken edit must not take the bot down: on any failure to load the content
    (a file missing, not YAML, the wrong shape, or a bug of ours) the last good
    content is kept and one ERROR line names the file and the problem, once per
    edit (bot/reloading.py). With no good content yet the error is raised.
    tests/test_content.py runs this against a real action server.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder
        self._content = Reloading(
            self.files, lambda: Content.load(folder), self._broken, self._fixed
        )

    def files(self) -> list[Path]:
        return [self.path / "texts.yml", *sorted((self.path / "questions").glob("*.yml"))]

    def get(self) -> Content:
        return self._content.get()

    def _broken(self, error: BaseException) -> None:
        problem = (
            str(error)
            if isinstance(error, ContentError)
            else f"{type(error).__name__}: {one_line(error)}"
        )
        logger.error(
            "Content in %s is broken: %s. Keeping the last good content until it is fixed.",
            self.path,
            problem,
        )

    def _fixed(self) -> None:
        logger.info("Content in %s is valid again: serving it.", self.path)


_store = ContentStore(paths.ROOT / settings.get("FAQ_CONTENT_DIR"))


def current() -> Content:
    """The current content, every language (the action server's and the Rasa
    server's: patches/unavailable.py)."""
    return _store.get()
