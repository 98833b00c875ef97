"""One place per fact: every FAQ intent has exactly its seed answer, and back."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from actions.catalog import answer_response_for
from tests import helpers


def catalog_problems(domain: dict[str, Any]) -> list[str]:
    """FAQ intents without an answer, and answers without an FAQ intent."""
    intents = set(helpers.faq_intents(domain))
    answers = {
        name
        for name in domain["responses"]
        if name.startswith("utter_faq_")  # answer responses are utter_<faq intent>
    }
    problems = [f"intent {i} has no response {answer_response_for(i)}" for i in intents
                if answer_response_for(i) not in answers]  # fmt: skip
    problems += [f"response {a} answers no intent" for a in answers
                 if a.removeprefix("utter_") not in intents]  # fmt: skip
    return sorted(problems)


def test_every_faq_intent_has_one_answer_and_every_answer_an_intent(domain):
    assert len(helpers.faq_intents(domain)) == 9
    assert catalog_problems(domain) == []


def test_catalog_check_catches_a_missing_answer_and_an_orphan_answer(domain):
    broken = copy.deepcopy(domain)
    del broken["responses"]["utter_faq_kazakhs_in_korea"]
    broken["responses"]["utter_faq_capital_of_korea"] = [{"text": "Seoul."}]
    assert catalog_problems(broken) == [
        "intent faq_kazakhs_in_korea has no response utter_faq_kazakhs_in_korea",
        "response utter_faq_capital_of_korea answers no intent",
    ]


def test_answers_are_the_seed_answers_word_for_word(domain, seed):
    by_intent = helpers.seed_by_intent(domain)
    assert sorted(by_intent) == sorted(helpers.faq_intents(domain))
    for intent, (_question, answer) in by_intent.items():
        assert helpers.response_texts(domain, f"utter_{intent}") == [answer]


def test_menu_lists_the_nine_seed_questions_in_order(domain, seed):
    buttons = helpers.menu_buttons(domain)
    assert [b["title"] for b in buttons] == [question for question, _ in seed]
    assert sorted(b["payload"] for b in buttons) == sorted(
        f"/{i}" for i in helpers.faq_intents(domain)
    )


def test_each_answer_text_exists_once_in_the_repo(seed):
    tracked = [
        p
        for p in helpers.ROOT.rglob("*")
        if p.is_file()
        and p.suffix in {".yml", ".yaml", ".py", ".md", ".json", ".txt"}
        and not {".venv", "models", "build", "var", "reports", "results", ".git"} & set(
            p.relative_to(helpers.ROOT).parts
        )
    ]
    for _question, answer in seed:
        places = [p for p in tracked if answer in p.read_text(encoding="utf-8", errors="ignore")]
        assert [p.name for p in places] == ["domain.yml"], answer[:40]


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


def test_seed_questions_are_training_examples(domain, training):
    for intent, (question, _answer) in helpers.seed_by_intent(domain).items():
        assert question in training[intent]


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


def test_holdout_is_never_training_data(training, holdout):
    trained = {helpers.normalise(e) for examples in training.values() for e in examples}
    leaked = [e for examples in holdout.values() for e in examples
              if helpers.normalise(e) in trained]  # fmt: skip
    assert leaked == []
