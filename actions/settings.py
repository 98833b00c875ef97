"""The action server's settings, typed (their defaults: bot/settings.py).

The answer threshold and ambiguity margin are not here: they belong to NLU
(FallbackClassifier in config.yml), which turns an unsure prediction into
``nlu_fallback`` before any action runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import settings

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


def _flag(name: str) -> bool:
    value = settings.get(name).strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValueError(f"{name} must be true or false, not {value!r}")


@dataclass(frozen=True)
class Settings:
    # Offer follow-up questions (each question's `related`) as buttons after answers.
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
        return cls(
            follow_ups=_flag("FAQ_FOLLOW_UPS"),
            suggest_min_confidence=settings.get_float("FAQ_SUGGEST_MIN_CONFIDENCE"),
            log_answers_below=settings.get_float("FAQ_LOG_ANSWERS_BELOW"),
            unanswered_db_url=settings.get("UNANSWERED_DB_URL")
            or settings.get("TRACKER_STORE_URL"),
            unanswered_retention_days=settings.get_float("UNANSWERED_RETENTION_DAYS"),
        )


SETTINGS = Settings.from_env()
