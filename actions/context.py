"""When a message the classifier took for a full question leans on the conversation.

A short message that names a country or side and nothing else the question needs
is classified as the one FAQ question that word belongs to, although in the
conversation it means something else:

- a yes/no check on the answer just given: "is it North Korea?" after South Korea's
  enemy is a check on that answer (which names North Korea), not the question of North
  Korea's enemy;
- a correction or follow-up that keeps the relation just asked about: "sorry, I
  meant North Korea" after South Korea's allies asks for North Korea's allies, which
  no answer covers; "North Korea" alone is classified as North Korea's enemy.

So when the classifier chose a question about a relation (friend, ally, enemy)
right after another one was answered, the choice is read in the conversation first
(``in_context``): a message that names no relation (the concepts of
data/concepts*.yml) and fits one of these cases means what the conversation says. A
message that names its relation is a full question and stands as classified; so
does every other choice, and every message when no answer was given yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from actions.checks import MIN_FACTS, facts_named, stems
from bot.concepts import names_excluded, repository_matcher
from bot.content import TOPIC, LanguageContent, Question
from bot.question_shape import WORD, elliptical_words, negated, yes_no
from bot.questions import RELATION

# The entities a message may name: the facet names of the question files.
FACET_ENTITIES = ("country", "side", "relation", "aspect")


def named_facets(parse_data: dict[str, Any]) -> dict[str, str] | None:
    """What a follow-up names, as facets ({"side": "north"}); None when it names
    two different values for one facet (it cannot mean a single question)."""
    named: dict[str, str] = {}
    text = str(parse_data.get("text") or "").lower()
    for entity in parse_data.get("entities") or []:
        name, value = entity.get("entity"), str(entity.get("value", "")).strip().lower()
        if name not in FACET_ENTITIES or not value:
            continue
        if "start" in entity and negated(text, entity["start"], entity.get("end", 0)):
            continue  # "not allies, the friends": set aside
        if named.setdefault(name, value) != value:
            return None
    return named


@dataclass(frozen=True)
class Reading:
    """What a message means in the conversation: ``intent``, the FAQ question to
    answer, or None when no question answers it (the honest no-answer)."""

    intent: str | None


def in_context(
    content: LanguageContent, topic: str | None, parse_data: dict[str, Any]
) -> Reading | None:
    """How the classifier's FAQ choice reads after ``topic`` was answered, or None
    when it stands as classified."""
    chosen = content.entry((parse_data.get("intent") or {}).get("name"))
    current = content.entry(topic)
    if chosen is None or current is None or chosen.intent == current.intent:
        return None
    text = str(parse_data.get("text") or "")
    if text.startswith("/"):
        return None  # a button: the question it names, as asked
    if chosen.facet(TOPIC) != current.facet(TOPIC) and chosen.intent not in current.related:
        if only_names(content, text):
            # "а киргизские корейцы?" after Korean in Kazakhstan asks the same of
            # Kyrgyzstan's Koreans, which no answer covers: not why they live there.
            return Reading(None)
    if checks_rather(current, chosen, content, text):
        return Reading(current.intent)
    own, theirs = current.facet(RELATION), chosen.facet(RELATION)
    if own is None or theirs is None:
        return None  # only questions about relations are told apart by a side alone
    if names_a_relation(content, text):
        return None  # a full question
    if checks_the_answer(content, topic, parse_data):
        return Reading(current.intent)
    if theirs == own:
        return None
    # It keeps the relation just asked about and changes what it names.
    named = named_facets(parse_data) or {}
    fitting = content.follow_up(current.intent, {k: v for k, v in named.items() if k != RELATION})
    return Reading(fitting[0].intent if len(fitting) == 1 else None)


def only_names(
    content: LanguageContent, text: str, parse_data: dict[str, Any] | None = None
) -> bool:
    """Whether ``text`` names a subject (a people, country or side, or with
    ``parse_data`` any facet it names: a relation) and says nothing else but the words
    that carry a follow-up or a correction ("and Kyrgyzstan?", "а киргизские
    корейцы?", "actually I meant Kyrgyzstan", "친한 나라는?")."""
    subjects = {c for q in content.entries for c in q.requires}
    spans = [
        (e["start"], e["end"])
        for e in (parse_data or {}).get("entities") or []
        if e.get("entity") in FACET_ENTITIES and "start" in e and "end" in e
    ]
    matcher = repository_matcher()
    words = list(WORD.finditer(text.lower()))
    rest = [
        m.group()
        for m in words
        if not matcher.mentioned(m.group()) & subjects
        and not any(start < m.end() and m.start() < end for start, end in spans)
    ]
    return len(rest) < len(words) and elliptical_words(rest)


def checks_rather(current: Question, chosen: Question, content: LanguageContent, text: str) -> bool:
    """Whether ``text``, which the classifier took for ``chosen``'s question, is a
    yes/no check on ``current``'s answer: it names no relation but ``current``'s, and
    names more of that answer's facts (its numbers count twice) than of
    ``chosen``'s ("so was it in 1995 that they called the North their enemy?" after
    South Korea's enemy; "so South Korea never tried to bring them back?" after
    Kyrgyzstan's Koreans)."""
    if not yes_no(text) or names_excluded(current.excludes, text):
        return False
    if repository_matcher().mentioned(text) & relations(content) - {current.facet(RELATION)}:
        return False
    said, other = facts_named(text, current.answer), facts_named(text, chosen.answer)
    return said >= MIN_FACTS and said > other


def or_the_last_answer(
    content: LanguageContent, topic: str | None, intent: str | None, text: str
) -> str | None:
    """``intent``, a follow-up's reading, unless ``text`` is rather a yes/no check on
    ``topic``'s answer (``checks_rather``): then ``topic``."""
    current, chosen = content.entry(topic), content.entry(intent)
    if current is None or chosen is None or current.intent == chosen.intent:
        return intent
    return current.intent if checks_rather(current, chosen, content, text) else intent


def names_a_relation(content: LanguageContent, text: str) -> bool:
    """Whether ``text`` names a relation of the questions (friend, ally, enemy)."""
    return bool(repository_matcher().mentioned(text) & relations(content))


def relations(content: LanguageContent) -> set[str]:
    """The relations the questions are about (friend, ally, enemy)."""
    return {value for q in content.entries if (value := q.facet(RELATION))}


def checks_the_answer(
    content: LanguageContent, topic: str | None, parse_data: dict[str, Any]
) -> str | None:
    """``topic`` when the message is a yes/no question about what its answer names:
    every country or side it names, besides the question's own, is in that answer
    ("is it North Korea?", "does that include Russia?"), and it names no relation;
    else None. A message that
    names a country the answer does not ("is it the same in Kyrgyzstan?") is a
    follow-up instead."""
    current = content.entry(topic)
    text = str(parse_data.get("text") or "")
    if current is None or not yes_no(text) or names_a_relation(content, text):
        return None
    # What it names besides the question's own subject ("Kazakh" restates Korean in
    # Kazakhstan's country; "North Korea" is a fact of South Korea's enemy).
    own = {value for _, value in current.facets}
    entities = [
        e
        for e in parse_data.get("entities") or []
        if e.get("entity") != RELATION and str(e.get("value", "")).lower() not in own
    ]
    spans = [text[e["start"] : e["end"]] for e in entities if "start" in e and "end" in e]
    if not spans or names_excluded(current.excludes, text):
        return None
    return current.intent if all(names(current.answer, span) for span in spans) else None


def names(answer: str, span: str) -> bool:
    """Whether ``answer`` names what ``span`` does: the same letters (Korean's
    particles attach to the word, "US" is short) or the same word beginnings
    ("Северная" meets "Северную")."""
    squashed = "".join(span.lower().split())
    return squashed in "".join(answer.lower().split()) or bool(
        stems(span) and stems(span) <= stems(answer)
    )
