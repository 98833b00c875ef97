"""The shape of a message, per language: whether it is a yes/no question (the checks
on the last answer, actions/checks.py and actions/context.py, and the rereading of
messages that point back, patches/context.py, which leaves those to the checks);
which part of it asks (after a story told first); which names it sets aside by a
negation ("not allies"); and which words only carry a follow-up or a correction."""

from __future__ import annotations

import re

WORD = re.compile(r"\w+")

# Words that open a yes/no question in English (after an optional "so"/"and"/"but").
EN_OPENERS = frozenset(
    "is are was were do does did has have had can could will would isnt wasnt arent "
    "werent doesnt didnt really right".split()
)
RU_MARKERS = re.compile(
    r"\bли\b|правильно|верно|\bда\s*\?|\bтак\s*\?|правда\s*\?"
    r"|^\W*(?:а\s+|и\s+)?(?:значит|то есть|выходит|получается|разве|неужели|это|правда)\b",
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
    if set(words) & WH_EN:
        return text.rstrip().endswith("right?")
    # "so South Korea never tried to bring them back?": a statement asked back.
    return first in EN_OPENERS or words[0] == "so" and text.rstrip().endswith("?")


# Words that carry a follow-up or a correction without asking anything of their own
# ("and what about...?", "actually I meant...", "а ...?", "я имел в виду...", "ал ...
# ше?", "кешір, ... айтам", "그럼 ...는?", "아 죄송해요 ...이요"), and function words
# beside a name.
FOLLOW_UP_WORDS = frozenset(
    "and what about how so then ok okay the in of for too also now same it is are "
    "actually i meant mean sorry oops my bad no wait rather instead asking wanted to ask "
    "а и как насчёт насчет про что в у на тогда ну тоже там "
    "извините простите я имел имела виду нет ой точнее вернее спрашивал спрашивала "
    "хотел хотела спросить узнать мне перепутал перепутала стоп "
    "ал ше енді онда туралы да де ғой жақта жақ кешір кешіріңіз айтам қате жаздым жоқ "
    "그럼 그러면 어때 어때요 쪽은 쪽 은 는 요 도 아 아니 아니다 아니요 죄송해요 미안 "
    "미안해요 잘못 썼네요 말하는 말한 거였어 거였어요 이요 나라는 나라".split()
)


def elliptical_words(words: list[str]) -> bool:
    """Whether ``words`` (what a message says besides its names) carry only a
    follow-up: "and Kyrgyzstan?" says nothing of its own about what is asked."""
    return all(word in FOLLOW_UP_WORDS for word in words)


# Where a story told before a question ends: a sentence's end, a colon or dash, a
# comma followed by a question word ("I'm a student in Almaty, why are there so many
# Koreans here?"), and Korean's "-는데/-인데" ("I came to Almaty, and ..."), which
# sets the scene.
ASK_WORDS = (
    "why how what who which where when is are do does did can could would will "
    "почему зачем как кто что сколько какие какой какая где когда есть разве неужели "
    "неге неліктен қалай кім не қанша қандай қайда қашан"
).split()
STORY_END = re.compile(
    r"[.!?;:\u2014\u2013]+\s|\s[-\u2014\u2013]+\s|(?<=[\uac00-\ud7a3]데)[,\s]"
    rf"|,\s+(?=(?:{'|'.join(ASK_WORDS)})\b)",
    re.IGNORECASE,
)


# A name said only to be set aside ("not allies", "не союзники", "одақтас емес",
# "동맹 말고") is not what a message asks about.
# "не" right before the name only: in Kazakh "не" is "what" ("не себептен ..." = why).
NEGATION_BEFORE = re.compile(r"(?:^|\s)(?:not\s+(?:\w+\s+)?|не\s+|без\s+)$")
# After: the rest of the word (a Kazakh ending), then "емес"; in Korean, typed with
# or without spaces, at most a particle between the name and "말고".
NEGATION_WORD = re.compile(r"(?<!\w)(?:not|не|без|емес)(?!\w)|말고|아니고|아니라|빼고")
NEGATION_AFTER = re.compile(r"^\w{0,4}\s+емес\b|^[은는이가을를의도]?\s*(?:말고|아니고|아니라|빼고)")


def negated(text: str, start: int, end: int) -> bool:
    """Whether the name at ``text[start:end]`` is set aside by a negation next to it."""
    return bool(NEGATION_BEFORE.search(text[:start]) or NEGATION_AFTER.match(text[end:]))


def asked(text: str) -> str:
    """The part of ``text`` that asks: what follows the last story end (the whole
    text when the question is its only sentence)."""
    parts = [part for part in STORY_END.split(text.strip()) if part and part.strip()]
    return parts[-1] if parts else text
