"""SubjectGuard: an FAQ answer only for a question that names what the answer is about.

Why. The classifier learns which words point to which question, so a question that
shares the FAQ's pattern but not its subject is answered with confidence:
"who are Tokyo's military allies?" got South Korea's allies, "what is the capital of
Kyrgyzstan?" got why Koreans live there, and "who does South Korea rely on for its
security?" got South Korea's enemy. So each FAQ intent names (in its question's
file; bot/importer.py fills them into this component's config):

- ``requires``: the subjects its question must mention (South Korea's allies needs a
  word for Korea; why Koreans live in Kyrgyzstan needs Korea and Kyrgyzstan);
- ``relation``: for the questions about relations, its own (friend, ally, enemy). A
  question that names another relation and not this one is not this question; a
  question that names no relation is left to the classifier.

Each concept is a list of word beginnings in the four languages (``concept_<name>``
lookup tables, data/concepts*.yml). When a question fails, the intent's confidence is
capped below the fallback threshold: the bot does not answer it, and "did you mean"
can still offer it.

Why a contradicting relation is refused but a missing one is not: requiring the
relation word too cost held-out FAQ accuracy in Russian and Kazakh, where relations
are said in many ways (docs/pipeline.md, measured with `make eval`).

The limit. It checks that words are there, not how they relate: "do Kazakhs need a
visa for Korea?" names Kazakhs and Korea and still gets the FAQ answer, and North
Korea's allies name Korea and an alliance. A subject word missing from a list turns a
right answer into "did you mean"; the content check (tools/content_check.py) names
every paraphrase the guard would refuse, so the lists grow with the data. How words
match: bot/concepts.py.
"""

from __future__ import annotations

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

from bot.concepts import (
    HELD_BACK,
    FacetMatcher,
    Matcher,
    concept_tables,
    facet_tables,
    misfit,
    refusal,
)

# What a text names: its concepts, and its facet values by facet.
Seen = tuple[set[str], dict[str, set[str]]]

FILE = "concepts.json"
FACETS_FILE = "facets.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SubjectGuard(GraphComponent, IntentClassifier):
    """Caps the confidence of an FAQ intent whose question lacks its subject, names
    another relation than its own, or does not fit its facets."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # requires: intent -> concepts; relation: intent -> its relation concept;
        # excludes: intent -> concepts it may not name;
        # facets: intent -> {facet: value} (country, side, relation, aspect);
        # fit_facets: the facets a message may not name another value of;
        # cap: below FallbackClassifier's threshold.
        return {
            "requires": {},
            "relation": {},
            "excludes": {},
            "facets": {},
            "fit_facets": [],
            "cap": 0.5,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        concepts: dict[str, list[str]] | None = None,
        facet_words: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.requires: dict[str, list[str]] = config["requires"]
        self.relation: dict[str, str] = config["relation"]
        self.relations = set(self.relation.values())
        self.excludes: dict[str, list[str]] = config["excludes"]
        self.facets: dict[str, dict[str, str]] = config["facets"]
        self.fit = set(config["fit_facets"])
        self.cap = float(config["cap"])
        self._model_storage = model_storage
        self._resource = resource
        self.matcher = Matcher(concepts or {})
        self.facet_matcher = FacetMatcher(facet_words or {})

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
        concepts = concept_tables(training_data.lookup_tables)
        named = {c for names in self.requires.values() for c in names} | self.relations
        named |= {c for names in self.excludes.values() for c in names}
        unknown = sorted(named - set(concepts))
        if unknown:
            raise ValueError(f"SubjectGuard: no lookup table for concept(s) {unknown}")
        names = {name for facets in self.facets.values() for name in facets}
        synonyms = training_data.entity_synonyms
        facet_words = facet_tables(training_data.lookup_tables, synonyms, names)
        self.matcher, self.facet_matcher = Matcher(concepts), FacetMatcher(facet_words)
        with self._model_storage.write_to(self._resource) as directory:
            dump_obj_as_json_to_file(directory / FILE, concepts)
            dump_obj_as_json_to_file(directory / FACETS_FILE, facet_words)
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
            facet_words = read_json_file(directory / FACETS_FILE)
        return cls(config, model_storage, resource, concepts, facet_words)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._guard(message)
        return messages

    def fails(self, intent: str, text: str, seen: Seen | None = None) -> str | None:
        """Why ``text`` cannot be the question of ``intent``, or None (``seen``: what
        the text names, when already matched)."""
        found, named = seen or self.seen(text)
        return refusal(
            found,
            self.requires.get(intent, []),
            self.relation.get(intent),
            self.relations,
            self.excludes.get(intent, []),
        ) or misfit(named, self.facets.get(intent, {}), self.fit)

    def seen(self, text: str) -> Seen:
        """The concepts and facet values ``text`` names."""
        return self.matcher.mentioned(text), self.facet_matcher.named(text)

    def missing(self, intent: str, text: str, seen: Seen | None = None) -> dict[str, Any]:
        """The subjects ``text`` lacks for ``intent`` ("missing"), and whether that is
        all that keeps it from fitting ("only_missing"): then a conversation that
        has named them can supply them."""
        found, named = seen or self.seen(text)
        own = self.facets.get(intent, {})
        lacking = [name for name in self.requires.get(intent, []) if name not in found]
        other = refusal(
            found, [], self.relation.get(intent), self.relations, self.excludes.get(intent, [])
        ) or misfit(named, own, self.fit)
        # Naming any other country or side ("I meant Kyrgyzstan, not Kazakhstan") is a
        # correction, not a subject left to the conversation.
        elsewhere = any(value != own.get(f) for f in self.fit for value in named.get(f, ()))
        return {"missing": lacking, "only_missing": bool(lacking) and not other and not elsewhere}

    def _guard(self, message: Message) -> None:
        ranking = message.get(INTENT_RANKING_KEY) or []
        text = message.get(TEXT) or ""
        seen = self.seen(text)  # once per message, not per ranked intent
        changed = False
        for position, entry in enumerate(ranking):
            why = self.fails(entry.get("name"), text, seen)
            if why and position == 0:
                # The classifier's own choice does not fit: the fallback says so and
                # offers it, or takes a missing subject from the conversation
                # (actions/fallback.py).
                held = {
                    "intent": entry["name"],
                    "why": why,
                    **self.missing(entry["name"], text, seen),
                }
                message.set(HELD_BACK, held, True)
            if why and entry["confidence"] > self.cap:
                entry["confidence"] = self.cap
                changed = True
        if changed:
            ranking.sort(key=lambda entry: -entry["confidence"])
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            message.set(INTENT, dict(ranking[0]), add_to_output=True)
