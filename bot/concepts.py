"""Which concepts a text names: the word lists of the SubjectGuard
(components/subject_guard.py), also read by the content check (tools/content_check.py)
without loading Rasa's NLU stack.

Each concept is a ``concept_<name>`` lookup table in data/concepts*.yml: a list of
word beginnings in every language. Matching: lower case; a Latin or Cyrillic entry
matches at the start of a word ("korea" matches "korean", "корей" matches
"корейцы") and may span words ("get along"), and anywhere inside a word of
LONG_WORD letters or more, which is text typed without spaces ("врагюжнойкореи");
a Hangul entry matches anywhere once spaces are removed, because Korean particles
attach to the word and people often type without spaces.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from bot.question_shape import NEGATION_WORD, asked, negated

# The parse data key in which the SubjectGuard names the classifier's first choice
# when it held it back, and why ({"intent": ..., "why": ...}); the fallback action
# reads it to say "not exactly that" and offer that question.
HELD_BACK = "held_back"

PREFIX = "concept_"
# Topics next to the FAQ that no answer covers (pay, visas, food...: the
# ``concept_uncovered`` lists of data/concepts*.yml). Every question excludes them
# unless it requires them (bot/questions.py): a question near an answer but not
# covered by it gets the honest near miss instead of the neighbouring answer.
# They are looked for only in the part of a message that asks (``asked``): "I'm a
# student in Bishkek. Why are there so many Koreans here?" asks about Koreans.
UNCOVERED = "uncovered"
ASKED_ONLY = frozenset({UNCOVERED})
# Words that point back to what the conversation was about ("they", "there", "it"):
# the ``concept_pointer`` lists of data/concepts*.yml (patches/context.py). Short
# words ("он", "их"), so never looked for inside a run of words typed without spaces.
POINTER = "pointer"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
WORD = re.compile(r"\w+")
# Longer than most Russian and Kazakh words ("қазақстандағы" has 13; "қазақстандықтардың",
# 18, matches at its start anyway): a run of words typed without spaces.
LONG_WORD = 14


def concept_tables(lookup_tables: list[dict[str, Any]]) -> dict[str, list[str]]:
    """The ``concept_<name>`` lookup tables (Rasa's ``{name, elements}``), merged by
    name across files."""
    tables: dict[str, list[str]] = {}
    for table in lookup_tables:
        if table["name"].startswith(PREFIX):
            elements = tables.setdefault(table["name"][len(PREFIX) :], [])
            elements += [str(e).strip().lower() for e in table["elements"] if str(e).strip()]
    return tables


class Matcher:
    """Which concepts a text mentions."""

    def __init__(self, concepts: dict[str, list[str]]) -> None:
        self.concepts = concepts
        self.patterns: dict[str, re.Pattern[str] | None] = {}
        self.hangul: dict[str, list[str]] = {}
        self.squashed: dict[str, list[str]] = {}
        for name, entries in concepts.items():
            words = [" ".join(WORD.findall(e)) for e in entries if not HANGUL.search(e)]
            words = sorted({w for w in words if w})
            alternatives = "|".join(map(re.escape, words))
            self.patterns[name] = re.compile(rf"(?<!\w)(?:{alternatives})") if words else None
            self.squashed[name] = [w.replace(" ", "") for w in words]
            self.hangul[name] = [e.replace(" ", "") for e in entries if HANGUL.search(e)]

    def mentioned(self, text: str) -> set[str]:
        found = self._matching(text, self.concepts.keys() - ASKED_ONLY)
        return found | self._matching(asked(text), self.concepts.keys() & ASKED_ONLY)

    def _matching(self, text: str, names: Iterable[str]) -> set[str]:
        words = WORD.findall(text.lower())
        spaced, squashed = " ".join(words), "".join(words)
        long_words = [word for word in words if len(word) >= LONG_WORD]
        # Most messages hold no negation: then any occurrence counts.
        kept = _said if NEGATION_WORD.search(spaced) else _found
        return {
            name
            for name in names
            if (self.patterns[name] is not None and kept(self.patterns[name], spaced))
            or any(_said_in(squashed, entry) for entry in self.hangul[name] if entry in squashed)
            or name != POINTER
            and any(entry in word for word in long_words for entry in self.squashed[name])
        }


def _found(pattern: re.Pattern[str], text: str) -> bool:
    return pattern.search(text) is not None


def _said(pattern: re.Pattern[str], text: str) -> bool:
    return any(not negated(text, m.start(), m.end()) for m in pattern.finditer(text))


def _said_in(squashed: str, entry: str) -> bool:
    """Whether ``entry`` occurs in Korean text (spaces removed) not set aside."""
    at = squashed.find(entry)
    while at >= 0:
        if not negated(squashed, at, at + len(entry)):
            return True
        at = squashed.find(entry, at + 1)
    return False


def read_concept_files(files: Iterable[Path]) -> dict[str, list[str]]:
    """The concept tables of Rasa NLU files (``- lookup: concept_x`` entries)."""
    lookup_tables = []
    for path in files:
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if isinstance(item, dict) and "lookup" in item:
                examples = str(item.get("examples") or "")
                elements = [line.strip()[2:] for line in examples.splitlines() if line.strip()]
                lookup_tables.append({"name": item["lookup"], "elements": elements})
    return concept_tables(lookup_tables)


@functools.cache
def repository_matcher() -> Matcher:
    """The concepts of data/concepts*.yml, read once per process (the action server
    judges follow-ups with the words the SubjectGuard judges questions with)."""
    from bot import paths

    return Matcher(read_concept_files(paths.CONCEPTS_BY_LANGUAGE.values()))


@functools.cache
def repository_facets() -> tuple[FacetMatcher, frozenset[str]]:
    """The facet words of data/nlu*.yml and the SubjectGuard's ``fit_facets``
    (config.yml), read once per process: the action server's view of fit."""
    from bot import paths

    config = yaml.safe_load(paths.CONFIG.read_text(encoding="utf-8"))
    guard = [c for c in config["pipeline"] if c["name"].endswith("SubjectGuard")]
    fit = frozenset(guard[0].get("fit_facets") or []) if guard else frozenset()
    return FacetMatcher(read_facet_files(paths.NLU_BY_LANGUAGE.values(), fit)), fit


def does_not_fit(facets: Iterable[tuple[str, str]], excludes: Iterable[str], text: str) -> bool:
    """Whether ``text`` names a concept of ``excludes``, or another country or side
    than ``facets`` hold and not theirs (the SubjectGuard's rules, for the actions)."""
    matcher, fit = repository_facets()
    return (
        names_excluded(excludes, text) or misfit(matcher.named(text), dict(facets), fit) is not None
    )


def names_excluded(excludes: Iterable[str], text: str) -> bool:
    """Whether ``text`` names a concept of ``excludes``."""
    return bool(set(excludes) & repository_matcher().mentioned(text)) if excludes else False


def refusal(
    found: set[str],
    requires: Iterable[str],
    own: str | None,
    relations: set[str],
    excludes: Iterable[str] = (),
) -> str | None:
    """Why a text naming the concepts ``found`` is not a question that ``requires``
    those concepts, ``excludes`` others, and whose relation is ``own``
    (``relations``: every question's), or None: a concept missing, an excluded one
    named, or another relation named and not its own."""
    missing = [name for name in requires if name not in found]
    if missing:
        return f"names no {', '.join(missing)}"
    excluded = [name for name in excludes if name in found]
    if excluded:
        return f"names {', '.join(excluded)}, which it is not about"
    others = sorted((found & relations) - {own})
    if own and own not in found and others:
        return f"names {', '.join(others)}, not {own}"
    return None


class FacetMatcher:
    """Which facet values a text names (the follow-up lookup tables of data/nlu*.yml,
    each entry mapped to its value by the synonyms): {"country": {"uzbekistan"}}.

    Latin and Cyrillic entries match as whole words (the tables list the inflected
    forms people type); Hangul entries anywhere once spaces are removed, as particles
    attach to the word."""

    def __init__(self, tables: dict[str, dict[str, str]]) -> None:
        self.tables = tables
        self.patterns: dict[str, list[tuple[re.Pattern[str], str]]] = {}
        self.hangul: dict[str, list[tuple[str, str]]] = {}
        for name, entries in tables.items():
            self.patterns[name] = [
                (re.compile(rf"(?<!\w){re.escape(entry)}(?!\w)"), value)
                for entry, value in entries.items()
                if not HANGUL.search(entry)
            ]
            self.hangul[name] = [
                (entry.replace(" ", ""), value)
                for entry, value in entries.items()
                if HANGUL.search(entry)
            ]

    def named(self, text: str) -> dict[str, set[str]]:
        lowered = text.lower()
        squashed = "".join(lowered.split())
        found: dict[str, set[str]] = {}
        for name in self.tables:
            values = {value for pattern, value in self.patterns[name] if pattern.search(lowered)}
            values |= {value for entry, value in self.hangul[name] if entry in squashed}
            if values:
                found[name] = values
        return found

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """Where ``text`` names a facet value: (start, end, value), Latin and
        Cyrillic entries only."""
        lowered = text.lower()
        return [
            (found.start(), found.end(), value)
            for name in self.tables
            for pattern, value in self.patterns[name]
            for found in pattern.finditer(lowered)
        ]


def facet_tables(
    lookup_tables: list[dict[str, Any]], synonyms: dict[str, str], names: Iterable[str]
) -> dict[str, dict[str, str]]:
    """For each facet name, its lookup table's entries and the value each stands for."""
    wanted = set(names)
    lowered = {str(k).lower(): str(v).lower() for k, v in synonyms.items()}
    tables: dict[str, dict[str, str]] = {}
    for table in lookup_tables:
        if table["name"] in wanted:
            entries = tables.setdefault(table["name"], {})
            for element in table["elements"]:
                entry = str(element).strip().lower()
                if entry:
                    entries[entry] = lowered.get(entry, entry)
    return tables


def read_facet_files(files: Iterable[Path], names: Iterable[str]) -> dict[str, dict[str, str]]:
    """The facet tables of Rasa NLU files (``- lookup: <facet>`` and ``- synonym:``)."""
    lookup_tables, synonyms = [], {}
    for path in files:
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if not isinstance(item, dict):
                continue
            examples = str(item.get("examples") or "")
            elements = [line.strip()[2:] for line in examples.splitlines() if line.strip()]
            if "lookup" in item:
                lookup_tables.append({"name": item["lookup"], "elements": elements})
            elif "synonym" in item:
                synonyms.update({element: str(item["synonym"]) for element in elements})
    return facet_tables(lookup_tables, synonyms, names)


def misfit(named: dict[str, set[str]], facets: dict[str, str], fit: Iterable[str]) -> str | None:
    """Why a text naming the facet values ``named`` does not fit a question with
    ``facets``, or None: for a facet in ``fit``, it names another value and not the
    question's own ("Koreans in Uzbekistan" for Kazakhstan's question, North Korea's
    allies for South Korea's)."""
    for name in sorted(set(fit) & set(named)):
        own = facets.get(name)
        if own is not None and own not in named[name]:
            return f"names {name} {', '.join(sorted(named[name]))}, not {own}"
    return None


def subject_words(text: str, concepts: Iterable[str], values: Iterable[str] | None = None) -> str:
    """The words of ``text`` that name a subject: one of ``concepts``, or a country
    or side (one of ``values``, or any with None). For a question's title, its
    required concepts and facet values: "Why does Kazakhstan have Koreans?" ->
    "Kazakhstan Koreans"; "Кто враг Южной Кореи?" -> "Южной Кореи"."""
    matcher, _ = repository_facets()
    wanted = set(concepts)
    kept = None if values is None else set(values)
    named = [(a, b) for a, b, value in matcher.spans(text) if kept is None or value in kept]

    def names_a_value(word: str) -> bool:
        # Korean names, which ``spans`` leaves out (they sit inside their word).
        found = set().union(*matcher.named(word).values())
        return bool(found) and (kept is None or bool(found & kept))

    return " ".join(
        found.group()
        for found in WORD.finditer(text)
        if repository_matcher().mentioned(found.group()) & wanted
        or any(start <= found.start() < end for start, end in named)
        or names_a_value(found.group())
    )
