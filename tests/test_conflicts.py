"""Conflict check: training examples of different intents must not be near duplicates.

Two examples of different intents conflict when their similarity (the larger of
word and character-trigram Jaccard after normalisation, tools/similarity.py)
is at least NEAR_DUPLICATE, unless the words that differ include a
discriminator: a word that by design tells the two questions apart.

Our intents come in deliberate contrastive pairs ("...Koreans in Kazakhstan" /
"...in Kyrgyzstan", "South Korea's enemy" / "Korea's enemy", "friends" /
"allies") that are 0.7-0.87 similar, so similarity alone cannot separate a
conflict from a contrast; the discriminators can. At 0.7 the check found one
real conflict, "how many kazakh students are in korea" (faq_kazakhs_in_korea)
against "how many kazakh students study in korea" (out_of_scope): only "are"
and "study" differ. It was removed from the FAQ intent, whose answer is about
workers, not students.
"""

from __future__ import annotations

from itertools import combinations

import pytest

from tests import helpers
from tools.similarity import normalise, similarity, words

NEAR_DUPLICATE = 0.7

# Word prefixes that by design separate intents: the two countries (with common
# misspellings and capitals), the two Koreas (with abbreviations), languages,
# relations between countries, and the other countries of the out-of-scope
# contrasts ("kazakhs in korea" / "kazakhs in mongolia").
DISCRIMINATORS = (
    "kaz", "kyr", "kir", "almaty", "astana", "bishkek",
    "south", "sth", "sk", "rok", "republic",
    "north", "nth", "nk", "dprk", "democratic", "kim",
    "korean", "russia", "japan", "china", "chinese", "mongol", "uzbek", "tajik", "turk",
    "america", "usa", "germ", "india", "vietnam", "iran", "afghan", "taiwan",
    "friend", "ally", "alli", "partner", "enem", "foe", "rival", "advers",
    "hostil", "threat", "danger", "conflict", "odds", "tie",
)  # fmt: skip


def is_discriminator(word: str) -> bool:
    return word.startswith(DISCRIMINATORS)


def conflicts(examples: dict[str, list[str]], threshold: float) -> list[str]:
    """Near-duplicate examples of different intents that no discriminator separates."""
    items = [(intent, text) for intent, texts in examples.items() for text in texts]
    found = []
    for (intent_a, a), (intent_b, b) in combinations(items, 2):
        if intent_a == intent_b:
            continue
        score = similarity(a, b)
        if score >= threshold and not any(map(is_discriminator, words(a) ^ words(b))):
            found.append(f"{score:.2f}  {intent_a}: {a!r}  <>  {intent_b}: {b!r}")
    return found


@pytest.fixture(scope="module")
def training() -> dict[str, list[str]]:
    """The English training examples: data/nlu.yml and each question's paraphrases."""
    examples = helpers.nlu_examples(helpers.NLU_FILE)
    for q in helpers.questions():
        examples[q.intent] = [line.text for line in q.by_language["en"].paraphrases]
    return examples


def test_no_near_duplicate_examples_across_intents(training):
    found = conflicts(training, NEAR_DUPLICATE)
    print("\n".join(["Conflicting training examples:", *found]) if found else "No conflicts.")
    assert found == []


def in_faq_and_out_of_scope(examples: dict[str, list[str]]) -> list[str]:
    """Examples (normalised) that are both in an FAQ intent and in out_of_scope."""
    out_of_scope = {normalise(text) for text in examples.get("out_of_scope", [])}
    return [
        f"{intent}: {text!r}"
        for intent, texts in examples.items()
        if intent.startswith("faq_")
        for text in texts
        if normalise(text) in out_of_scope
    ]


def test_no_example_is_both_an_faq_question_and_out_of_scope(training):
    found = in_faq_and_out_of_scope(training)
    print("\n".join(["In an FAQ intent and out_of_scope:", *found]) if found else "None.")
    assert found == []


def test_the_checks_flag_planted_conflicts_and_spare_contrastive_pairs(training):
    planted = {
        "faq_kazakhs_in_korea": ["how many kazakh students are in korea"],
        "out_of_scope": ["how many kazakh students study in korea"],
        "faq_why_koreans_in_kazakhstan": ["why are there koreans in kazakhstan"],
        "faq_why_koreans_in_kyrgyzstan": ["why are there koreans in kyrgyzstan"],
        "faq_south_korea_enemy": ["who is the enemy of south korea"],
        "faq_north_korea_enemy": ["who is the enemy of korea"],
    }
    (found,) = conflicts(planted, NEAR_DUPLICATE)
    assert "kazakh students are in korea" in found and "kazakh students study" in found

    question = training["faq_korean_spoken_in_kazakhstan"][0]
    copied = {**training, "out_of_scope": [*training["out_of_scope"], question.upper()]}
    assert in_faq_and_out_of_scope(copied) == [f"faq_korean_spoken_in_kazakhstan: {question!r}"]
