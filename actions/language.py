"""Which language a message is in, and which language to answer in.

**Identifying a message's language** (``identify``):

- The script decides first. Hangul is Korean. Letters of a script the bot does
  not speak (Han, kana, Arabic, Greek, Hebrew, Thai, Devanagari, ...) are an
  unsupported language.
- Cyrillic text is Russian or Kazakh, and Latin text is English, Russian or
  Kazakh typed without a Cyrillic keyboard ("pochemu v kazakhstane koreitsy"),
  or another language. A character n-gram naive Bayes model (``NgramModel``)
  decides. It is trained when first used (about 0.4 s) on the bot's own training
  data, one file per language (``bot.paths.NLU_BY_LANGUAGE``), plus sentences
  in other languages (``actions/other_languages.txt``), so it knows the words
  people use here, in every spelling the data has.
- Why not a general library: py3langid called "pochemu v kazakhstane koreitsy"
  German, "kto vrag severnoi korei" Breton and "Почему в Казахстане так много
  корейцев?" Ukrainian; transliterated questions are what it never saw.
  `make eval` reports how this model does on every held-out set.

**Clear or not**: a message *switches* the conversation's language only when it
is clear. One word ("ok", "Kazakhstan", a name) is never clear between
Latin-script languages, nor between Russian and Kazakh: button clicks and
one-word replies stay in the conversation's language. Korean is clear from its
script alone.

**Answering** (``choose``): the web page's switch (``/set_language``), else a
clear message's language, else the conversation's (the ``language`` slot), else
the channel's hint (Telegram's ``language_code``, the browser's language), else
English. A clear message in an unsupported language gets the English
``unsupported_language`` reply, which names the four languages.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot import languages, paths

OTHER = "other"
OTHER_SAMPLES = Path(__file__).with_name("other_languages.txt")
# Character n-grams of each word, padded with spaces: 1 to 3 characters.
MAX_NGRAM = 3
SMOOTHING = 0.1
# A Latin- or Cyrillic-script message is clear when the model's best language
# beats the runner-up by this many nats per n-gram (make eval, "Languages").
MIN_MARGIN = 0.15
# Words a Latin-script message needs before it can switch the language.
MIN_WORDS = 2
# "Another language" (OTHER) is said more carefully: a wrong call withholds an
# answer. Everyday English the training data lacks ("an unsure question") came
# within 0.2 nats of OTHER; German, French, Spanish and Italian questions were
# 0.5 to 1.2 ahead.
OTHER_MIN_MARGIN = 0.4
OTHER_MIN_WORDS = 3
# Training examples: "[text](entity)" and "[text]{...}" annotations are text.
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
WORD = re.compile(r"[^\W\d_]+")
SCRIPTS_SPOKEN = {"LATIN", "CYRILLIC", "HANGUL"}
CYRILLIC_LANGUAGES = ("ru", "kk")
# Intents that mean "not understood" (FallbackClassifier, the out-of-scope intent).
NOT_UNDERSTOOD = ("nlu_fallback", "out_of_scope")
LATIN_LANGUAGES = ("en", "ru", "kk", OTHER)


def script(char: str) -> str:
    """The first word of the character's Unicode name: LATIN, CYRILLIC, HANGUL, CJK..."""
    try:
        return unicodedata.name(char).split(" ", 1)[0]
    except ValueError:
        return "UNKNOWN"


def ngrams(text: str) -> list[str]:
    grams: list[str] = []
    for word in WORD.findall(text.lower()):
        padded = f" {word} "
        for n in range(1, MAX_NGRAM + 1):
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


class NgramModel:
    """Multinomial naive Bayes over character n-grams."""

    def __init__(self, samples: dict[str, list[str]]) -> None:
        self.counts = {
            lang: Counter(g for text in texts for g in ngrams(text))
            for lang, texts in samples.items()
        }
        self.totals = {lang: sum(c.values()) for lang, c in self.counts.items()}
        self.vocabulary = len(set().union(*self.counts.values()))

    def scores(self, text: str) -> list[tuple[float, str]]:
        """Mean log-likelihood per n-gram of each candidate language, best first."""
        grams = ngrams(text)
        if not grams:
            return []
        scored = []
        for lang in self.counts:
            counts, denominator = self.counts[lang], self.totals[lang] + SMOOTHING * self.vocabulary
            total = sum(math.log((counts[g] + SMOOTHING) / denominator) for g in grams)
            scored.append((total / len(grams), lang))
        return sorted(scored, reverse=True)


