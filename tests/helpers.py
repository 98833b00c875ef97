"""Shared test helpers: project files, the seed FAQ and NLU data."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import requests
import yaml

from bot import paths
from bot.paths import ROOT as ROOT
from channels.inbound import MAX_MESSAGE_CHARS
from tools.similarity import normalise as normalise

# The repository's files (one definition each: bot/paths.py), as the tests name them.
CONTENT_FILE = paths.CONTENT
HOLDOUT_FILE = paths.HOLDOUT
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
    """A text of content/faq.yml (``texts``) in ``language``."""
    return content()["texts"][name][language]


def too_long_text(language: str = "en") -> str:
    """The reply to a message over FAQ_MAX_MESSAGE_CHARS, with the limit filled in."""
    template = text("message_too_long", language)
    assert "{max_chars}" in template
    return template.replace("{max_chars}", f"{MAX_MESSAGE_CHARS:,}")


def content() -> dict[str, Any]:
    return load_yaml(CONTENT_FILE)


def answers_by_intent(language: str = "en") -> dict[str, str]:
    return {entry["intent"]: entry["answer"][language] for entry in content()["faq"]}


def related_by_intent() -> dict[str, list[str]]:
    return {entry["intent"]: entry.get("related", []) for entry in content()["faq"]}


def questions_by_intent(language: str = "en") -> dict[str, str]:
    return {entry["intent"]: entry["question"][language] for entry in content()["faq"]}


def question_buttons(language: str = "en") -> list[dict[str, str]]:
    return [
        {"title": e["question"][language], "payload": f"/{e['intent']}"} for e in content()["faq"]
    ]


def help_buttons(language: str = "en") -> list[dict[str, str]]:
    """The help menu: the questions, then "Forget me"."""
    forget = {"title": text("forget_me_button", language), "payload": "/forget_me"}
    return [*question_buttons(language), forget]


def seed_by_intent() -> dict[str, tuple[str, str]]:
    """Seed (question, answer) per FAQ intent: the content file lists the intents
    in seed order (tests/test_content.py checks it matches the seed exactly)."""
    intents = [entry["intent"] for entry in content()["faq"]]
    return dict(zip(intents, load_seed(), strict=True))


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


def faq_intents(domain: dict[str, Any]) -> list[str]:
    return [i for i in domain["intents"] if isinstance(i, str) and i.startswith("faq_")]
