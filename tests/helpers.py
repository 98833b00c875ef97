"""Shared test helpers: project files, the seed FAQ and NLU data."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import requests
import yaml

from bot import paths
from bot.paths import ROOT as ROOT
from bot.questions import QuestionSource, intent_of, load_all
from channels.inbound import MAX_USER_MESSAGE_CHARS
from tools.similarity import normalise as normalise

# The repository's files (one definition each: bot/paths.py), as the tests name them.
CONTENT_DIR = paths.CONTENT
QUESTIONS_DIR = paths.QUESTIONS
TEXTS_FILE = paths.TEXTS
FOLLOWUPS_FILE = paths.FOLLOWUPS_HOLDOUT
DOMAIN_FILE = paths.DOMAIN
NLU_FILE = paths.NLU
RULES_FILE = paths.RULES
MODEL = paths.MODEL
SEED_FILE = paths.SEED  # the user's seed FAQ, committed unchanged (content/source/)


def fetch_tracker(rasa_url: str, token: str, conversation_id: str) -> dict[str, Any]:
    """A conversation as Rasa's HTTP API returns it (the API is on behind ``token``)."""
    reply = requests.get(
        f"{rasa_url}/conversations/{conversation_id}/tracker",
        params={"token": token},
        timeout=60,
    )
    reply.raise_for_status()
    return reply.json()


def repo_files() -> list[Path]:
    """The repository's files: tracked, and untracked ones git does not ignore."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return [ROOT / name for name in listed if (ROOT / name).is_file()]


def load_yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_seed() -> list[tuple[str, str]]:
    """(question, answer) pairs of the seed FAQ, in file order."""
    blocks = [b.strip() for b in SEED_FILE.read_text(encoding="utf-8").split("\n\n")]
    blocks = [b for b in blocks if b]
    assert len(blocks) % 2 == 0, "seed FAQ must alternate question and answer"
    return list(zip(blocks[0::2], blocks[1::2], strict=True))


def text(name: str, language: str = "en") -> str:
    """A text of content/texts.yml in ``language``."""
    return texts()["texts"][name][language]


def too_long_text(language: str = "en") -> str:
    """The reply to a message over FAQ_MAX_MESSAGE_CHARS, with the limit filled in."""
    template = text("message_too_long", language)
    assert "{max_chars}" in template
    return template.replace("{max_chars}", f"{MAX_USER_MESSAGE_CHARS:,}")


def texts() -> dict[str, Any]:
    """content/texts.yml as parsed YAML."""
    return load_yaml(TEXTS_FILE)


def questions() -> list[QuestionSource]:
    """The question files, in menu order (bot/questions.py)."""
    found, problems = load_all(QUESTIONS_DIR)
    assert problems == [], problems
    return found


def faq_intents() -> list[str]:
    return [q.intent for q in questions()]


def same_topic(question: QuestionSource) -> list[QuestionSource]:
    """The other questions of ``question``'s topic."""
    topic = question.facet("topic")
    return [q for q in questions() if q.facet("topic") == topic and q.id != question.id]


def held_out_lines(language: str) -> dict[str, list[str]]:
    """Each question's held-out lines in ``language``."""
    return {q.intent: [line.text for line in q.by_language[language].held_out] for q in questions()}


def answers_by_intent(language: str = "en") -> dict[str, str]:
    return {q.intent: q.by_language[language].answer for q in questions()}


def related_by_intent() -> dict[str, list[str]]:
    return {q.intent: [intent_of(r) for r in q.related] for q in questions()}


def questions_by_intent(language: str = "en") -> dict[str, str]:
    return {q.intent: q.by_language[language].title for q in questions()}


def question_buttons(language: str = "en") -> list[dict[str, str]]:
    return [
        {"title": q.by_language[language].title, "payload": f"/{q.intent}"} for q in questions()
    ]


def help_buttons(language: str = "en") -> list[dict[str, str]]:
    """The help menu: the questions, then "Forget me"."""
    forget = {"title": text("forget_me_button", language), "payload": "/forget_me"}
    return [*question_buttons(language), forget]


def seed_by_intent() -> dict[str, tuple[str, str]]:
    """Seed (question, answer) per FAQ intent: the questions' order is the seed's
    (tests/test_content.py checks it matches the seed exactly)."""
    return dict(zip(faq_intents(), load_seed(), strict=True))


def fallback_texts(language: str = "en") -> list[str]:
    return [text("cannot_answer", language), text("menu_prompt", language)]


def nlu_examples(path: Path) -> dict[str, list[str]]:
    """Examples per intent in a Rasa NLU YAML file."""
    examples: dict[str, list[str]] = {}
    for item in load_yaml(path)["nlu"]:
        if "intent" in item:
            lines = item["examples"].splitlines()
            examples.setdefault(item["intent"], []).extend(
                line.strip()[2:].strip() for line in lines if line.strip().startswith("- ")
            )
    return examples
