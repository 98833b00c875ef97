"""The action server's settings, read from the environment (listed in .env.example).

The answer threshold and ambiguity margin are not here: they belong to NLU
(FallbackClassifier in config.yml), which turns an unsure prediction into
``nlu_fallback`` before any action runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    if value:
        raise ValueError(f"{name} must be true or false, not {value!r}")
    return default


def _number(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


@dataclass(frozen=True)
class Settings:
    # Offer follow-up questions (content/faq.yml `related`) as buttons after answers.
    follow_ups: bool
    # "Did you mean": on nlu_fallback, FAQ intents with at least this confidence
    # are offered as candidates. Chosen from the `make eval` band sweep.
    suggest_min_confidence: float
    # Answers below this confidence are answered, and also logged for review.
    log_answers_below: float
    # Where unanswered questions are logged (SQLAlchemy URL): the tracker
    # store's database unless set.
    unanswered_db_url: str
    # Logged questions older than this are deleted.
    unanswered_retention_days: float

    @classmethod
    def from_env(cls) -> Settings:
        tracker_store = os.environ.get("TRACKER_STORE_URL", "sqlite:///var/tracker.db")
        return cls(
            follow_ups=_flag("FAQ_FOLLOW_UPS", True),
            suggest_min_confidence=_number("FAQ_SUGGEST_MIN_CONFIDENCE", 0.3),
            log_answers_below=_number("FAQ_LOG_ANSWERS_BELOW", 0.8),
            unanswered_db_url=os.environ.get("UNANSWERED_DB_URL") or tracker_store,
            unanswered_retention_days=_number("UNANSWERED_RETENTION_DAYS", 90),
        )


SETTINGS = Settings.from_env()
