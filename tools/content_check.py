"""The content check: `make check-content` (and before every training, and in
`make test`). It names, for each question, exactly what is missing or wrong, as
``file:line: id: what``, so that a content owner can fix it without a developer:

- a missing or placeholder title, answer or translation, a broken file
  (bot/questions.py), a broken texts file (bot/content.py);
- fewer training paraphrases than ``MIN_PARAPHRASES`` in a language
  (docs/paraphrases.md measures why that many);
- no held-out lines in a language;
- a paraphrase that is a near-duplicate of another question's (the classifier
  would be taught one text as two answers) unless a facet word tells them apart
  ("who is enemy of Korea?" / "... of South Korea?": the words of the follow-up
  lookup tables and synonyms of data/nlu*.yml), or a held-out line that is a
  near-duplicate of a paraphrase (a leak: it would measure nothing);
- a paraphrase that the question's own guard would refuse (it names none of the
  words of a concept in ``requires``, data/concepts*.yml): the bot would never
  answer it;
- two questions of one topic whose facets a follow-up cannot tell apart.

Exit status 1 when anything is wrong: bad content never trains silently.
"""

from __future__ import annotations

import math
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot import languages, paths, settings
from bot.concepts import (
    FacetMatcher,
    Matcher,
    misfit,
    refusal,
    repository_facets,
    repository_matcher,
)
from bot.content import Content, ContentError
from bot.questions import RELATION, TOPIC, Line, Problem, QuestionSource, load_all
from tools.similarity import NEAR_DUPLICATE_WORD_JACCARD, near_duplicate, normalise

# From the learning curve of docs/paraphrases.md (`python -m tools.paraphrase_curve`):
# below MIN_PARAPHRASES a question is mostly not recognised (refused); below the
# recommendation it is recognised less often than today's questions (a note).
MIN_PARAPHRASES = 20
RECOMMENDED_PARAPHRASES = {"en": 80, "kk": 80, "ru": 90, "ko": 90}
MIN_HELD_OUT = 1


@dataclass(frozen=True)
class Text:
    """A paraphrase or held-out line, with its question and language."""

    question: QuestionSource
    language: str
    line: Line


def repeated(question: QuestionSource) -> list[Problem]:
    """Paraphrases that repeat an earlier one of the same question and language (up to
    case, spacing and punctuation): Rasa would train on the same example twice."""
    found = []
    for code, localized in question.by_language.items():
        first: dict[str, int] = {}
        for line in localized.paraphrases:
            key = normalise(line.text)
            if key in first:
                found.append(
                    Problem(
                        question.path,
                        line.line,
                        f"{code} paraphrase {line.text!r} repeats line {first[key]}: remove one",
                    )
                )
            first.setdefault(key, line.line)
    return found


def check(folder: Path) -> list[Problem]:
    """Every problem of the content in ``folder`` (texts.yml and questions/)."""
    questions, problems = load_all(folder / "questions")
    try:
        Content.load(folder)
    except ContentError as error:
        if not problems:  # else the same problems, already listed one by one
            problems.append(Problem(folder / "texts.yml", 1, str(error)))
    matcher = repository_matcher()
    facet_matcher, fit = repository_facets()
    for question in questions:
        problems += unknown_concepts(question, set(matcher.concepts))
        problems += counts(question)
        problems += repeated(question)
        problems += refused(question, questions, matcher, facet_matcher, fit)
    problems += duplicates(questions, facet_words(questions))
    problems += indistinguishable(questions)
    return sorted(set(problems), key=lambda p: (str(p.path), p.line, p.message))


def unknown_concepts(question: QuestionSource, known: set[str]) -> list[Problem]:
    """``requires`` or ``excludes`` naming a concept no data/concepts*.yml lists."""
    return [
        Problem(
            question.path,
            question.line(field),
            f"{field} names {name!r}: no such concept (data/concepts*.yml has"
            f" {', '.join(sorted(known))})",
        )
        for field, names in (("requires", question.requires), ("excludes", question.excludes))
        for name in names
        if name not in known
    ]


