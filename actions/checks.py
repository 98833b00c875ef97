"""A yes/no check on the answer just given: "so was that under Stalin?" after why
Koreans live in Kazakhstan, "а это было в 1995?" after South Korea's enemy. The reply
is that answer again (it holds the fact, or says what is known), not a fallback.

A message counts when it is shaped as a yes/no question (``yes_no``: per language,
below) and names facts of the answer in the conversation's language: a number it
gives, or at least two of its words (compared by their first letters, so that
"deported" meets "deportation" and "Сталина" meets "сталинской"; Korean words by their
first two syllables, as particles attach to them). A question that
asks something else ("how many...", "who...") is never one. Only messages the bot
could not otherwise answer get here (actions/fallback.py, actions/follow_up.py).
"""

from __future__ import annotations

import re

from bot.concepts import does_not_fit
from bot.content import LanguageContent
from bot.question_shape import WORD, yes_no

NUMBER = re.compile(r"\d[\d\s.,\u00a0]*\d|\d")
STEM = 5
MIN_WORD = 4
# A check names at least this much of the answer (``facts_named``): a number, or two
# of its words.
MIN_FACTS = 2


# A Korean word is a few syllables with its particles attached ("스탈린의", "불법으로"):
# its first two syllables stand for it.
HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]{2,}")
HANGUL_STEM = 2


def stems(text: str) -> set[str]:
    lowered = text.lower()
    found = {w[:STEM] for w in WORD.findall(lowered) if len(w) >= MIN_WORD and not w.isdigit()}
    return found | {w[:HANGUL_STEM] for w in HANGUL_WORD.findall(lowered)}


def numbers(text: str) -> set[str]:
    return {re.sub(r"\D", "", n) for n in NUMBER.findall(text)}


def checks_last_answer(content: LanguageContent, topic: str | None, text: str) -> str | None:
    """``topic`` when ``text`` is a yes/no check on its answer, else None."""
    question = content.entry(topic)
    if question is None or not yes_no(text):
        return None
    if does_not_fit(question.facets, question.excludes, text):
        return None  # "and do Kazakhs in Korea speak it?": another question
    return topic if facts_named(text, question.answer) >= MIN_FACTS else None


def facts_named(text: str, answer: str) -> int:
    """How much of ``answer`` ``text`` names: its words, and its numbers twice (one
    number is as good as two words)."""
    return len(stems(text) & stems(answer)) + 2 * len(numbers(text) & numbers(answer))