def training_texts(path: Path) -> list[str]:
    """The intent examples of an NLU YAML file, annotations stripped."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    texts = []
    for block in data.get("nlu") or []:
        if "intent" in block:
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    texts.append(ANNOTATION.sub(r"\1", line[2:]))
    return texts


def main_script(text: str) -> tuple[str | None, int]:
    """The script most of the text's letters are in, and how many letters it has."""
    letters = Counter(script(c) for c in text if c.isalpha())
    if not letters:
        return None, 0
    return letters.most_common(1)[0][0], sum(letters.values())


@functools.cache
def samples() -> dict[str, list[tuple[str | None, str]]]:
    """(script, text) of every sample, per language (OTHER included); read once."""
    texts = {lang: training_texts(path) for lang, path in paths.NLU_BY_LANGUAGE.items()}
    lines = OTHER_SAMPLES.read_text(encoding="utf-8").splitlines()
    texts[OTHER] = [line for line in lines if line.strip() and not line.startswith("#")]
    return {
        lang: [(main_script(t)[0], t) for t in lang_texts] for lang, lang_texts in texts.items()
    }


@functools.cache
def model(for_script: str) -> NgramModel:
    """The model for text in ``for_script`` (LATIN or CYRILLIC), trained only on
    samples in that script: a Latin-script question is compared with the other
    Latin-script questions of each language, whatever their number."""
    candidates = CYRILLIC_LANGUAGES if for_script == "CYRILLIC" else LATIN_LANGUAGES
    by_language = samples()
    return NgramModel(
        {
            lang: [text for script, text in by_language[lang] if script == for_script]
            for lang in candidates
        }
    )


@dataclass(frozen=True)
class Identified:
    """A message's language (a code of bot/languages.py, or OTHER), or None when
    the message does not say; ``clear``: enough to switch the conversation to it."""

    language: str | None
    clear: bool = False
    # The script most letters are in (LATIN, CYRILLIC, HANGUL, ...).
    script: str | None = None


def identify(text: str) -> Identified:
    main, letters = main_script(text)
    if main is None or letters < 2:
        return Identified(None, script=main)
    if main == "HANGUL":
        return Identified("ko", clear=True, script=main)
    if main not in SCRIPTS_SPOKEN:
        return Identified(OTHER, clear=True, script=main)
    words = len(WORD.findall(text))
    scored = model(main).scores(text)
    (best, language), (second, _) = scored[0], scored[1]
    if language == OTHER:
        clear = words >= OTHER_MIN_WORDS and best - second >= OTHER_MIN_MARGIN
    else:
        clear = words >= MIN_WORDS and best - second >= MIN_MARGIN
    return Identified(language, clear=clear, script=main)


@dataclass(frozen=True)
class Choice:
    """The language to answer in; ``unsupported``: the message is in another one."""

    language: str
    unsupported: bool = False


def choose(parse_data: dict[str, Any], slot: Any) -> Choice:
    """The language to answer the message ``parse_data`` in (see the module doc)."""
    current = languages.supported(slot)
    intent = (parse_data.get("intent") or {}).get("name")
    if intent == languages.SET_LANGUAGE_INTENT:
        for entity in parse_data.get("entities") or []:
            chosen = languages.supported(entity.get("value"))
            if entity.get("entity") == languages.ENTITY and chosen:
                return Choice(chosen)
    metadata = parse_data.get("metadata") or {}
    hint = (
        languages.supported(metadata.get(languages.HINT_METADATA_KEY))
        if isinstance(metadata, dict)
        else None
    )
    fallback = current or hint or languages.ENGLISH
    text = str(parse_data.get("text") or "")
    if not text or text.startswith("/"):
        return Choice(fallback)  # a button: no text to go by
    identified = identify(text)
    # Russian or Kazakh typed in Latin letters is told from English by a few
    # letter patterns, as is a keyboard mash ("qwe rty"): it switches the
    # conversation only when NLU understood the message.
    translit = identified.script == "LATIN" and identified.language in CYRILLIC_LANGUAGES
    if translit and intent in NOT_UNDERSTOOD:
        return Choice(fallback)
    if not identified.clear:
        # Cyrillic is not English whatever its length: even one word ("спасибо")
        # moves a conversation that is not in Russian or Kazakh to one of them.
        if identified.script == "CYRILLIC" and fallback not in CYRILLIC_LANGUAGES:
            return Choice(identified.language or fallback)
        return Choice(fallback)
    if identified.language == OTHER:
        return Choice(fallback, unsupported=True)
    return Choice(identified.language or fallback)
