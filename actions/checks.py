"""A yes/no check on the answer just given: "so was that under Stalin?" after why
Koreans live in Kazakhstan, "а это было в 1995?" after South Korea's enemy. The reply
is that answer again (it holds the fact, or says what is known), not a fallback.

A message counts when it is shaped as a yes/no question (``yes_no``: per language,
below) and names facts of the answer in the conversation's language: a number it
gives, or at least two of its words (compared by their first letters, so that
"deported" meets "deportation" and "Сталина" meets "сталинской"). A question that
asks something else ("how many...", "who...") is never one. Only messages the bot
could not otherwise answer get here (actions/fallback.py, actions/follow_up.py).
"""

from __future__ import annotations

import re

from bot.concepts import does_not_fit
from bot.content import LanguageContent

WORD = re.compile(r"\w+")
NUMBER = re.compile(r"\d[\d\s.,\u00a0]*\d|\d")
STEM = 5
MIN_WORD = 4
# Words that open a yes/no question in English (after an optional "so"/"and"/"but").
EN_OPENERS = frozenset(
    "is are was were do does did has have had can could will would isnt wasnt arent "
    "werent doesnt didnt really right".split()
)
RU_MARKERS = re.compile(
    r"\bли\b|правильно|верно|\bда\s*\?|\bтак\s*\?|правда\s*\?"
    r"|^\W*(?:а\s+|и\s+)?(?:значит|то есть|выходит|получается|разве|неужели|это)\b",
    re.I,
)
KK_MARKERS = re.compile(r"\b(ма|ме|ба|бе|па|пе)\b\s*\??\s*$|\b(ма|ме|ба|бе|па|пе)\s*\?", re.I)
KO_WH = re.compile(r"누구|무엇|뭐|어디|왜|어떻게|몇|언제|어느|얼마")
# A Korean question ends so; endings that also end statements ("-요", "-어") count
# only with a question mark ("북한 말한 거였어요" is a correction, not a check).
KO_END = re.compile(r"(?:지|죠|까|니|냐)\s*\??\s*$|(?:요|야|어|아|나)\s*\?\s*$")
WH_EN = frozenset("who what which why how where when whom whose".split())


def yes_no(text: str) -> bool:
    words = WORD.findall(text.lower().replace("'", ""))
    if not words:
        return False
    if re.search(r"[\uac00-\ud7a3]", text):
        return not KO_WH.search(text) and bool(KO_END.search(text.strip()))
    if re.search(r"[\u0400-\u04ff]", text):
        return bool(RU_MARKERS.search(text) or KK_MARKERS.search(text.strip()))
    first = words[1] if words[0] in ("so", "and", "but") and len(words) > 1 else words[0]
    return first in EN_OPENERS and not set(words) & WH_EN or text.rstrip().endswith("right?")


def stems(text: str) -> set[str]:
    return {w[:STEM] for w in WORD.findall(text.lower()) if len(w) >= MIN_WORD and not w.isdigit()}


def numbers(text: str) -> set[str]:
    return {re.sub(r"\D", "", n) for n in NUMBER.findall(text)}


def checks_last_answer(content: LanguageContent, topic: str | None, text: str) -> str | None:
    """``topic`` when ``text`` is a yes/no check on its answer, else None."""
    question = content.entry(topic)
    if question is None or not yes_no(text):
        return None
    if does_not_fit(question.facets, question.excludes, text):
        return None  # "and do Kazakhs in Korea speak it?": another question
    answer = question.answer
    if numbers(text) & numbers(answer):
        return topic
    return topic if len(stems(text) & stems(answer)) >= 2 else None
