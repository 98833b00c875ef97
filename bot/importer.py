"""Rasa's view of the question files: intents, answer rules, training examples and
the SubjectGuard's settings, derived at training time from content/questions/.

Why an importer rather than a generator. Rasa reads training data only through
importers (``importers:`` in config.yml), so deriving there leaves nothing to
regenerate and nothing to drift: ``rasa train``, ``rasa data validate`` and
``rasa test`` see the same derived data, a question file is the only file a new
question touches, and Rasa's fingerprints retrain when it changes (the derived
settings are part of the SubjectGuard's config). What the derived part holds is
printed by ``python -m bot.importer``; domain.yml, data/*.yml and config.yml keep
everything that is not a question (chit-chat, follow-ups, out-of-scope examples,
concept word lists, the pipeline) and stay plain Rasa files.

Rasa internals relied on: ``TrainingDataImporter.load_from_dict`` builds each
entry of ``importers`` with (config_file, domain_path, training_data_paths), and
``CombinedDataImporter`` merges what they return; ``rasa.model_training`` builds
the graph from ``get_config()``. tests/test_importer.py trains on its output.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.core.training_data.structures import StoryGraph
from rasa.shared.exceptions import RasaException
from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.common import cached_method

from bot import paths
from bot.questions import RELATION, TOPIC, QuestionSource, load_all, questions_folder

# The action that answers every question (actions/faq.py).
ANSWER_ACTION = "action_answer_faq"
# The pipeline component whose settings follow from the questions (config.yml).
GUARD = "components.subject_guard.SubjectGuard"


class ContentProblems(RasaException):
    """The question files have problems: Rasa's CLI prints this, with no stack trace."""


def read_questions(folder: Path | None = None) -> list[QuestionSource]:
    """The questions, or ``ContentProblems`` naming each problem as ``file:line``."""
    questions, problems = load_all(folder or questions_folder())
    if problems:
        listed = "\n".join(f"  {p}" for p in problems)
        raise ContentProblems(
            f"The question files have {len(problems)} problem(s) (make check-content):\n{listed}"
        )
    return questions


def guard_settings(questions: list[QuestionSource]) -> dict[str, Any]:
    """The SubjectGuard's ``requires``, ``relation``, ``excludes`` and ``facets``, from each
    question's own (its facets but the topic)."""
    return {
        "requires": {q.intent: list(q.requires) for q in questions if q.requires},
        "relation": {q.intent: r for q in questions if (r := q.facet(RELATION))},
        "excludes": {q.intent: list(q.excludes) for q in questions if q.excludes},
        "facets": {q.intent: {f: v for f, v in q.facets if f != TOPIC} for q in questions},
    }


def rules(questions: list[QuestionSource]) -> dict[str, Any]:
    """One rule per question: its intent, anywhere in a conversation, is answered."""
    return {
        "version": "3.1",
        "rules": [
            {
                "rule": f"answer {q.intent}",
                "steps": [{"intent": q.intent}, {"action": ANSWER_ACTION}],
            }
            for q in questions
        ],
    }


def training_examples(questions: list[QuestionSource]) -> list[Message]:
    """Every paraphrase of every language (never a held-out line)."""
    return [
        Message.build(text=line.text, intent=q.intent)
        for q in questions
        for localized in q.by_language.values()
        for line in localized.paraphrases
    ]


class FaqImporter(RasaFileImporter):
    """Rasa's file importer, plus what the question files say."""

    def __init__(
        self,
        config_file: str | None = None,
        domain_path: str | None = None,
        training_data_paths: str | list[str] | None = None,
        **_: Any,
    ) -> None:
        super().__init__(config_file, domain_path, training_data_paths)

    @cached_method
    def questions(self) -> list[QuestionSource]:
        return read_questions()

    def get_config(self) -> dict:
        config = copy.deepcopy(super().get_config())
        for component in config.get("pipeline") or []:
            if component.get("name") == GUARD:
                component.update(guard_settings(self.questions()))
        return config

    @cached_method
    def get_domain(self) -> Domain:
        derived = Domain.from_dict({"intents": [q.intent for q in self.questions()]})
        return super().get_domain().merge(derived)

    def get_stories(self, exclusion_percentage: int | None = None) -> StoryGraph:
        reader = YAMLStoryReader(self.get_domain(), source_name=str(questions_folder()))
        derived = StoryGraph(reader.read_from_parsed_yaml(rules(self.questions())))
        return super().get_stories(exclusion_percentage).merge(derived)

    def get_nlu_data(self, language: str | None = "en") -> TrainingData:
        derived = TrainingData(training_examples=training_examples(self.questions()))
        return super().get_nlu_data(language).merge(derived)


def standalone_config(config_file: Path = paths.CONFIG) -> dict[str, Any]:
    """config.yml as this importer gives it to Rasa, without the importer: to train
    on data chosen by hand (k-fold folds, learning curves) with the same pipeline."""
    config = FaqImporter(str(config_file)).get_config()
    config.pop("importers", None)
    return config


def all_training_data(config_file: Path = paths.CONFIG) -> TrainingData:
    """Every NLU example, lookup table and synonym Rasa trains on: data/*.yml and
    every question's paraphrases."""
    importer = FaqImporter(str(config_file), str(paths.DOMAIN), [str(paths.ROOT / "data")])
    return importer.get_nlu_data()


def main() -> int:
    """`python -m bot.importer`: what the question files add to Rasa's data."""
    try:
        questions = read_questions()
    except ContentProblems as error:
        print(error, file=sys.stderr)
        return 1
    examples = training_examples(questions)
    print(f"{len(questions)} questions -> intents: {', '.join(q.intent for q in questions)}")
    print(f"{len(rules(questions)['rules'])} answer rules, {len(examples)} training examples")
    print(f"{GUARD}: {guard_settings(questions)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
