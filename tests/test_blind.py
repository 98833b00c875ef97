"""The blind held-out sets (tests/blind/<code>.yml, tools/blind_eval.py) asked of the
running bot: never worse than the figures docs/quality.md and the README quote,
and never trained on (no line nearly duplicates a training example)."""

from __future__ import annotations

import pytest

from bot.importer import all_training_data
from tools.blind_eval import BLIND, Figures, evaluate, load_items, report
from tools.similarity import near_duplicate

# The figures of the last `make eval` (docs/quality.md, "Blind held-out sets"), all
# four languages together, with room for one item either way.
IN_SCOPE_AT_LEAST = 0.955
NO_ANSWER_AT_LEAST = 0.945
CONVERSATIONS_AT_LEAST = 0.69
WRONG_ANSWERS_AT_MOST = 18


@pytest.fixture(scope="module")
def outcomes(bot):
    return evaluate(bot.rasa.url)


def test_every_language_has_a_blind_set_of_every_class():
    for code in ("en", "ru", "kk", "ko"):
        kinds = {item.kind for item in load_items(code)}
        assert {"paraphrase", "near_topic", "wrong_fit", "pronoun", "yes_no"} <= kinds, code


def test_no_blind_line_nearly_duplicates_a_training_example():
    trained = [m.get("text") for m in all_training_data().intent_examples]
    texts = [
        turn for path in BLIND.glob("*.yml") for i in load_items(path.stem) for turn in i.turns
    ]
    leaked = [t for t in texts if any(near_duplicate(t, twin) for twin in trained)]
    assert leaked == []


def test_the_blind_sets_score_no_worse_than_documented(outcomes):
    print("\n".join(report(outcomes)))
    figures = Figures.of(outcomes)
    assert figures.wrong_answers <= WRONG_ANSWERS_AT_MOST
    assert figures.in_scope >= IN_SCOPE_AT_LEAST
    assert figures.out_of_scope >= NO_ANSWER_AT_LEAST
    assert figures.conversations >= CONVERSATIONS_AT_LEAST
