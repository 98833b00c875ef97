"""The repository's files and folders, defined once."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CONFIG = ROOT / "config.yml"
DOMAIN = ROOT / "domain.yml"
CREDENTIALS = ROOT / "credentials.yml"
ENDPOINTS = ROOT / "endpoints.yml"
NLU = ROOT / "data" / "nlu.yml"
# The training data of each language (bot/languages.py); English is data/nlu.yml,
# which also holds the lookup tables and synonyms of follow-ups.
NLU_BY_LANGUAGE = {
    "en": NLU,
    "ru": ROOT / "data" / "nlu_ru.yml",
    "kk": ROOT / "data" / "nlu_kk.yml",
    "ko": ROOT / "data" / "nlu_ko.yml",
}
# The words for each concept an FAQ question must mention (components/subject_guard.py).
CONCEPTS_BY_LANGUAGE = {
    "en": ROOT / "data" / "concepts.yml",
    "ru": ROOT / "data" / "concepts_ru.yml",
    "kk": ROOT / "data" / "concepts_kk.yml",
    "ko": ROOT / "data" / "concepts_ko.yml",
}
RULES = ROOT / "data" / "rules.yml"
CONTENT = ROOT / "content" / "faq.yml"
SEED = ROOT / "content" / "source" / "faq.txt"
HOLDOUT = ROOT / "tests" / "nlu_holdout.yml"
HOLDOUT_BY_LANGUAGE = {
    "en": HOLDOUT,
    "ru": ROOT / "tests" / "nlu_holdout_ru.yml",
    "kk": ROOT / "tests" / "nlu_holdout_kk.yml",
    "ko": ROOT / "tests" / "nlu_holdout_ko.yml",
}
FOLLOWUPS_HOLDOUT = ROOT / "tests" / "followups_holdout.yml"
ENV_EXAMPLE = ROOT / ".env.example"

MODEL = ROOT / "models" / "faq.tar.gz"
WEB_PAGE = ROOT / "web" / "index.html"
WEB_CHAT_SCRIPT = ROOT / "web" / "chat.js"
WEBCHAT_BUNDLE = ROOT / "build" / "webchat" / "index.js"
REPORTS = ROOT / "reports"