def counts(question: QuestionSource) -> list[Problem]:
    found = []
    for code, localized in question.by_language.items():
        name = languages.NAMES[code]
        if len(localized.paraphrases) < MIN_PARAPHRASES:
            found.append(
                Problem(
                    question.path,
                    question.line(code, "paraphrases"),
                    f"{code}.paraphrases: {len(localized.paraphrases)} in {name}; at least"
                    f" {MIN_PARAPHRASES} are needed for the bot to recognise the question"
                    " (docs/paraphrases.md)",
                )
            )
        if len(localized.held_out) < MIN_HELD_OUT:
            found.append(
                Problem(
                    question.path,
                    question.line(code, "held_out"),
                    f"{code}.held_out: no held-out lines in {name}; write a few ways of"
                    " asking that are not among the paraphrases (they measure the bot)",
                )
            )
    return found


def notes(questions: list[QuestionSource]) -> list[Problem]:
    """Questions with fewer paraphrases than recommended: not refused, but said."""
    found = []
    for question in questions:
        for code, localized in question.by_language.items():
            recommended = RECOMMENDED_PARAPHRASES.get(code, MIN_PARAPHRASES)
            if MIN_PARAPHRASES <= len(localized.paraphrases) < recommended:
                found.append(
                    Problem(
                        question.path,
                        question.line(code, "paraphrases"),
                        f"note: {code}.paraphrases: {len(localized.paraphrases)}; with"
                        f" {recommended} it would be recognised as often as today's questions"
                        " (docs/paraphrases.md)",
                    )
                )
    return found


def refused(
    question: QuestionSource,
    questions: list[QuestionSource],
    matcher: Matcher,
    facet_matcher: FacetMatcher,
    fit: frozenset[str],
) -> list[Problem]:
    """Paraphrases that the question's own guard would refuse (components/subject_guard.py)."""
    relations = {r for q in questions if (r := q.facet(RELATION))}
    facets = {name: value for name, value in question.facets if name != TOPIC}
    found = []
    for code, localized in question.by_language.items():
        for line in localized.paraphrases:
            why = refusal(
                matcher.mentioned(line.text),
                question.requires,
                question.facet(RELATION),
                relations,
                question.excludes,
            ) or misfit(facet_matcher.named(line.text), facets, fit)
            if why:
                found.append(
                    Problem(
                        question.path,
                        line.line,
                        f"{code} paraphrase {line.text!r} {why}: the question's guard"
                        f" (requires: {', '.join(question.requires) or 'nothing'}; facets:"
                        f" {facets or 'none'}) would refuse it. Reword it, or add the missing"
                        f" word to data/{paths.CONCEPTS_BY_LANGUAGE[code].name}",
                    )
                )
    return found


def facet_words(questions: list[QuestionSource]) -> frozenset[str]:
    """The words that name a facet value: the entries of the lookup tables named
    after a facet (country, side, ...) and of the synonyms of their values."""
    names = {name for q in questions for name, _ in q.facets}
    values = {value for q in questions for _, value in q.facets}
    words: set[str] = set()
    for path in paths.NLU_BY_LANGUAGE.values():
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if item.get("lookup") in names or item.get("synonym") in values:
                for line in str(item.get("examples") or "").splitlines():
                    words.update(normalise(line.strip()[2:]).split())
                words.update(normalise(str(item.get("synonym") or "")).split())
    return frozenset(words)


