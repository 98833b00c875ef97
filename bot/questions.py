"""The FAQ's questions: one file per question, ``content/questions/<id>.yml``.

A question's file is the one place that holds everything about it: its facets,
what a message must name to get its answer, its related questions, and, in each
language of bot/languages.py, its title, its answer, its training paraphrases
and its held-out lines. Rasa's intents, answer rules, training examples and the
SubjectGuard's settings are derived from these files at training time
(bot/importer.py); the action server reads the titles and answers from them
(bot/content.py). The file name is the question's id, and ``faq_<id>`` its intent.

Reading keeps the line of every field and every paraphrase, so that a problem is
reported as ``file:line`` (tools/content_check.py), and collects every problem
instead of stopping at the first: a content owner fixes them in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot import languages, paths, settings
from bot.concepts import UNCOVERED
from bot.yaml_text import one_line, shape, yaml_problem

FAQ_INTENT_PREFIX = "faq_"
# The slot that remembers which FAQ question the conversation is about (domain.yml),
# set by every answer: a follow-up leans on it (actions/, patches/context.py).
TOPIC_SLOT = "faq_topic"
ID = re.compile(r"[a-z][a-z0-9_]*\Z")
MAX_RELATED = 2
# A text that still starts so is the scaffold's (tools/questions.py) or the
# importer's placeholder: a translation or paraphrase nobody has written yet.
PLACEHOLDER = "TODO"
# The facet every question has; a follow-up stays within the topic being discussed.
TOPIC = "topic"
# The facet of the questions about a country's relations (friend, ally, enemy).
RELATION = "relation"
# What a question file may hold, and in each language.
TOP_KEYS = ("order", "facets", "requires", "excludes", "related", *languages.LANGUAGES)
TEXT_KEYS = ("title", "answer")
LINE_KEYS = ("paraphrases", "held_out")
LANGUAGE_KEYS = (*TEXT_KEYS, *LINE_KEYS)
# Records a problem: (line, message).
Report = Callable[[int, str], None]


@dataclass(frozen=True)
class Problem:
    """What is wrong, and where: ``path:line: id: message``."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.path.stem}: {self.message}"


@dataclass(frozen=True)
class Line:
    """A paraphrase or held-out line, and its line in the file."""

    text: str
    line: int


@dataclass(frozen=True)
class Localized:
    """A question in one language."""

    title: str
    answer: str
    paraphrases: tuple[Line, ...]
    held_out: tuple[Line, ...]


@dataclass(frozen=True)
class QuestionSource:
    """One question file, every language."""

    id: str
    path: Path
    order: int
    facets: tuple[tuple[str, str], ...]
    requires: tuple[str, ...]
    related: tuple[str, ...]  # ids
    by_language: dict[str, Localized]
    # Concepts a message must not name to get this answer (a question about the
    # language is not why Koreans live somewhere).
    excludes: tuple[str, ...] = ()
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def intent(self) -> str:
        return intent_of(self.id)

    def line(self, *keys: str) -> int:
        """The line of a field (``line("ru", "answer")``), else of the nearest parent."""
        return nearest_line(self.lines, keys)

    def facet(self, name: str) -> str | None:
        return dict(self.facets).get(name)


def nearest_line(lines: dict[str, int], keys: tuple[str, ...]) -> int:
    """The line of the field at dotted ``keys``, else of its nearest parent (a
    missing field's section), else 1."""
    for n in range(len(keys), 0, -1):
        if (found := lines.get(".".join(keys[:n]))) is not None:
            return found
    return 1


def intent_of(question_id: str) -> str:
    return FAQ_INTENT_PREFIX + question_id


def questions_folder() -> Path:
    """Where the question files are (``FAQ_CONTENT_DIR``/questions)."""
    return paths.ROOT / settings.get("FAQ_CONTENT_DIR") / "questions"


def question_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.yml"))


def load_all(folder: Path) -> tuple[list[QuestionSource], list[Problem]]:
    """Every question of ``folder`` that could be read, in ``order``, and every
    problem found: in a file, and between files (ids, related, order)."""
    questions: list[QuestionSource] = []
    problems: list[Problem] = []
    for path in question_files(folder):
        question, found = load(path)
        problems += found
        if question is not None:
            questions.append(question)
    questions.sort(key=lambda q: (q.order, q.id))
    ids = {q.id for q in questions}
    orders: dict[int, str] = {}
    for q in questions:
        if q.order in orders:
            problems.append(
                Problem(q.path, q.line("order"), f"order {q.order} is also {orders[q.order]}'s")
            )
        orders.setdefault(q.order, q.id)
        for other in q.related:
            if other not in ids:
                problems.append(
                    Problem(q.path, q.line("related"), f"related names {other!r}: no such question")
                )
    if not question_files(folder):
        problems.append(Problem(folder / "*.yml", 1, "there are no question files"))
    return questions, problems


