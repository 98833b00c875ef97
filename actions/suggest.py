"""Which FAQ questions to offer when NLU is unsure ("did you mean")."""

from __future__ import annotations

from typing import Any

from bot.content import FAQ_INTENT_PREFIX

MAX_CANDIDATES = 3


def intent_ranking(parse_data: dict[str, Any]) -> list[tuple[str, float]]:
    """(intent, confidence) best first, without the ``nlu_fallback`` pseudo-intent."""
    return [
        (str(item.get("name")), float(item.get("confidence") or 0.0))
        for item in parse_data.get("intent_ranking") or []
        if item.get("name") and item.get("name") != "nlu_fallback"
    ]


def candidates(ranking: list[tuple[str, float]], min_confidence: float) -> list[str]:
    """The FAQ intents to offer, best first; empty when even the best is too unsure.

    NLU already decided the question is below the answer threshold or that its
    top two intents are within the ambiguity margin (FallbackClassifier). When
    the best FAQ intent still has ``min_confidence``, offer every FAQ intent
    above it (at most three), and at least the two best so the user has a choice.
    """
    faq = [(name, conf) for name, conf in ranking if name.startswith(FAQ_INTENT_PREFIX)]
    if not faq or faq[0][1] < min_confidence:
        return []
    chosen = [name for name, conf in faq[:MAX_CANDIDATES] if conf >= min_confidence]
    if len(chosen) < 2 and len(faq) > 1:
        chosen.append(faq[1][0])
    return chosen
