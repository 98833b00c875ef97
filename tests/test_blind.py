"""The blind held-out sets (tests/blind/<code>.yml and tests/blind/round2/<code>.yml,
tools/blind_eval.py) asked of the running bot: never worse than the figures
docs/quality.md and the README quote, and never trained on (no line nearly
duplicates a training example)."""

from __future__ import annotations

import pytest

from bot.importer import all_training_data
from tools.blind_eval import ROUNDS, Figures, evaluate, load_items, report
from tools.similarity import near_duplicate

# The figures of the last `make eval` (docs/quality.md, "Blind held-out sets"), all
# four languages together, per round, with room for about one item either way:
# (in scope right, no answer where none fits, conversations right, most wrong answers).
FLOORS = {
    "round 1": (0.97, 0.985, 0.85, 4),
    "round 2": (0.945, 0.975, 0.795, 4),
}


@pytest.fixture(scope="module")
def outcomes(bot):
    return {name: evaluate(bot.rasa.url, folder=folder) for name, folder in ROUNDS.items()}


def test_every_language_has_a_blind_set_of_every_class():
    for code in ("en", "ru", "kk", "ko"):
        kinds = {item.kind for item in load_items(code)}
        assert {"paraphrase", "near_topic", "wrong_fit", "pronoun", "yes_no"} <= kinds, code
        fresh = {item.kind for item in load_items(code, ROUNDS["round 2"])}
        assert {"statement", "near_topic", "pronoun", "yes_no", "correction"} <= fresh, code


def test_no_blind_line_nearly_duplicates_a_training_example():
    trained = [m.get("text") for m in all_training_data().intent_examples]
    texts = [
        turn
        for folder in ROUNDS.values()
        for path in folder.glob("*.yml")
        for item in load_items(path.stem, folder)
        for turn in item.turns
    ]
    leaked = [t for t in texts if any(near_duplicate(t, twin) for twin in trained)]
    assert leaked == []


@pytest.mark.parametrize("name", list(FLOORS))
def test_the_blind_sets_score_no_worse_than_documented(outcomes, name):
    print("\n".join(report(outcomes[name])))
    figures = Figures.of(outcomes[name])
    in_scope, no_answer, conversations, wrong = FLOORS[name]
    assert figures.wrong_answers <= wrong
    assert figures.in_scope >= in_scope
    assert figures.out_of_scope >= no_answer
    assert figures.conversations >= conversations
