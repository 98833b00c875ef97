"""One place per fact: every FAQ intent has exactly its seed answer, and back."""

from __future__ import annotations

from typing import Any

import pytest

from actions.content import ContentError, FaqContent
from tests import helpers
from tools.evaluate import NO_ANSWER, load_follow_ups
from tools.similarity import near_duplicate


def catalog_problems(domain: dict[str, Any], content: dict[str, Any]) -> list[str]:
    """FAQ intents without an answer, and answers without an FAQ intent."""
    intents = set(helpers.faq_intents(domain))
    answered = {entry["intent"] for entry in content["faq"]}
    problems = [f"intent {i} has no answer" for i in intents - answered]
    problems += [f"answer for {i} has no intent" for i in answered - intents]
    return sorted(problems)


def test_every_faq_intent_has_an_answer_and_every_answer_an_intent(domain):
    assert len(helpers.faq_intents(domain)) == 9
    assert catalog_problems(domain, helpers.content()) == []


def test_catalog_check_catches_a_missing_answer_and_an_orphan_answer(domain):
    content = helpers.content()
    content["faq"] = [e for e in content["faq"] if e["intent"] != "faq_kazakhs_in_korea"]
    content["faq"].append({"intent": "faq_capital_of_korea", "question": "?", "answer": "Seoul."})
    assert catalog_problems(domain, content) == [
        "answer for faq_capital_of_korea has no intent",
        "intent faq_kazakhs_in_korea has no answer",
    ]


def test_content_matches_the_seed_word_for_word_and_in_order(seed):
    entries = helpers.content()["faq"]
    assert [(e["question"], e["answer"]) for e in entries] == seed


def test_content_file_loads_and_rejects_broken_entries():
    content = FaqContent.load(helpers.CONTENT_FILE)
    assert len(content.entries) == 9
    broken = helpers.content()
    broken["faq"].append(dict(broken["faq"][0]))
    with pytest.raises(ContentError, match="only once"):
        FaqContent.from_dict(broken)
    broken["faq"][-1] = {"intent": "faq_x", "question": "Q?", "answer": "  "}
    with pytest.raises(ContentError, match="answer"):
        FaqContent.from_dict(broken)


def test_each_answer_text_exists_once_in_the_repo(seed):
    """Once in content/faq.yml, which the bot reads; besides that only in the
    user's own seed document (content/source/), kept unchanged as the reference."""
    files = helpers.repo_files()
    assert helpers.CONTENT_FILE in files and helpers.SEED_FILE in files
    for _question, answer in seed:
        places = [p for p in files if answer in p.read_text(encoding="utf-8", errors="ignore")]
        assert sorted(places) == sorted([helpers.CONTENT_FILE, helpers.SEED_FILE]), answer[:40]


def test_every_faq_intent_has_a_rule_to_the_answer_action(domain):
    rules = helpers.load_yaml(helpers.RULES_FILE)["rules"]
    answered = {
        rule["steps"][0]["intent"]
        for rule in rules
        if rule["steps"][-1].get("action") == "action_answer_faq"
    }
    assert answered == set(helpers.faq_intents(domain))


@pytest.fixture(scope="module")
def training() -> dict[str, list[str]]:
    return helpers.nlu_examples(helpers.NLU_FILE)


@pytest.fixture(scope="module")
def holdout() -> dict[str, list[str]]:
    return helpers.nlu_examples(helpers.HOLDOUT_FILE)


def test_training_data_size(domain, training):
    for intent in helpers.faq_intents(domain):
        assert len(training[intent]) >= 30, intent
    assert len(training["out_of_scope"]) >= 80


def test_seed_questions_are_training_examples(seed, training):
    for entry, (question, _answer) in zip(helpers.content()["faq"], seed, strict=True):
        assert question in training[entry["intent"]]


def test_no_example_is_repeated_or_under_two_intents(training):
    seen: dict[str, str] = {}
    for intent, examples in training.items():
        for example in examples:
            key = helpers.normalise(example)
            assert key not in seen, f"{example!r} in {intent} and {seen[key]}"
            seen[key] = intent


def test_holdout_size_and_intents(domain, holdout):
    assert set(holdout) == set(helpers.faq_intents(domain)) | {"out_of_scope"}
    for intent in helpers.faq_intents(domain):
        assert len(holdout[intent]) >= 10, intent
    assert len(holdout["out_of_scope"]) >= 40


@pytest.fixture(scope="module")
def follow_ups():
    return load_follow_ups(helpers.FOLLOWUPS_FILE)


def test_follow_up_holdout_size_and_answers(domain, follow_ups):
    expected = [pair.expected for pair in follow_ups]
    assert len(follow_ups) >= 40
    assert expected.count(NO_ANSWER) >= 12
    assert set(expected) <= set(helpers.faq_intents(domain)) | {NO_ANSWER}
    # Every way of leaning on a question is there: each FAQ question is reached.
    assert set(helpers.faq_intents(domain)) - set(expected) == {"faq_kazakhs_in_korea"}


def test_follow_up_holdout_has_no_near_duplicate_of_training_data(training, follow_ups):
    trained = [example for examples in training.values() for example in examples]
    leaked = [
        (pair.follow_up, twin)
        for pair in follow_ups
        for twin in trained
        if near_duplicate(pair.follow_up, twin)
    ]
    assert leaked == []


def test_holdout_has_no_near_duplicate_of_training_data(training, holdout):
    """A held-out line may not be a training line reworded by order or by a word
    or two (same words, or word Jaccard >= 0.8): to a bag-of-words pipeline
    that is a training point, and the held-out figures would flatter the model."""
    trained = [example for examples in training.values() for example in examples]
    leaked = [
        (example, twin)
        for examples in holdout.values()
        for example in examples
        for twin in trained
        if near_duplicate(example, twin)
    ]
    assert leaked == []


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("is korean related to kazakh", "is kazakh related to korean", True),  # word order
        ("who are south korea's main allies", "who are south korea's allies", True),  # 5/6
        ("Why do Koreans live in Kazakhstan?", "why do koreans live in kazakhstan", True),
        ("is korean related to kazakh", "is there any kinship between korean and kazakh", False),
    ],
)
def test_the_near_duplicate_rule(a, b, expected):
    assert near_duplicate(a, b) is expected
