"""Our changes under Rasa: the tuned SQL tracker store and the one-time compiled
validator of action server responses."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import patches
from patches.action_validation import validate_action_result
from stores.tracker_store import TunedSQLTrackerStore


async def test_sqlite_tracker_store_uses_wal_and_keeps_conversations(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = TunedSQLTrackerStore(domain=Domain.empty(), host=url)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL

    tracker = DialogueStateTracker("someone", slots=[])
    tracker.update(UserUttered("how many kazakhs live in korea?"))
    tracker.update(ActionExecuted("action_answer_faq"))
    tracker.update(BotUttered("an answer"))
    await store.save(tracker)

    reopened = TunedSQLTrackerStore(domain=Domain.empty(), host=url)
    events = list((await reopened.retrieve("someone")).events)
    assert [type(e).__name__ for e in events] == ["UserUttered", "ActionExecuted", "BotUttered"]
    assert events[0].text == "how many kazakhs live in korea?"


def test_action_responses_are_validated_once_compiled_and_as_strictly():
    patches.install()  # as the launcher does (lean/__main__.py)
    assert RemoteAction._validate_action_result is validate_action_result
    action = RemoteAction("action_answer_faq", None)
    good = {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "hi"}]}
    assert action._validate_action_result(good) is True
    for bad in ({"events": "not a list"}, {"events": [{"event": 5}]}, {"responses": "x"}):
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            action._validate_action_result(bad)
