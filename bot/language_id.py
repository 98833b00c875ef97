"""Which language a message is in: English, Russian, Kazakh, Korean or another.

Two processes ask: the action server, to answer in the asker's language
(actions/language.py), and the NLU pipeline, to send English to its own intent
classifier (components/language_router.py). Both use ``Identifier``, so a message
is routed and answered by one judgement.

- The script decides first. Hangul is Korean. Letters of a script the bot does
  not speak (Han, kana, Arabic, Greek, Hebrew, Thai, Devanagari, ...) are an
  unsupported language.
- Cyrillic text is Russian or Kazakh, and Latin text is English, Russian or
  Kazakh typed without a Cyrillic keyboard ("pochemu v kazakhstane koreitsy"),
  or another language. A character n-gram naive Bayes model (``NgramModel``)
  decides, one per script. It is trained (about 0.4 s) on the bot's own training
  data: each language's file (``bot.paths.NLU_BY_LANGUAGE``) and each question's
  paraphrases in that language (content/questions/), plus sentences in other
  languages (``bot/other_languages.txt``), so it knows the words people
  use here, in every spelling the data has.
- Why not a general library: py3langid called "pochemu v kazakhstane koreitsy"
  German, "kto vrag severnoi korei" Breton and "Почему в Казахстане так много
  корейцев?" Ukrainian; transliterated questions are what it never saw.
  `make eval` reports how this model does on every held-out set.

**Clear or not**: a message *switches* the conversation's language only when it
is clear. One word ("ok", "Kazakhstan", a name) is never clear between
Latin-script languages, nor between Russian and Kazakh: button clicks and
one-word replies stay in the conversation's language. Korean is clear from its
script alone.
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

from bot import paths
from bot.questions import load_all, questions_folder

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
# The languages each script's model chooses between.
CANDIDATES = {"LATIN": ("en", "ru", "kk", OTHER), "CYRILLIC": CYRILLIC_LANGUAGES}


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

    def __init__(self, counts: dict[str, Counter[str]]) -> None:
        self.counts = counts
        self.totals = {lang: sum(c.values()) for lang, c in counts.items()}
        self.vocabulary = len(set().union(*counts.values()))

    @classmethod
    def train(cls, samples: dict[str, list[str]]) -> NgramModel:
        return cls(
            {
                lang: Counter(g for text in texts for g in ngrams(text))
                for lang, texts in samples.items()
            }
        )

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


def sample_texts() -> dict[str, list[str]]:
    """The samples of every language (OTHER included), from the repository's files."""
    texts = {lang: training_texts(path) for lang, path in paths.NLU_BY_LANGUAGE.items()}
    questions, _ = load_all(questions_folder())
    for question in questions:
        for lang, localized in question.by_language.items():
            texts[lang] += [line.text for line in localized.paraphrases]
    lines = OTHER_SAMPLES.read_text(encoding="utf-8").splitlines()
    texts[OTHER] = [line for line in lines if line.strip() and not line.startswith("#")]
    return texts


@dataclass(frozen=True)
class Identified:
    """A message's language (a code of bot/languages.py, or OTHER), or None when
    the message does not say; ``clear``: enough to switch the conversation to it."""

    language: str | None
    clear: bool = False
    # The script most letters are in (LATIN, CYRILLIC, HANGUL, ...).
    script: str | None = None


class Identifier:
    """One n-gram model per script (LATIN, CYRILLIC), each trained only on the
    samples in that script: a Latin-script question is compared with the other
    Latin-script questions of each language, whatever their number."""

    def __init__(self, models: dict[str, NgramModel]) -> None:
        self.models = models

    @classmethod
    def train(cls, samples: dict[str, list[str]]) -> Identifier:
        scripts = {lang: [(main_script(t)[0], t) for t in texts] for lang, texts in samples.items()}
        return cls(
            {
                name: NgramModel.train(
                    {
                        lang: [t for s, t in scripts.get(lang, []) if s == name]
                        for lang in candidates
                    }
                )
                for name, candidates in CANDIDATES.items()
            }
        )

    def to_json(self) -> dict[str, Any]:
        return {name: m.counts for name, m in self.models.items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Identifier:
        return cls(
            {
                name: NgramModel({lang: Counter(c) for lang, c in counts.items()})
                for name, counts in data.items()
            }
        )

    def identify(self, text: str) -> Identified:
        main, letters = main_script(text)
        if main is None or letters < 2:
            return Identified(None, script=main)
        if main == "HANGUL":
            return Identified("ko", clear=True, script=main)
        if main not in SCRIPTS_SPOKEN:
            return Identified(OTHER, clear=True, script=main)
        words = len(WORD.findall(text))
        scored = self.models[main].scores(text)
        (best, language), (second, _) = scored[0], scored[1]
        if language == OTHER:
            clear = words >= OTHER_MIN_WORDS and best - second >= OTHER_MIN_MARGIN
        else:
            clear = words >= MIN_WORDS and best - second >= MIN_MARGIN
        return Identified(language, clear=clear, script=main)


@functools.cache
def default() -> Identifier:
    """The identifier trained on the repository's files (once per process)."""
    return Identifier.train(sample_texts())


def identify(text: str) -> Identified:
    return default().identify(text)
