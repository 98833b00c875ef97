"""A long conversation is cut into sessions of at most ``MAX_SESSION_TURNS`` turns.

Why: Rasa 3.6 loads the current session's events from the tracker store and
replays them on every message, runs the policies over them, and sends them all
to the action server with every action call. A session ends only after
``session_expiration_time`` (60 minutes) without a message, so a Telegram or
Slack chat that stays active keeps one session forever and each message costs
more than the last. Measured over REST (`python -m tools.bench`, one sender,
seed questions and chit-chat): p50 48 ms for turns 1-50 and 416 ms for turns
351-400 (8.7x) before this change.

What: when a message arrives and the current session already holds
``MAX_SESSION_TURNS`` user turns, a new session starts before the message is
handled, the way Rasa starts one after the expiry (``SessionStarted``, then
``action_listen``), except that the slots carry over (the conversation's
language and the topic a follow-up leans on), whatever
``carry_over_slots_to_new_session`` says: that setting is for a user coming back
after the expiry. Nothing is deleted: the tracker store keeps every session (the
SQL store's ``retrieve_full_tracker`` and ``/conversations/<id>/story?all_sessions=true``
return them), and only the current one is loaded per message, so the work per
message is bounded by ``MAX_SESSION_TURNS``.

Not while the bot waits on "did you mean": its "None of these" button logs the
question asked before it (actions/none_of_these.py), which must stay in the
session; the cut waits one turn, and never more. ``action_faq_fallback`` also
sends the plain fallback, so a conversation of fallbacks alone would otherwise
never be cut, and each call to the action server would grow until it passed
the action server's body cap (scripts/actions.py): that user would then get
"temporarily unavailable" until the session expired.

Measured after (`make bench`): p50 22.2 ms for turns 1-50 and 24.8 ms for
turns 351-400 (1.12x; stock `rasa init` 4.69x in the same run). Why 10 turns:
bounds of 80, 40, 20, 10 and 5 turns gave 1.33x, 1.49x, 1.07x, 0.98x and
1.06x (docs/performance.md); 10 is the largest with a flat cost, and a
smaller one only starts more sessions.

Relies on Rasa 3.6.21 internals: ``MessageProcessor._update_tracker_session``
(called once per message before the message is logged) and
``MessageProcessor._has_session_expired``. tests/test_long_conversations.py
fails if the patch is not installed.
"""

from __future__ import annotations

from typing import Any

from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

MAX_SESSION_TURNS = 10
# The action whose buttons ("did you mean") need the question before them.
WAITS_FOR_BUTTON = "action_faq_fallback"

_original = MessageProcessor._update_tracker_session


def turns_in_session(tracker: DialogueStateTracker) -> int:
    """User turns since the latest session start (the loaded tracker holds one session)."""
    turns = 0
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            break
        if isinstance(event, UserUttered):
            turns += 1
    return turns


def last_reply_action(tracker: DialogueStateTracker) -> str | None:
    """The action that replied to the previous message (not ``action_listen``)."""
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecuted) and event.action_name != ACTION_LISTEN_NAME:
            return event.action_name
        if isinstance(event, SessionStarted):
            return None
    return None


def should_cut(tracker: DialogueStateTracker) -> bool:
    turns = turns_in_session(tracker)
    if turns > MAX_SESSION_TURNS:  # it has waited its one turn
        return True
    return turns == MAX_SESSION_TURNS and last_reply_action(tracker) != WAITS_FOR_BUTTON


def new_session(tracker: DialogueStateTracker) -> list[Any]:
    """A session start that keeps the slots: the events of ``action_session_start``
    with ``carry_over_slots_to_new_session: true``."""
    slots = [
        SlotSet(key=slot.name, value=slot.value)
        for slot in tracker.slots.values()
        if slot.value is not None and slot.value != slot.initial_value
    ]
    return [
        ActionExecuted(ACTION_SESSION_START_NAME),
        SessionStarted(),
        *slots,
        ActionExecuted(ACTION_LISTEN_NAME),
    ]


async def _update_tracker_session(
    self: MessageProcessor,
    tracker: DialogueStateTracker,
    output_channel: Any,
    metadata: dict | None = None,
) -> None:
    if tracker.events and not self._has_session_expired(tracker) and should_cut(tracker):
        tracker.update_with_events(new_session(tracker), self.domain)
        return
    await _original(self, tracker, output_channel, metadata)


def install() -> None:
    MessageProcessor._update_tracker_session = _update_tracker_session  # type: ignore[method-assign]
