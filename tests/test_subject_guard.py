"""The subject guard (components/subject_guard.py): its word lists cover the training
data, its configuration (derived from the questions' files) names every FAQ intent,
and it caps what it should."""

from __future__ import annotations

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import paths
from bot.concepts import POINTER, UNCOVERED
from bot.importer import standalone_config
from components.subject_guard import Matcher, SubjectGuard, concept_tables
from tests import helpers


def pipeline_entry(name: str) -> dict:
    """A component's config as Rasa trains it: config.yml through the importer."""
    return next(c for c in standalone_config()["pipeline"] if c["name"].endswith(name))


@pytest.fixture(scope="module")
def requires() -> dict[str, list[str]]:
    return pipeline_entry("SubjectGuard")["requires"]


@pytest.fixture(scope="module")
def concept_files() -> TrainingData:
    """data/concepts*.yml as Rasa reads them for training."""
    files = paths.CONCEPTS_BY_LANGUAGE.values()
    return TrainingData().merge(*(load_data(str(path)) for path in files))


@pytest.fixture(scope="module")
def concepts(concept_files) -> dict[str, list[str]]:
    """The word lists as the component trains on them."""
    return concept_tables(concept_files.lookup_tables)


def test_every_faq_intent_requires_concepts_that_exist(requires, concepts, concept_files):
    faq = helpers.faq_intents()
    assert sorted(requires) == sorted(faq)
    relation = pipeline_entry("SubjectGuard")["relation"]
    assert set(relation) <= set(faq)
    excludes = pipeline_entry("SubjectGuard")["excludes"]
    used = {c for names in [*requires.values(), *excludes.values()] for c in names}
    used |= set(relation.values())
    # The pointer words are read before the guard, by patches/context.py.
    assert used | {POINTER} == set(concepts), "a concept without a list, or a list nobody uses"
    for table in concept_files.lookup_tables:
        entries = [str(e) for e in table["elements"]]
        assert entries == [e.lower() for e in entries], f"{table['name']}: entries are lower case"


def test_the_cap_is_below_the_fallback_threshold():
    assert pipeline_entry("SubjectGuard")["cap"] < pipeline_entry("FallbackClassifier")["threshold"]


@pytest.mark.parametrize("language", list(paths.NLU_BY_LANGUAGE))
def test_every_paraphrase_passes_its_own_questions_guard(language, concepts, tmp_path):
    """The trained component agrees with the content check (bot/concepts.py), which
    refuses any paraphrase its question's guard would refuse."""
    component = guard(concepts, tmp_path)
    lacking = [
        f"{q.intent}: {line.text!r} {reason}"
        for q in helpers.questions()
        for line in q.by_language[language].paraphrases
        if (reason := component.fails(q.intent, line.text))
    ]
    assert lacking == []


def test_matching_rules():
    matcher = Matcher({"korea": ["korea", "корей", "한국"], "enemy": ["enem", "at odds"]})
    assert matcher.mentioned("Who are SOUTH KOREA's enemies?") == {"korea", "enemy"}
    assert matcher.mentioned("корейцы") == {"korea"}  # a word's beginning
    assert matcher.mentioned("northkorea") == set()  # not inside a word
    assert matcher.mentioned("ктоугрожаеткорейцам") == {"korea"}  # unless typed without spaces
    assert matcher.mentioned("who is seoul at  odds with") == {"enemy"}  # across words
    assert matcher.mentioned("한국이랑적대하는나라") == {"korea"}  # Hangul anywhere
    assert matcher.mentioned("who are tokyo's enemies") == {"enemy"}


def test_topics_no_answer_covers_are_looked_for_only_in_the_part_that_asks():
    matcher = Matcher({"korea": ["korea"], UNCOVERED: ["student", "salar", "학생"]})
    assert matcher.mentioned("What do Kazakh students in Korea pay?") == {"korea", UNCOVERED}
    assert matcher.mentioned("I'm a student. Why are there Koreans here?") == {"korea"}
    assert matcher.mentioned("I'm a student: why are there Koreans here?") == {"korea"}
    assert matcher.mentioned("I study in Korea. What's the salary there?") == {"korea", UNCOVERED}
    assert matcher.mentioned("교환학생으로 왔는데 고려인이 왜 많아?") == set()
    assert matcher.mentioned("고려인 학생이 많아?") == {UNCOVERED}


