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


def test_the_hot_path_lookups_give_what_rasas_own_code_gives():
    from rasa.engine.graph import GraphSchema
    from rasa.shared.core.events import Event, SlotSet

    from patches import hot_path

    patches.install()  # as the launcher does (lean/__main__.py)
    assert Event.resolve_by_type is hot_path.resolve_by_type
    for cls in rasa_event_classes():
        assert Event.resolve_by_type(cls.type_name) is hot_path._resolve_by_type(cls.type_name)
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("no such event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no such event")

    assert GraphSchema.minimal_graph_schema is hot_path.minimal_graph_schema
    schema = trained_predict_schema()
    for targets in (None, ["run_RulePolicy0"], list(schema.nodes)[:2]):
        cached = schema.minimal_graph_schema(targets)
        assert cached == hot_path._minimal_graph_schema(schema, targets)
        assert schema.minimal_graph_schema(targets) is cached  # computed once


def rasa_event_classes() -> list[type]:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    return [cls for cls in all_subclasses(Event) if getattr(cls, "type_name", None)]


def trained_predict_schema():
    import json
    import tarfile

    from rasa.engine.graph import GraphSchema

    from bot.paths import MODEL

    with tarfile.open(MODEL) as archive:
        member = next(m for m in archive.getmembers() if m.name.lstrip("/") == "metadata.json")
        metadata = json.load(archive.extractfile(member))
    return GraphSchema.from_dict(metadata["predict_schema"])
