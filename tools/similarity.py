"""Text similarity for the conflict check (tests) and `make review`: one definition.

Texts are normalised (lower case, apostrophes dropped, punctuation as spaces),
then compared as sets: of words, and of character trigrams inside words
(spaces padded), with the Jaccard index (shared / all).
"""

from __future__ import annotations

import re

PUNCTUATION = re.compile(r"[^\w ]")


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped, punctuation as spaces, single spaces."""
    text = text.lower().replace("’", "").replace("'", "")
    return " ".join(PUNCTUATION.sub(" ", text).split())


# Words that carry no topic, for grouping questions (`make review`). The
# conflict check keeps them: there, "is" vs "are" must not hide a conflict.
STOPWORDS = frozenset(
    "a an the is are was were be do does did what whats which who whos how why when where "
    "in on of at to for from with about and or me my i you your can could would please "
    "tell like there".split()
)


def words(text: str, stopwords: frozenset[str] = frozenset()) -> frozenset[str]:
    return frozenset(w for w in normalise(text).split() if w not in stopwords)


def trigrams(text: str, stopwords: frozenset[str] = frozenset()) -> frozenset[str]:
    grams: set[str] = set()
    for word in words(text, stopwords):
        padded = f" {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


# A held-out line this close to a training line is a training point in disguise.
NEAR_DUPLICATE_WORD_JACCARD = 0.8


def near_duplicate(a: str, b: str) -> bool:
    """The same words in any order (as a multiset), or word Jaccard of at least
    ``NEAR_DUPLICATE_WORD_JACCARD``, after normalising."""
    words_a, words_b = normalise(a).split(), normalise(b).split()
    if sorted(words_a) == sorted(words_b):
        return True
    return jaccard(frozenset(words_a), frozenset(words_b)) >= NEAR_DUPLICATE_WORD_JACCARD


def similarity(a: str, b: str, stopwords: frozenset[str] = frozenset()) -> float:
    """The larger of word and character-trigram Jaccard similarity, 0..1,
    ignoring ``stopwords``."""
    return max(
        jaccard(words(a, stopwords), words(b, stopwords)),
        jaccard(trigrams(a, stopwords), trigrams(b, stopwords)),
    )
