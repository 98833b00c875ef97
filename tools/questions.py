"""The content owner's two commands for new questions (README "Add a question"):

- ``python -m tools.questions new <id>`` (``make question ID=<id>``) writes
  content/questions/<id>.yml with a placeholder for everything to fill in, in
  every language;
- ``python -m tools.questions import <file>`` (``make import-questions FILE=<file>``)
  reads question and answer pairs in the format of content/source/faq.txt (a
  question, a blank line, its answer, a blank line, ...) and writes one such file
  per question whose English title is not there yet, with the title and answer
  filled in. Questions already there are left alone.

Placeholders start with TODO: the content check (tools/content_check.py) names
each one still left, and training refuses to start until none is.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from bot import languages, paths
from bot.concepts import read_concept_files
from bot.questions import ID, PLACEHOLDER, QuestionSource, load_all, questions_folder
from tools.content_check import MIN_PARAPHRASES
from tools.similarity import STOPWORDS, normalise

MAX_ID_WORDS = 5


def scaffold(
    question_id: str, order: int, title: str | None = None, answer: str | None = None
) -> str:
    """A question file with placeholders (and the English title and answer, if given)."""
    concepts = ", ".join(sorted(read_concept_files(paths.CONCEPTS_BY_LANGUAGE.values())))
    questions, _ = load_all(questions_folder())
    topics = ", ".join(sorted({q.facet("topic") or "" for q in questions} - {""}))
    lines = [
        "# A new question: replace every TODO, then run `make check-content` until it",
        '# reports no problem, and `make train` (README "Add a question").',
        "# Its place in the menus of questions:",
        f"order: {order}",
        "# What it is about: a topic, and what tells it from the other questions of",
        "# that topic (facets: country, side, relation, aspect), for example",
        "# {topic: koreans_in_central_asia, country: kazakhstan}. The topics so far:",
        f"# {topics}.",
        f"facets: {{topic: {PLACEHOLDER}}}",
        "# What a message must name to get this answer, from:",
        f"# {concepts}.",
        "requires: []",
        "# What a message must NOT name to get this answer (same list), e.g. [language].",
        "excludes: []",
        "# Up to two questions offered as buttons after the answer (their file names).",
        "related: []",
    ]
    for code in languages.LANGUAGES:
        name = languages.NAMES[code]
        given = code == languages.ENGLISH
        first = [f"    - {title}"] if given and title else []
        todo_title = f"{PLACEHOLDER}: the question in {name}, as a button"
        todo_answer = f"{PLACEHOLDER}: the answer in {name}"
        lines += [
            "",
            f"{code}:",
            f"  title: {quoted(title if given and title else todo_title)}",
            f"  answer: {quoted(answer if given and answer else todo_answer)}",
            "  paraphrases: |",
            *first,
            f"    - {PLACEHOLDER}: ways people ask it in {name}, one per line"
            f" (at least {MIN_PARAPHRASES})",
            "  held_out: |",
            f"    - {PLACEHOLDER}: a few more ways in {name}, never trained on:"
            " they measure the bot",
        ]
    return "\n".join(lines) + "\n"


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is one)."""
    return json.dumps(text, ensure_ascii=False)


def next_order(questions: list[QuestionSource]) -> int:
    return max((q.order for q in questions), default=0) + 1


def new(question_id: str) -> int:
    if not ID.match(question_id or ""):
        print(
            "Give the new question an id: lower-case letters, digits and _ (make question"
            " ID=why_koreans_in_uzbekistan)",
            file=sys.stderr,
        )
        return 2
    path = questions_folder() / f"{question_id}.yml"
    if path.exists():
        print(f"{path} already exists: edit it instead.", file=sys.stderr)
        return 1
    questions, _ = load_all(questions_folder())
    path.write_text(scaffold(question_id, next_order(questions)), encoding="utf-8")
    print(f"Created {path}: fill in every TODO, then run `make check-content`.")
    return 0


def pairs(text: str) -> list[tuple[str, str, int]]:
    """(question, answer, line of the question) from the seed format; a
    ``ValueError`` naming the line of a question with no answer."""
    paragraphs: list[tuple[str, int]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            if not current:
                start = number
            current.append(line.strip())
        elif current:
            paragraphs.append((" ".join(current), start))
            current = []
    if current:
        paragraphs.append((" ".join(current), start))
    if len(paragraphs) % 2:
        question, line = paragraphs[-1]
        raise ValueError(f"line {line}: the question {question!r} has no answer after it")
    return [
        (paragraphs[i][0], paragraphs[i + 1][0], paragraphs[i][1])
        for i in range(0, len(paragraphs), 2)
    ]


def slug(question: str, taken: set[str]) -> str:
    """An id from a question's words: "Why are there Koreans in Uzbekistan?" ->
    koreans_uzbekistan; ``question_<n>`` when it has no Latin words."""
    words = [w for w in normalise(question).split() if w not in STOPWORDS]
    words = [w for w in words if re.fullmatch(r"[a-z0-9]+", w)][:MAX_ID_WORDS]
    base = "_".join(words) if words and words[0][0].isalpha() else "question"
    candidate, n = base, 2
    while candidate in taken or candidate == "question":
        candidate, n = f"{base}_{n}", n + 1
    return candidate


def import_file(source: Path) -> int:
    try:
        found = pairs(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        print(f"Cannot read {source}: {error}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"{source}: {error}", file=sys.stderr)
        return 1
    questions, _ = load_all(questions_folder())
    known = {normalise(q.by_language[languages.ENGLISH].title): q.id for q in questions}
    taken = {path.stem for path in questions_folder().glob("*.yml")}
    order = next_order(questions)
    added = 0
    for question, answer, line in found:
        if normalise(question) in known:
            print(f"{source}:{line}: {question!r} is already there ({known[normalise(question)]})")
            continue
        question_id = slug(question, taken)
        taken.add(question_id)
        known[normalise(question)] = question_id
        path = questions_folder() / f"{question_id}.yml"
        path.write_text(scaffold(question_id, order, question, answer), encoding="utf-8")
        print(f"{source}:{line}: {question!r} -> {path}")
        order, added = order + 1, added + 1
    print(
        f"{added} new question(s). Fill in their TODOs (translations, paraphrases, facets),"
        " then run `make check-content`."
        if added
        else "No new questions."
    )
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "new":
        return new(argv[1])
    if len(argv) == 2 and argv[0] == "import":
        return import_file(Path(argv[1]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
