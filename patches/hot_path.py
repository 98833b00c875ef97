"""Two lookups Rasa 3.6 repeats on every message, done once.

A profile of the Rasa server under load (`python -m tools.profile_server`, 8
conversations, main thread) put 12.7% of its time in
``rasa.shared.utils.common.all_subclasses`` and 5.3% in
``GraphSchema._all_dependencies_schema``:

- ``Event.resolve_by_type(type_name)`` walks the whole class tree of
  ``Event`` (``all_subclasses``) for every event it deserialises, and a message
  deserialises every event of the session it loads, plus the action server's
  reply. ``install()`` remembers the class found for each type name. Only a
  hit is remembered: a name that resolves to nothing, or to the ``default``
  argument, is looked up again each time, so an ``Event`` subclass defined
  later is still found.
- ``GraphSchema.minimal_graph_schema(targets)`` recomputes, for each run of
  the model's graph (once to parse the message and once per action predicted),
  the nodes the targets depend on, by a recursion that visits shared
  dependencies again and again. The schema of a loaded model does not change,
  so ``install()`` keeps the result per schema and targets.

Measured together with the leaner SQL store (stores/tracker_store.py), one
process at 32 conversations, the same client: 29.2 msg/s before, 44.6 after
(docs/performance.md, "Constant cost per message").

Relies on Rasa 3.6.21 internals: ``Event.resolve_by_type`` (a static method)
and ``GraphSchema.minimal_graph_schema``. tests/test_stores.py checks both
give what Rasa's own code gives, and that the launcher installs them.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import GraphSchema
from rasa.shared.core.events import Event

_resolve_by_type = Event.resolve_by_type
_minimal_graph_schema = GraphSchema.minimal_graph_schema
_event_classes: dict[str, type[Event]] = {}


def resolve_by_type(type_name: str, default: Any = None) -> Any:
    found = _event_classes.get(type_name)
    if found is not None:
        return found
    found = _resolve_by_type(type_name, default)
    if found is not None and found is not default:
        _event_classes[type_name] = found
    return found


def minimal_graph_schema(self: GraphSchema, targets: list[str] | None = None) -> GraphSchema:
    cache = self.__dict__.setdefault("_faq_minimal_schemas", {})
    key = tuple(targets) if targets else None
    if key not in cache:
        cache[key] = _minimal_graph_schema(self, targets)
    return cache[key]


def install() -> None:
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
    GraphSchema.minimal_graph_schema = minimal_graph_schema  # type: ignore[method-assign]
