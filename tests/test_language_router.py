"""The language router (components/language_router.py): an English question is
classified by a classifier trained on English examples only, any other by the joint
one, and the trained router loads back as it was. Real Rasa components (tokenizer,
featurizer, the router) in-process, and the language identifier of bot/language_id.py
trained on the repository's data."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import paths
from bot.language_id import identify
from bot.languages import LANGUAGES
from components.language_router import LanguageRoutedClassifier
from tests import helpers

# Two intents in English and Russian, and one only Russian examples have.
EXAMPLES = {
    "greet": [
        "hello there my friend",
        "good morning to everyone here",
        "hi there, how are you doing",
        "здравствуйте, добрый день",
        "привет, как у тебя дела",
        "доброе утро всем",
    ],
    "goodbye": [
        "goodbye and see you later",
        "bye for now, talk to you soon",
        "see you tomorrow then",
        "до свидания и всего хорошего",
        "пока, увидимся завтра",
        "до встречи, спасибо за разговор",
    ],
    "visa": [
        "нужна ли мне виза в корею",
        "как получить визу для поездки",
        "сколько стоит виза и где её оформить",
    ],
}


class Pipeline:
    """Tokenizer, character n-gram featurizer and router, trained on ``examples``."""

    def __init__(self, tmp_path, examples: dict[str, list[str]], own_model: list[str]) -> None:
        self.storage = LocalModelStorage(tmp_path)
        self.context = ExecutionContext(GraphSchema({}), node_name="router")
        self.config = {"own_model": own_model, "max_iter": 1000, "random_state": 42}
        self.resource = Resource("router")
        self.tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
        featurizer_config = {
            **CountVectorsFeaturizer.get_default_config(),
            "analyzer": "char_wb",
            "min_ngram": 2,
            "max_ngram": 4,
        }
        self.featurizer = CountVectorsFeaturizer.create(
            featurizer_config, self.storage, Resource("features"), self.context
        )
        data = TrainingData(
            [
                Message(data={TEXT: text, INTENT: intent})
                for intent, texts in examples.items()
                for text in texts
            ]
        )
        self.tokenizer.process_training_data(data)
        self.featurizer.train(data)
        self.featurizer.process_training_data(data)
        self.router = LanguageRoutedClassifier.create(
            self.config, self.storage, self.resource, self.context
        )
        self.router.train(data)

    def ranking(self, text: str, router: LanguageRoutedClassifier | None = None) -> dict:
        message = Message(data={TEXT: text})
        self.tokenizer.process([message])
        self.featurizer.process([message])
        (router or self.router).process([message])
        return {e["name"]: e["confidence"] for e in message.get(INTENT_RANKING_KEY)}

    def loaded(self) -> LanguageRoutedClassifier:
        return LanguageRoutedClassifier.load(self.config, self.storage, self.resource, self.context)


def test_the_examples_are_identified_as_their_language():
    """The premise of the tests below: the identifier routes these as written."""
    for texts in EXAMPLES.values():
        for text in texts:
            expected = "ru" if any("а" <= c <= "я" for c in text) else "en"
            assert identify(text).language == expected, text


def test_an_english_question_gets_the_english_classifier(tmp_path):
    pipeline = Pipeline(tmp_path, EXAMPLES, own_model=["en"])
    english = pipeline.ranking("hello, good morning my friend")
    assert set(english) == {"greet", "goodbye"}, "only intents with English examples"
    assert max(english, key=english.get) == "greet"
    russian = pipeline.ranking("где оформить визу в корею")
    assert set(russian) == set(EXAMPLES)
    assert max(russian, key=russian.get) == "visa"


def test_without_own_model_every_question_gets_the_joint_classifier(tmp_path):
    pipeline = Pipeline(tmp_path, EXAMPLES, own_model=[])
    assert set(pipeline.ranking("hello, good morning my friend")) == set(EXAMPLES)


def test_the_loaded_router_ranks_as_the_trained_one(tmp_path):
    pipeline = Pipeline(tmp_path, EXAMPLES, own_model=["en"])
    loaded = pipeline.loaded()
    for text in ["see you later, goodbye", "пока, до завтра", "виза в корею"]:
        assert pipeline.ranking(text, loaded) == pytest.approx(pipeline.ranking(text))


def test_a_language_without_examples_is_a_training_error(tmp_path):
    with pytest.raises(ValueError, match="no training example in ko"):
        Pipeline(tmp_path, EXAMPLES, own_model=["en", "ko"])


def test_the_shipped_pipeline_routes_supported_languages():
    entry = next(
        c
        for c in helpers.load_yaml(paths.CONFIG)["pipeline"]
        if c["name"].endswith("LanguageRoutedClassifier")
    )
    assert entry["own_model"] and set(entry["own_model"]) <= set(LANGUAGES)