def test_a_name_set_aside_by_a_negation_is_not_mentioned():
    matcher = Matcher(
        {"ally": ["all", "союзн", "동맹", "одақтас"], "friend": ["friend", "дру", "친한"]}
    )
    assert matcher.mentioned("not allies, the friends") == {"friend"}
    assert matcher.mentioned("не союзники, а друзья") == {"friend"}
    assert matcher.mentioned("동맹 말고 친한 나라") == {"friend"}
    assert matcher.mentioned("одақтас емес") == set()
    assert matcher.mentioned("who are the allies, not the friends") == {"ally"}
    # Kazakh "не" is "what": "не себептен" (why) sets nothing aside.
    kyrgyz = Matcher({"kyrgyzstan": ["қырғыз"]})
    assert kyrgyz.mentioned("не себептен қырғызстанда корейлер тұрады?") == {"kyrgyzstan"}


def test_every_question_excludes_the_topics_no_answer_covers():
    for question in helpers.questions():
        assert UNCOVERED in question.excludes, question.id


def guard(concepts: dict[str, list[str]], tmp_path) -> SubjectGuard:
    config = {**SubjectGuard.get_default_config(), **pipeline_entry("SubjectGuard")}
    storage = LocalModelStorage(tmp_path)
    return SubjectGuard(config, storage, Resource("guard"), concepts)


def parsed(text: str, ranking: list[tuple[str, float]]) -> Message:
    message = Message(data={TEXT: text})
    entries = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message.set(INTENT_RANKING_KEY, entries)
    message.set(INTENT, dict(entries[0]))
    return message


def test_a_question_without_its_subject_is_capped_below_the_threshold(concepts, tmp_path):
    component = guard(concepts, tmp_path)
    ranking = [
        ("faq_south_korea_allies", 0.85),
        ("out_of_scope", 0.1),
        ("faq_south_korea_friends", 0.05),
    ]
    [message] = component.process([parsed("who are tokyo's closest allies?", ranking)])
    assert message.get(INTENT) == {"name": "faq_south_korea_allies", "confidence": 0.5}
    assert [e["name"] for e in message.get(INTENT_RANKING_KEY)][:2] == [
        "faq_south_korea_allies",
        "out_of_scope",
    ]


def test_a_question_naming_another_relation_is_capped(concepts, tmp_path):
    component = guard(concepts, tmp_path)
    ranking = [("faq_south_korea_enemy", 0.7), ("faq_south_korea_allies", 0.25)]
    [message] = component.process([parsed("who is south korea's closest ally?", ranking)])
    # enemy names ally, not enemy: capped at 0.5; allies passes and keeps 0.25
    assert message.get(INTENT) == {"name": "faq_south_korea_enemy", "confidence": 0.5}
    assert component.fails("faq_south_korea_enemy", "who is south korea's ally") == (
        "names ally, not enemy"
    )
    # its own relation, or none at all, is left to the classifier
    for text in ("who is south korea's enemy?", "who is south korea up against?"):
        [kept] = component.process([parsed(text, ranking)])
        assert kept.get(INTENT) == {"name": "faq_south_korea_enemy", "confidence": 0.7}


def test_a_capped_question_keeps_its_place_in_did_you_mean(concepts, tmp_path):
    component = guard(concepts, tmp_path)
    ranking = [("faq_why_koreans_in_kyrgyzstan", 0.9), ("out_of_scope", 0.05)]
    [message] = component.process([parsed("what is the capital of kyrgyzstan?", ranking)])
    assert [(e["name"], e["confidence"]) for e in message.get(INTENT_RANKING_KEY)] == [
        ("faq_why_koreans_in_kyrgyzstan", 0.5),
        ("out_of_scope", 0.05),
    ]