def load(path: Path) -> tuple[QuestionSource | None, list[Problem]]:
    """One question file: the question (None when it cannot be built) and its problems."""
    problems: list[Problem] = []

    def problem(line: int, message: str) -> None:
        problems.append(Problem(path, line, message))

    if not ID.match(path.stem):
        problem(1, "the file name is the question's id: lower-case letters, digits and _")
        return None, problems
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problem(1, f"cannot read it: {one_line(error)}")
        return None, problems
    try:
        data, lines = parse(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem(mark.line + 1 if mark else 1, f"not valid YAML: {yaml_problem(error)}")
        return None, problems
    if not isinstance(data, dict):
        problem(1, f"a question file is a mapping of {', '.join(TOP_KEYS)}, not {shape(data)}")
        return None, problems

    def at(*keys: str) -> int:
        return nearest_line(lines, keys)

    for key in data:
        if key not in TOP_KEYS:
            problem(at(str(key)), f"unknown field {key!r} (expected {', '.join(TOP_KEYS)})")
    order = data.get("order")
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        problem(at("order"), "order (its place in menus) must be a whole number from 1")
        order = 10**6
    facets = facets_of(data.get("facets"), at("facets"), problem)
    requires = names_of(data.get("requires"), "requires", at("requires"), problem, empty=True)
    related = names_of(data.get("related"), "related", at("related"), problem, empty=True)
    excludes = names_of(data.get("excludes"), "excludes", at("excludes"), problem, empty=True)
    if len(related) > MAX_RELATED:
        problem(at("related"), f"related may name at most {MAX_RELATED} questions")
    if path.stem in related or len(set(related)) != len(related):
        problem(at("related"), "related must name other questions, each once")

    by_language: dict[str, Localized] = {}
    for code in languages.LANGUAGES:
        section = data.get(code)
        if not isinstance(section, dict):
            keys = ", ".join(LANGUAGE_KEYS)
            problem(
                at(code),
                f"the {languages.NAMES[code]} ({code}) section is missing"
                if section is None
                else f"{code} must be a mapping of {keys}, not {shape(section)}",
            )
            continue
        for key in section:
            if key not in LANGUAGE_KEYS:
                problem(at(code, str(key)), f"unknown field {code}.{key}")
        texts = {}
        for key in TEXT_KEYS:
            value = section.get(key)
            where = f"{code}.{key}"
            if not isinstance(value, str) or not value.strip():
                problem(at(code, key), f"{where} ({languages.NAMES[code]}) is missing")
            elif value.strip().startswith(PLACEHOLDER):
                problem(at(code, key), f"{where} ({languages.NAMES[code]}) is still a placeholder")
            texts[key] = value.strip() if isinstance(value, str) else ""
        listed = {
            key: lines_of(section.get(key), f"{code}.{key}", at(code, key), problem)
            for key in LINE_KEYS
        }
        by_language[code] = Localized(texts["title"], texts["answer"], *listed.values())

    question = QuestionSource(
        id=path.stem,
        path=path,
        order=order,
        facets=facets,
        requires=requires,
        related=related,
        by_language=by_language,
        excludes=excludes if UNCOVERED in requires else (*excludes, UNCOVERED),
        lines=lines,
    )
    return (question if len(by_language) == len(languages.LANGUAGES) else None), problems


def parse(text: str) -> tuple[Any, dict[str, int]]:
    """The YAML document, and the 1-based line of each mapping key by its dotted path."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}

    def walk(node: yaml.Node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                path = f"{prefix}{key.value}"
                lines[path] = key.start_mark.line + 1
                walk(value, path + ".")

    if node is not None:
        walk(node, "")
    return data, lines


def facets_of(value: Any, line: int, problem: Report) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict) or not isinstance(value.get(TOPIC), str):
        problem(line, f"facets must be a mapping with a '{TOPIC}', like {{topic: my_topic}}")
        return ()
    if not all(isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()):
        problem(line, "facets must map names to words, like {topic: my_topic, country: x}")
        return ()
    if any(v.startswith(PLACEHOLDER) for v in value.values()):
        problem(line, "facets: the topic (or another facet) is still a placeholder")
    return tuple(sorted(value.items()))


def names_of(value: Any, where: str, line: int, problem: Report, empty: bool) -> tuple[str, ...]:
    if value is None and empty:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and ID.match(v) for v in value):
        problem(line, f"{where} must be a list of names, like [a, b], not {shape(value)}")
        return ()
    return tuple(value)


def lines_of(value: Any, where: str, line: int, problem: Report) -> tuple[Line, ...]:
    """The ``- text`` lines of a block (``key: |``); the block's text starts on
    the line after the key. A line that still is a placeholder is skipped."""
    if value is None:
        return ()
    if not isinstance(value, str):
        problem(line, f"{where} must be a block of '- ' lines after '{where.split('.')[-1]}: |'")
        return ()
    found = []
    for offset, raw in enumerate(value.splitlines()):
        stripped = raw.strip()
        if not stripped:
            continue
        if not stripped.startswith("- ") or not stripped[2:].strip():
            problem(line + 1 + offset, f"{where}: each line must start with '- ' and hold a text")
            continue
        text = stripped[2:].strip()
        if not text.startswith(PLACEHOLDER):
            found.append(Line(text, line + 1 + offset))
    return tuple(found)
