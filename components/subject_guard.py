"""SubjectGuard: an FAQ answer only for a question that names what the answer is about.

Why. The classifier learns which words point to which question, so a question that
shares the FAQ's pattern but not its subject is answered with confidence:
"who are Tokyo's military allies?" got South Korea's allies, "what is the capital of
Kyrgyzstan?" got why Koreans live there, and "who does South Korea rely on for its
security?" got South Korea's enemy. So each FAQ intent names, in config.yml:

- ``requires``: the subjects its question must mention (South Korea's allies needs a
  word for Korea; why Koreans live in Kyrgyzstan needs Korea and Kyrgyzstan);
- ``relation``: for the questions about relations, its own (friend, ally, enemy). A
  question that names another relation and not this one is not this question; a
  question that names no relation is left to the classifier.

Each concept is a list of word beginnings in the four languages (``concept_<name>``
lookup tables, data/concepts*.yml). When a question fails, the intent's confidence is
capped below the fallback threshold: the bot does not answer it, and "did you mean"
can still offer it.

The measurement (held-out and development sets, same model, with and without the
guard): see the comment at this component in config.yml. Requiring the relation
word too (not only refusing a contradicting one) rejected a few more out-of-scope
questions but cost 2-5 points of held-out FAQ accuracy in Russian and Kazakh, where
relations are said in many ways.

The limit. It checks that words are there, not how they relate: "do Kazakhs need a
visa for Korea?" names Kazakhs and Korea and still gets the FAQ answer, and North
Korea's allies name Korea and an alliance. A subject word missing from a list turns a
right answer into "did you mean"; tests/test_subject_guard.py requires nearly every
training example to pass, so the lists grow with the data.

Matching: lower case; a Latin or Cyrillic entry matches at the start of a word
("korea" matches "korean", "корей" matches "корейцы") and may span words ("get
along"), and anywhere inside a word of LONG_WORD letters or more, which is text typed
without spaces ("врагюжнойкореи"); a Hangul entry matches anywhere once spaces are
removed, because Korean particles attach to the word and people often type without
spaces.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import dump_obj_as_json_to_file, read_json_file

PREFIX = "concept_"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
WORD = re.compile(r"\w+")
FILE = "concepts.json"
# Longer than most Russian and Kazakh words ("қазақстандағы" has 13; "қазақстандықтардың",
# 18, matches at its start anyway): a run of words typed without spaces.
LONG_WORD = 14


def concept_tables(training_data: TrainingData) -> dict[str, list[str]]:
    """The ``concept_<name>`` lookup tables, merged by name across files."""
    tables: dict[str, list[str]] = {}
    for table in training_data.lookup_tables:
        if table["name"].startswith(PREFIX):
            elements = tables.setdefault(table["name"][len(PREFIX) :], [])
            elements += [str(e).strip().lower() for e in table["elements"] if str(e).strip()]
    return tables


class Matcher:
    """Which concepts a text mentions."""

    def __init__(self, concepts: dict[str, list[str]]) -> None:
        self.concepts = concepts
        self.patterns: dict[str, re.Pattern[str] | None] = {}
        self.hangul: dict[str, list[str]] = {}
        self.squashed: dict[str, list[str]] = {}
        for name, entries in concepts.items():
            words = [" ".join(WORD.findall(e)) for e in entries if not HANGUL.search(e)]
            words = sorted({w for w in words if w})
            alternatives = "|".join(map(re.escape, words))
            self.patterns[name] = re.compile(rf"(?<!\w)(?:{alternatives})") if words else None
            self.squashed[name] = [w.replace(" ", "") for w in words]
            self.hangul[name] = [e.replace(" ", "") for e in entries if HANGUL.search(e)]

    def mentioned(self, text: str) -> set[str]:
        words = WORD.findall(text.lower())
        spaced, squashed = " ".join(words), "".join(words)
        long_words = [word for word in words if len(word) >= LONG_WORD]
        return {
            name
            for name in self.concepts
            if (self.patterns[name] is not None and self.patterns[name].search(spaced))
            or any(entry in squashed for entry in self.hangul[name])
            or any(entry in word for word in long_words for entry in self.squashed[name])
        }


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SubjectGuard(GraphComponent, IntentClassifier):
    """Caps the confidence of an FAQ intent whose question lacks its subject or names
    another relation than its own."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # requires: intent -> concepts; relation: intent -> its relation concept;
        # cap: below FallbackClassifier's threshold.
        return {"requires": {}, "relation": {}, "cap": 0.5}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        concepts: dict[str, list[str]] | None = None,
    ) -> None:
        self.requires: dict[str, list[str]] = config["requires"]
        self.relation: dict[str, str] = config["relation"]
        self.relations = set(self.relation.values())
        self.cap = float(config["cap"])
        self._model_storage = model_storage
        self._resource = resource
        self.matcher = Matcher(concepts or {})

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SubjectGuard:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        concepts = concept_tables(training_data)
        named = {c for names in self.requires.values() for c in names} | self.relations
        unknown = sorted(named - set(concepts))
        if unknown:
            raise ValueError(f"SubjectGuard: no lookup table for concept(s) {unknown}")
        self.matcher = Matcher(concepts)
        with self._model_storage.write_to(self._resource) as directory:
            dump_obj_as_json_to_file(directory / FILE, concepts)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SubjectGuard:
        with model_storage.read_from(resource) as directory:
            concepts = read_json_file(directory / FILE)
        return cls(config, model_storage, resource, concepts)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._guard(message)
        return messages

    def fails(self, intent: str, text: str) -> str | None:
        """Why ``text`` cannot be the question of ``intent``, or None."""
        found = self.matcher.mentioned(text)
        missing = [name for name in self.requires.get(intent, []) if name not in found]
        if missing:
            return f"names no {', '.join(missing)}"
        own = self.relation.get(intent)
        others = sorted((found & self.relations) - {own})
        if own and own not in found and others:
            return f"names {', '.join(others)}, not {own}"
        return None

    def _guard(self, message: Message) -> None:
        ranking = message.get(INTENT_RANKING_KEY) or []
        text = message.get(TEXT) or ""
        changed = False
        for entry in ranking:
            if entry["confidence"] > self.cap and self.fails(entry.get("name"), text):
                entry["confidence"] = self.cap
                changed = True
        if changed:
            ranking.sort(key=lambda entry: -entry["confidence"])
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            message.set(INTENT, dict(ranking[0]), add_to_output=True)
