"""A message that points back at the conversation is read with its subject.

Why. After "Why are there Koreans in Kazakhstan?", people ask "what made them stay?",
"is it still spoken there?" or "олар неге сол жақта қалды?". Such a message names no
subject, so the classifier takes it for a follow-up or out of scope, and the
SubjectGuard (components/subject_guard.py) would refuse any FAQ question for it
anyway: nothing in it says which Koreans. The conversation says: the question just
answered (the ``faq_topic`` slot, set by every answer).

How. ``install()`` wraps ``MessageProcessor.parse_message``, the one place where
Rasa 3.6 parses a user message with its tracker at hand (the NLU graph itself sees
only the message). When the first parse gives no FAQ question, and the message

- points back (a word of the ``concept_pointer`` lists in data/concepts*.yml: they,
  there, it, its, "олар", "거기"...),
- names no country or side of its own (the SubjectGuard's ``fit_facets`` words: a
  message that names one is a new question or a follow-up, not a pointer), and
- follows an answered question,

it is parsed a second time with that question's subject words put before it (the
words of its title, in the conversation's language, that name its required concepts
and its country or side: ``bot.concepts.subject_words``; "Kazakhstan Koreans what
made them stay?"). If the second parse gives that question, or one its answer
offered as a button (``related``), with REREAD_MIN_CONFIDENCE and not held back by
the SubjectGuard (and, for the same question again, the message is neither a yes/no
check nor names the relation just answered: ``answers_from_context``), the message
gets that intent and ranking; the text and entities
stay the user's, and ``context_subject`` in the parse data names the question the
subject came from. Otherwise the first parse stands: a message that points back
but asks what no answer covers ("what do they eat there?") is judged on its own
words plus the subject, so the guard's exclusions still refuse it.

A full question never gets here: it gives an FAQ question on the first parse.

Relies on Rasa 3.6.21 internals: ``MessageProcessor.parse_message(message,
tracker, only_output_properties)`` and its parse data keys (``intent``,
``intent_ranking``), ``UserMessage``. tests/test_context.py guards it (pronouns in
four languages, a pointer to an uncovered topic, a first message), and
tests/test_lean.py that the launcher installs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor

from bot import languages
from bot.concepts import (
    HELD_BACK,
    POINTER,
    repository_facets,
    repository_matcher,
    subject_words,
)
from bot.content import current
from bot.question_shape import asked, yes_no
from bot.questions import FAQ_INTENT_PREFIX, RELATION, TOPIC_SLOT

# The parse data key naming whose subject a message was read with: STORY, or the
# question just answered.
CONTEXT_SUBJECT = "context_subject"
STORY = "story"
# A reading with the last answer's subject must be clearly one question: the subject
# words pull toward the question they came from, so a weak result means the message
# asks something else.
REREAD_MIN_CONFIDENCE = 0.75

_parse_message = MessageProcessor.parse_message


@dataclass(frozen=True)
class Rereading:
    """What to parse again, and whose subject it borrows: STORY (the message's own
    story before its question) or the FAQ intent of the question just answered."""

    text: str
    source: str


def rereading(text: str, topic: str | None, language: str | None) -> Rereading | None:
    """The message to parse again, when ``text``'s question points back and names no
    country or side of its own: its question with the subject its own story names
    ("I'm visiting Bishkek. How did Koreans end up there?"), or else with the subject
    of ``topic``'s question; else None."""
    question = asked(text)
    if POINTER not in repository_matcher().mentioned(question):
        return None
    matcher, fit = repository_facets()
    if set(matcher.named(question)) & fit:
        return None
    content = current().language(language)
    story = text[: len(text) - len(question)] if text.endswith(question) else ""
    told = subject_words(story, {c for q in content.entries for c in q.requires})
    if told:
        return Rereading(f"{told} {question}", STORY)
    answered = content.entry(topic)
    if answered is None:
        return None
    subject = subject_words(answered.question, answered.requires, {v for _, v in answered.facets})
    return Rereading(f"{subject} {text}", answered.intent) if subject else None


def names_what_tells_it_apart(text: str, intent: str | None, language: str | None) -> bool:
    """Whether ``text`` names the country or side that tells ``intent``'s question
    apart from another of its topic: a story about "Korea" does not say which side's
    enemy is asked about, though the question of a bare "Korea" is North Korea's."""
    content = current().language(language)
    question = content.entry(intent)
    if question is None:
        return False
    matcher, fit = repository_facets()
    named, own = matcher.named(text), dict(question.facets)
    for name in fit & own.keys():
        twins = [
            other
            for other in content.entries
            if other.intent != question.intent
            and other.facet(name) not in (None, own[name])
            and all(v == own.get(k) for k, v in other.facets if k != name)
        ]
        if twins and own[name] not in named.get(name, set()):
            return False
    return True


def answers_from_context(topic: str, intent: str | None, language: str | None, text: str) -> bool:
    """Whether a second parse's ``intent`` is one the conversation can lean on: the
    question just answered, or one its answer offered. The same question again only
    for a message that asks more of it ("what made them stay?"): not for a yes/no
    question (a check on the answer: actions/checks.py decides by the facts the
    answer holds) nor for one that names the relation just answered ("and who is
    its enemy?" after an enemy points at the answer's country, not the question's)."""
    content = current().language(language)
    question = content.entry(topic)
    if question is None or (intent != topic and intent not in question.related):
        return False
    if intent != topic:
        return True
    relation = question.facet(RELATION)
    return not yes_no(text) and not (relation and relation in repository_matcher().mentioned(text))


async def parse_message(
    self: MessageProcessor,
    message: UserMessage,
    tracker: Any = None,
    only_output_properties: bool = True,
) -> dict[str, Any]:
    parse_data = await _parse_message(self, message, tracker, only_output_properties)
    first = str((parse_data.get("intent") or {}).get("name") or "")
    if first.startswith(FAQ_INTENT_PREFIX):
        return parse_data
    topic = tracker.get_slot(TOPIC_SLOT) if tracker is not None else None
    language = tracker.get_slot(languages.SLOT) if tracker is not None else None
    text = str(parse_data.get("text") or "")
    reading = rereading(text, topic, language)
    if reading is None:
        return parse_data
    again = await _parse_message(
        self,
        UserMessage(
            reading.text,
            sender_id=message.sender_id,
            input_channel=message.input_channel,
            metadata=message.metadata,
        ),
        tracker,
        only_output_properties,
    )
    intent = (again.get("intent") or {}).get("name")
    confidence = float((again.get("intent") or {}).get("confidence") or 0.0)
    if reading.source == STORY:
        # Its own words: the fallback threshold has judged it like any message.
        if not names_what_tells_it_apart(reading.text, intent, language):
            return parse_data
    elif confidence < REREAD_MIN_CONFIDENCE:
        return parse_data
    elif not answers_from_context(reading.source, intent, language, text):
        return parse_data
    return {
        **{key: value for key, value in parse_data.items() if key != HELD_BACK},
        "intent": again["intent"],
        "intent_ranking": again.get("intent_ranking", []),
        CONTEXT_SUBJECT: reading.source,
    }


def install() -> None:
    MessageProcessor.parse_message = parse_message  # type: ignore[method-assign]
