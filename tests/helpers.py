"""Shared test helpers: project files, the seed FAQ and NLU data."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "faq.tar.gz"
DOMAIN_FILE = ROOT / "domain.yml"
NLU_FILE = ROOT / "data" / "nlu.yml"
RULES_FILE = ROOT / "data" / "rules.yml"
HOLDOUT_FILE = ROOT / "tests" / "nlu_holdout.yml"
# The user's content lives outside the repo; CI lays shared/ beside the clone.
SEED_FILE = Path(os.environ.get("FAQ_SEED_FILE", ROOT.parent / "shared" / "seed" / "faq.txt"))

MENU_RESPONSE = "utter_question_menu"


def load_yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_seed() -> list[tuple[str, str]]:
    """(question, answer) pairs of the seed FAQ, in file order."""
    blocks = [b.strip() for b in SEED_FILE.read_text(encoding="utf-8").split("\n\n")]
    blocks = [b for b in blocks if b]
    assert len(blocks) % 2 == 0, "seed FAQ must alternate question and answer"
    return list(zip(blocks[0::2], blocks[1::2], strict=True))


def response_texts(domain: dict[str, Any], name: str) -> list[str]:
    return [variant["text"] for variant in domain["responses"][name]]


def menu_buttons(domain: dict[str, Any]) -> list[dict[str, str]]:
    return domain["responses"][MENU_RESPONSE][0]["buttons"]


def seed_by_intent(domain: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Seed (question, answer) for each FAQ intent, matched by the menu buttons.

    The menu's button titles are the seed questions and its payloads the intents;
    tests/test_domain.py checks that this mapping is complete and exact.
    """
    seed = dict(load_seed())
    return {
        button["payload"].lstrip("/"): (button["title"], seed[button["title"]])
        for button in menu_buttons(domain)
    }


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


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped, punctuation as spaces, single spaces."""
    text = text.lower().replace("’", "").replace("'", "")
    return " ".join(re.sub(r"[^\w ]", " ", text).split())


def faq_intents(domain: dict[str, Any]) -> list[str]:
    return [i for i in domain["intents"] if isinstance(i, str) and i.startswith("faq_")]