def duplicates(questions: list[QuestionSource], facets: frozenset[str]) -> list[Problem]:
    """Near-duplicate paraphrases of two questions that no facet word tells apart,
    and held-out lines that are near-duplicates of any paraphrase (tools/similarity.py)."""
    paraphrases = [
        Text(q, code, line)
        for q in questions
        for code, localized in q.by_language.items()
        for line in localized.paraphrases
    ]
    held_out = [
        Text(q, code, line)
        for q in questions
        for code, localized in q.by_language.items()
        for line in localized.held_out
    ]
    found = []
    for a, b in similar_pairs(paraphrases, paraphrases, same_question=False):
        differ = set(normalise(a.line.text).split()) ^ set(normalise(b.line.text).split())
        if a.question.id < b.question.id and not differ & facets:
            for one, other in ((a, b), (b, a)):
                found.append(
                    Problem(
                        one.question.path,
                        one.line.line,
                        f"{one.language} paraphrase {one.line.text!r} is a near-duplicate of"
                        f" {other.question.id}'s {other.line.text!r}"
                        f" ({other.question.path.name}:{other.line.line}):"
                        " keep it in one question only",
                    )
                )
    for held, paraphrase in similar_pairs(held_out, paraphrases, same_question=True):
        found.append(
            Problem(
                held.question.path,
                held.line.line,
                f"{held.language} held-out line {held.line.text!r} is a near-duplicate of the"
                f" paraphrase {paraphrase.line.text!r}"
                f" ({paraphrase.question.path.name}:{paraphrase.line.line}):"
                " a held-out line must be new to the bot",
            )
        )
    return found


def similar_pairs(
    left: list[Text], right: list[Text], same_question: bool
) -> Iterable[tuple[Text, Text]]:
    """Pairs (l, r) with ``near_duplicate(l, r)``, l not r (and of two questions
    unless ``same_question``), found through a prefix
    index: sets with word Jaccard >= t share a word among the first |A| - ceil(t|A|) + 1
    of their rarest words, so only those candidates are compared."""
    threshold = NEAR_DUPLICATE_WORD_JACCARD
    words = {id(t): sorted(set(normalise(t.line.text).split())) for t in [*left, *right]}
    frequency = Counter(w for t in right for w in words[id(t)])

    def prefix(text: Text) -> list[str]:
        ordered = sorted(words[id(text)], key=lambda w: (frequency[w], w))
        return ordered[: len(ordered) - math.ceil(threshold * len(ordered)) + 1]

    index: dict[str, list[Text]] = defaultdict(list)
    for text in right:
        for word in prefix(text):
            index[word].append(text)
    for text in left:
        seen: set[int] = set()
        for word in prefix(text):
            for other in index[word]:
                if other is text or id(other) in seen:
                    continue
                if not same_question and other.question is text.question:
                    continue
                seen.add(id(other))
                if near_duplicate(text.line.text, other.line.text):
                    yield text, other


def indistinguishable(questions: list[QuestionSource]) -> list[Problem]:
    """Two questions of one topic where one's facets hold all of the other's: a
    follow-up that names them cannot choose (actions/follow_up.py)."""
    found = []
    for i, a in enumerate(questions):
        for b in questions[i + 1 :]:
            fa, fb = set(a.facets), set(b.facets)
            if a.facet(TOPIC) == b.facet(TOPIC) and (fa <= fb or fb <= fa):
                for one, other in ((a, b), (b, a)):
                    found.append(
                        Problem(
                            one.path,
                            one.line("facets"),
                            f"facets {dict(one.facets)} cannot be told from {other.id}'s"
                            f" {dict(other.facets)} by a follow-up: give each a value of"
                            " its own (a country, side, relation or aspect)",
                        )
                    )
    return found


def main() -> int:
    folder = paths.ROOT / settings.get("FAQ_CONTENT_DIR")
    problems = check(folder)
    for problem in problems:
        print(problem)
    if problems:
        ids = {p.path.stem for p in problems}
        print(
            f"\n{len(problems)} problem(s) in {len(ids)} file(s) of {folder}: fix them and"
            " run `make check-content` again.",
            file=sys.stderr,
        )
        return 1
    questions, _ = load_all(folder / "questions")
    for note in notes(questions):
        print(note)
    print(
        f"Content in {folder}: {len(questions)} questions, each in"
        f" {', '.join(languages.LANGUAGES)}, with at least {MIN_PARAPHRASES} paraphrases"
        " per language: no problems."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
