"""Every change this bot makes to Rasa 3.6's own behaviour, in one place.

``install()`` applies them all. The launcher, ``python -m lean`` (lean/), calls
it before Rasa starts, and `make run`, `make shell`, the tests and `make bench`
all start Rasa through that launcher, so they behave alike. Importing any
module of the bot changes nothing; only ``install()`` does.

- ``unavailable``: a failed call to the action server gets the reply
  "temporarily unavailable" instead of silence.
- ``action_validation``: action server responses are validated with one
  compiled JSON schema validator instead of building one per message
  (49% of the server's CPU under load).
- ``tracker_errors``: a data error in one conversation no longer makes the SQL
  tracker store exit the process.
- ``bounded_sessions``: a long conversation is cut into sessions of at most 10
  turns (slots carried over), so a message costs the same at turn 400 as at
  turn 10; the tracker store keeps every session.
- ``hot_path``: two lookups Rasa repeats on every message (event classes by
  name, the graph nodes a run needs) are done once.
- ``context``: a message that points back at the conversation ("what made them
  stay?") and gets no FAQ question is parsed again with the subject of the
  question just answered.
- ``store_failures``: a turn the tracker store or the lock store cannot keep
  is not answered as if it were: its replies wait for the save, and the user
  gets "temporarily unavailable" (REST: a 503) instead of a silent loss.

Each module says why, what was measured, and which Rasa internals it relies
on: re-check them on any Rasa upgrade. tests/test_stores.py, tests/test_fuzz.py,
tests/test_faults.py and tests/test_shell.py fail if one is not installed.
"""

from __future__ import annotations

from patches import (
    action_validation,
    bounded_sessions,
    context,
    hot_path,
    store_failures,
    tracker_errors,
    unavailable,
)

CHANGES = (
    unavailable,
    action_validation,
    tracker_errors,
    bounded_sessions,
    hot_path,
    store_failures,
    context,
)


def install() -> None:
    """Apply every change (idempotent)."""
    for change in CHANGES:
        change.install()
