"""Whether a message is shaped as a yes/no question, per language: read by the yes/no
checks on the last answer (actions/checks.py, actions/context.py) and by the
rereading of messages that point back (patches/context.py), which leaves yes/no
questions to those checks."""

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
