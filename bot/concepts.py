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

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

PREFIX = "concept_"
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
        words = WORD.findall(text.lower())
        spaced, squashed = " ".join(words), "".join(words)
        long_words = [word for word in words if len(word) >= LONG_WORD]
        return {
            name
            for name in self.concepts
            if (self.patterns[name] is not None and self.patterns[name].search(spaced))
            or any(entry in squashed for entry in self.hangul[name])
            or any(entry in word for word in long_words for entry in self.squashed[name])
        }


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


def refusal(
    found: set[str], requires: Iterable[str], own: str | None, relations: set[str]
) -> str | None:
    """Why a text naming the concepts ``found`` is not a question that ``requires``
    those concepts and whose relation is ``own`` (``relations``: every question's),
    or None: a concept missing, or another relation named and not its own."""
    missing = [name for name in requires if name not in found]
    if missing:
        return f"names no {', '.join(missing)}"
    others = sorted((found & relations) - {own})
    if own and own not in found and others:
        return f"names {', '.join(others)}, not {own}"
    return None
