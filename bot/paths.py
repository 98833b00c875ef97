"""The repository's files and folders, defined once."""

from __future__ import annotations

from pathlib import Path

from bot.languages import LANGUAGES, file_for

ROOT = Path(__file__).resolve().parent.parent

CONFIG = ROOT / "config.yml"
DOMAIN = ROOT / "domain.yml"
CREDENTIALS = ROOT / "credentials.yml"
ENDPOINTS = ROOT / "endpoints.yml"
NLU = ROOT / "data" / "nlu.yml"
# The training data of each language (bot/languages.py); English is data/nlu.yml,
# which also holds the lookup tables and synonyms of follow-ups.
NLU_BY_LANGUAGE = {code: file_for(ROOT / "data", "nlu", code) for code in LANGUAGES}
# The words for each concept an FAQ question must mention (components/subject_guard.py).
CONCEPTS_BY_LANGUAGE = {code: file_for(ROOT / "data", "concepts", code) for code in LANGUAGES}
RULES = ROOT / "data" / "rules.yml"
CONTENT = ROOT / "content"
QUESTIONS = CONTENT / "questions"
TEXTS = CONTENT / "texts.yml"
SEED = ROOT / "content" / "source" / "faq.txt"
# Held-out out-of-scope lines of each language (never trained on); each question's
# own held-out lines are in its file.
HOLDOUT_BY_LANGUAGE = {code: file_for(ROOT / "tests", "nlu_holdout", code) for code in LANGUAGES}
FOLLOWUPS_HOLDOUT = ROOT / "tests" / "followups_holdout.yml"
ENV_EXAMPLE = ROOT / ".env.example"

MODEL = ROOT / "models" / "faq.tar.gz"
WEB_PAGE = ROOT / "web" / "index.html"
WEB_CHAT_SCRIPT = ROOT / "web" / "chat.js"
WEBCHAT_BUNDLE = ROOT / "build" / "webchat" / "index.js"
REPORTS = ROOT / "reports"
