"""A long conversation is cut into bounded sessions (patches/bounded_sessions.py):
every answer stays exact, the context (language, topic, "did you mean") crosses
the cut, the Rasa server loads only the current session, and the tracker store
keeps the whole history."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted, UserUttered

from patches.bounded_sessions import MAX_SESSION_TURNS
from stores.tracker_store import TunedSQLTrackerStore
from tests import helpers
from tests.test_e2e_quality import UNSURE_TOO, logged


def stored_events(bot, conversation_id: str) -> list[str]:
    """The type of every event the tracker store holds for the conversation, in order."""
    engine = sa.create_engine(f"sqlite:///{bot.db}")
    try:
        with engine.connect() as connection:
            query = sa.text("SELECT type_name FROM events WHERE sender_id = :s ORDER BY id")
            return connection.execute(query, {"s": conversation_id}).scalars().all()
    finally:
        engine.dispose()


async def test_a_long_conversation_stays_exact_and_bounded_and_keeps_its_history(bot, monkeypatch):
    sender = uuid.uuid4().hex
    questions, answers = helpers.questions_by_intent("ru"), helpers.answers_by_intent("ru")
    intents = list(questions)
    turns = 3 * MAX_SESSION_TURNS + 2
    for turn in range(turns):
        intent = intents[turn % len(intents)]
        assert bot.texts(questions[intent], sender)[0] == answers[intent], turn

    # A button click after the cuts stays in the conversation's language (a slot).
    assert bot.texts(f"/{intents[0]}", sender)[0] == answers[intents[0]]

    # What the Rasa server loads per message (the store's ``retrieve``): the
    # current session only, with the conversation's language.
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "0")  # no purge from this copy
    store = TunedSQLTrackerStore(
        domain=Domain.load(helpers.DOMAIN_FILE), host=f"sqlite:///{bot.db}"
    )
    loaded = await store.retrieve(f"rest:{sender}")
    assert isinstance(loaded.events[0], SessionStarted)
    assert 0 < sum(isinstance(e, UserUttered) for e in loaded.events) <= MAX_SESSION_TURNS
    assert loaded.get_slot("language") == "ru"
    # What the store keeps: every turn, across the sessions.
    stored = stored_events(bot, f"rest:{sender}")
    assert stored.count("user") == turns + 1
    assert stored.count("session_started") == 1 + (turns + 1 - 1) // MAX_SESSION_TURNS


def test_a_follow_up_and_none_of_these_cross_the_cut(bot):
    sender = uuid.uuid4().hex
    answers = helpers.answers_by_intent()
    for _ in range(MAX_SESSION_TURNS - 1):
        assert bot.texts("thanks!", sender) == [helpers.text("thanks")]
    # Turn MAX_SESSION_TURNS answers; the next message starts a new session.
    assert (
        bot.texts("Why are there Koreans in Kazakhstan?", sender)[0]
        == (answers["faq_why_koreans_in_kazakhstan"])
    )
    assert bot.texts("how about Kyrgyzstan?", sender)[0] == answers["faq_why_koreans_in_kyrgyzstan"]
    assert stored_events(bot, f"rest:{sender}").count("session_started") == 2

    # "Did you mean" at the bound: the cut waits until "None of these" is logged.
    sender = uuid.uuid4().hex
    for _ in range(MAX_SESSION_TURNS - 1):
        assert bot.texts("thanks!", sender) == [helpers.text("thanks")]
    before = len(logged(bot, UNSURE_TOO))
    assert bot.texts(UNSURE_TOO, sender)[0] == helpers.text("did_you_mean_prompt")
    assert bot.texts("/none_of_these", sender) == [helpers.text("none_of_these_reply")]
    assert [e.kind for e in logged(bot, UNSURE_TOO)[:2]] == ["none_of_these", "did_you_mean"]
    assert len(logged(bot, UNSURE_TOO)) == before + 2
    assert stored_events(bot, f"rest:{sender}").count("session_started") == 1
    assert bot.texts("thanks!", sender) == [helpers.text("thanks")]
    assert stored_events(bot, f"rest:{sender}").count("session_started") == 2


def test_a_conversation_of_fallbacks_is_cut_too(bot):
    """The cut waits one turn after "did you mean", never more: otherwise each call
    to the action server would grow until it passed the body cap."""
    sender = uuid.uuid4().hex
    for turn in range(2 * MAX_SESSION_TURNS + 3):
        assert bot.texts(f"how do I bake sourdough bread, take {turn}?", sender) == (
            helpers.fallback_texts()
        ), turn
    stored = stored_events(bot, f"rest:{sender}")
    assert stored.count("session_started") == 3
