"""``action_follow_up``: a typed follow-up that leans on the question just answered.

After "Why are there Koreans in Kazakhstan?", people type "how about Kyrgyzstan?";
after "Who is South Korea's enemy?", "and for the North?" or "who are its allies,
then?". NLU classifies such a message as ``follow_up`` and extracts what it names
(entities ``country``, ``side``, ``relation``, ``aspect``: lookup tables and synonyms
in data/nlu.yml). The conversation's topic is the ``faq_topic`` slot, set by every
answer. The question meant is the one of the same topic whose facets
(their question files) match what the follow-up names, the rest as before
(``LanguageContent.follow_up``):

- one question fits: its answer, verbatim, with the usual follow-up buttons, and it
  becomes the topic;
- none fits ("how about Turkmenistan?", "and China's enemy?"): an honest "no answer
  about that" with the topic's questions as buttons, never another question's
  answer; logged as unanswered;
  The same when it names two values of one facet ("the north or the south?");
- no topic yet (a first message, or a new session: slots are not carried over) or
  nothing named: the fallback, as for any message the bot does not understand.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import TOPIC_SLOT, ContentAction, unanswered_question
from actions.checks import checks_last_answer
from actions.context import checks_the_answer, named_facets, only_names, or_the_last_answer
from actions.menu import utter_answer, utter_fallback, utter_no_answer_here
from actions.suggest import intent_ranking
from actions.unanswered import FALLBACK, FOLLOW_UP_NO_ANSWER, UnansweredQuestion
from bot.concepts import names_excluded
from bot.content import TOPIC, LanguageContent

FOLLOW_UP_INTENT = "follow_up"
# An offered question (``offered_follow_up``) is answered from this confidence: the
# subject guard's cap (config.yml), so that a question it held back for lacking a
# subject the conversation supplies counts, and a guess with less than half the
# probability does not.
RELATED_MIN_CONFIDENCE = 0.5


def resolve(content: LanguageContent, topic: str | None, parse_data: dict[str, Any]) -> str | None:
    """The FAQ intent a follow-up to ``topic`` means, or None (no single question)."""
    named = named_facets(parse_data)
    if not topic or not named:
        return None
    text = str(parse_data.get("text") or "")
    # A follow-up that names what the question is not about ("and do Kazakhs in
    # Korea speak it?" after Korean in Kazakhstan) is not that question.
    matches = [q for q in content.follow_up(topic, named) if not names_excluded(q.excludes, text)]
    if not matches:
        matches = [
            q
            for q in offered_questions(content, topic, named)
            if not names_excluded(q.excludes, text)
        ]
    return matches[0].intent if len(matches) == 1 else None


def offered_questions(content: LanguageContent, topic: str, named: dict[str, str]) -> list:
    """The questions the last answer offered as buttons, of another topic, that have
    every facet the follow-up names and agree with the last question on the rest:
    "and do they still speak it?" after why Koreans live in Kazakhstan is Korean in
    Kazakhstan; after Kyrgyzstan it is no question of this FAQ."""
    current = content.entry(topic)
    if current is None:
        return []
    facets = dict(current.facets)
    candidates = [q for r in current.related if (q := content.entry(r)) is not None]
    return [
        q
        for q in candidates
        if q.facet(TOPIC) != facets.get(TOPIC)
        and all(q.facet(name) == value for name, value in named.items())
        and all(
            facets.get(name, value) == value
            for name, value in q.facets
            if name not in named and name != TOPIC
        )
    ]


def unsure_follow_up(
    content: LanguageContent, topic: str | None, parse_data: dict[str, Any]
) -> str | None:
    """For a message NLU was unsure about (``nlu_fallback``): the FAQ intent it
    means when what it names fits exactly one question of the conversation's topic
    and its best guess is ``follow_up`` or that very question, or it says nothing
    but what it names (``only_names``: "actually I meant Kyrgyzstan"); else None
    (the usual fallback). Short follow-ups ("now the north", "allies?") often land
    just under the threshold, and one that names no subject ("and for Kazakhstan,
    why?") is held under it by the subject guard (components/subject_guard.py): the
    topic is the evidence that settles them. When what it names fits no question of
    the topic, the last answer's offer can (``offered_follow_up``)."""
    ranking = intent_ranking(parse_data)
    if not ranking:
        return None
    meant = resolve(content, topic, parse_data)
    best = ranking[0][0]
    text = str(parse_data.get("text") or "")
    if best == FOLLOW_UP_INTENT or best == meant or only_names(content, text, parse_data):
        # A message that says nothing but what it names ("actually I meant
        # Kyrgyzstan", "а у Южной?") is a follow-up or a correction, whatever the guess.
        return meant
    # What it names points to another question of the topic than the guess: unsure.
    return offered_follow_up(content, topic, ranking[0], parse_data) if meant is None else None


def offered_follow_up(
    content: LanguageContent,
    topic: str | None,
    guess: tuple[str, float],
    parse_data: dict[str, Any],
) -> str | None:
    """For a message NLU was unsure about, whose best ``guess`` is (intent,
    confidence): the question of another topic that the last answer offered as a
    button (``related`` in its question file), when it is that guess with at least
    RELATED_MIN_CONFIDENCE, agrees with the last question on what the message does
    not name (``offered_questions``: "is Korean still used there?" after Kyrgyzstan's
    Koreans is not Korean in Kazakhstan) and names nothing that question is not about;
    else None. "Why are there Koreans there, anyway?" after "Is Korean spoken in
    Kazakhstan?" names no Kazakhstan, so the subject guard holds it at its cap; the
    offer and the conversation supply the country. Within a topic a follow-up is
    resolved by what it names (``resolve``) instead."""
    best, confidence = guess
    current = content.entry(topic)
    if current is None:
        return None
    offered = content.entry(best)
    if (
        offered is None
        or best not in current.related
        or offered.facet(TOPIC) == current.facet(TOPIC)
        or confidence < RELATED_MIN_CONFIDENCE
    ):
        return None
    named = named_facets(parse_data)
    if named is None or best not in {q.intent for q in offered_questions(content, topic, named)}:
        return None
    text = str(parse_data.get("text") or "")
    return None if names_excluded(offered.excludes, text) else best


def answered_by_follow_up(
    content: LanguageContent, topic: str | None, parse_data: dict[str, Any]
) -> str | None:
    """The FAQ intent that the bot answers a message with by leaning on ``topic``:
    a ``follow_up``, or an unsure message whose best guess is one (make eval and
    the actions share this)."""
    intent = (parse_data.get("intent") or {}).get("name")
    if intent == FOLLOW_UP_INTENT:
        return resolve(content, topic, parse_data)
    if intent == "nlu_fallback":
        return unsure_follow_up(content, topic, parse_data)
    return None


class ActionFollowUp(ContentAction):
    """Answers a follow-up from the conversation's topic (see the module doc)."""

    def name(self) -> str:
        return "action_follow_up"

    def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, content: LanguageContent
    ) -> UnansweredQuestion | None:
        topic = tracker.get_slot(TOPIC_SLOT)
        text = str(tracker.latest_message.get("text") or "")
        checked = checks_last_answer(content, topic, text)
        nothing_named = named_facets(tracker.latest_message) == {}
        if not topic or content.entry(topic) is None or (nothing_named and checked is None):
            utter_fallback(dispatcher, content)
            return unanswered_question(FALLBACK, tracker)
        intent = (
            checks_the_answer(content, topic, tracker.latest_message)
            or or_the_last_answer(
                content, topic, resolve(content, topic, tracker.latest_message), text
            )
            or checked
        )
        if intent is not None:
            utter_answer(dispatcher, content, intent)
            return None
        utter_no_answer_here(dispatcher, content, topic)
        return unanswered_question(FOLLOW_UP_NO_ANSWER, tracker)

    def answered(self, tracker: Tracker, content: LanguageContent) -> str | None:
        topic, latest = tracker.get_slot(TOPIC_SLOT), tracker.latest_message
        text = str(latest.get("text") or "")
        return (
            checks_the_answer(content, topic, latest)
            or or_the_last_answer(content, topic, resolve(content, topic, latest), text)
            or checks_last_answer(content, topic, text)
        )
