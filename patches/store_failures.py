"""A turn that cannot be saved is never answered as if it were.

Why: Rasa 3.6 wraps every tracker store in ``FailSafeTrackerStore``
(``Agent._create_tracker_store``). When a save fails, it logs the error and
keeps the tracker in memory; when a read fails, the conversation starts afresh.
Either way the replies have already gone out: the processor sends each bot
message to the output channel as soon as its action has run
(``MessageProcessor._send_bot_messages``), and saves the tracker only at the
end of ``handle_message``. Reproduced with ``var/`` full: every message was
answered, 201 of 300 turns were never saved, and "forget me" confirmed an
erasure that had not happened.

What ``install()`` changes:

- ``FailSafeTrackerStore.retrieve``, ``retrieve_full_tracker`` and ``save``
  raise ``StoreUnavailable`` (stores/failures.py) instead of falling back; the
  log says why once per incident.
- ``Agent.handle_message`` holds the turn's replies back (``HeldReplies``)
  until the tracker is saved (for "forget me": until the deletion is
  committed, stores/tracker_store.py); ``MessageProcessor.handle_message``
  then sends them, as Rasa would have, still inside the conversation's lock,
  so that the next message's replies cannot overtake them (a Slack reply
  waiting out a rate limit, for one). If the tracker store or the lock store
  fails before the save, the replies are dropped and the user gets
  ``temporarily_unavailable`` instead, or ``forget_failed`` when the turn was
  an erasure, in the conversation's language. The REST channel, which
  collects replies into its response, gets the ``StoreUnavailable`` too and
  answers 503 (channels/rest.py).

Relies on Rasa 3.6.21 internals: ``FailSafeTrackerStore``'s method names and
its ``_tracker_store`` (the primary store), ``Agent.handle_message`` (which
takes the conversation's lock around ``MessageProcessor.handle_message``, which
saves the tracker last), and
the processor's use of an output channel: ``send_response`` for every bot
message, ``name()`` for channel-specific responses, nothing else.
tests/test_store_failures.py fails without it (a full tmpfs, SQLite and
PostgreSQL).
"""

from __future__ import annotations

import contextvars
import functools
import logging
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.lock_store import LockError
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from bot import languages
from bot.content import current
from stores.failures import Incident, StoreUnavailable
from stores.tracker_store import erases

logger = logging.getLogger(__name__)

WRITES = Incident("Saving conversations (the tracker store)", logger)
READS = Incident("Reading conversations (the tracker store)", logger)
LOCKS = Incident("Locking conversations (the lock store)", logger)

# The replies of the turn being handled (one per message, in its own task).
_TURN: contextvars.ContextVar[HeldReplies | None] = contextvars.ContextVar("faq_turn", default=None)


class HeldReplies(OutputChannel):
    """An output channel that keeps the replies until ``send`` passes them on."""

    def __init__(self, channel: OutputChannel) -> None:
        self.channel = channel
        self.held: list[tuple[str, dict[str, Any]]] = []
        self.saved = False

    def name(self) -> str:  # type: ignore[override]  (an instance's, not the class's)
        return self.channel.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.held.append((recipient_id, message))

    async def send(self) -> None:
        held, self.held = self.held, []
        for recipient_id, message in held:
            await self.channel.send_response(recipient_id, message)


async def retrieve(self: FailSafeTrackerStore, sender_id: str) -> DialogueStateTracker | None:
    try:
        tracker = await self._tracker_store.retrieve(sender_id)
    except Exception as error:
        READS.failed(error)
        raise StoreUnavailable("the conversation could not be read") from error
    READS.succeeded()
    return tracker


async def retrieve_full_tracker(
    self: FailSafeTrackerStore, sender_id: str
) -> DialogueStateTracker | None:
    try:
        return await self._tracker_store.retrieve_full_tracker(sender_id)
    except Exception as error:
        READS.failed(error)
        raise StoreUnavailable("the conversation could not be read") from error


async def save(self: FailSafeTrackerStore, tracker: DialogueStateTracker) -> None:
    try:
        await self._tracker_store.save(tracker)
    except Exception as error:
        WRITES.failed(error)
        erasing = erases(tracker)
        what = "the conversation could not be erased" if erasing else "the turn could not be saved"
        raise StoreUnavailable(what, erasing=erasing) from error
    WRITES.succeeded()
    turn = _TURN.get()
    if turn is not None:
        turn.saved = True


async def reply_language(agent: Agent, message: UserMessage) -> str:
    """The conversation's language (its slot), else the channel's hint, else English.
    Reads usually still work when writes fail (a full disk)."""
    try:
        primary = agent.tracker_store._tracker_store  # type: ignore[union-attr]
        tracker = await primary.retrieve(message.sender_id)
    except Exception:
        tracker = None
    slot = tracker.get_slot(languages.SLOT) if tracker is not None else None
    hint = (message.metadata or {}).get(languages.HINT_METADATA_KEY)
    return languages.supported(slot) or languages.supported(hint) or languages.ENGLISH


def install() -> None:
    """Replace the fail-safe store's methods and wrap ``Agent.handle_message`` (once)."""
    if getattr(Agent.handle_message, "_faq_store_failures", False):
        return
    FailSafeTrackerStore.retrieve = retrieve  # type: ignore[method-assign]
    FailSafeTrackerStore.retrieve_full_tracker = retrieve_full_tracker  # type: ignore[method-assign]
    FailSafeTrackerStore.save = save  # type: ignore[method-assign]
    process = MessageProcessor.handle_message

    @functools.wraps(process)
    async def process_then_send(self: MessageProcessor, message: UserMessage) -> Any:
        result = await process(self, message)
        if isinstance(message.output_channel, HeldReplies):
            await message.output_channel.send()  # saved: the lock is still held
        return result

    MessageProcessor.handle_message = process_then_send  # type: ignore[method-assign]
    handle_message = Agent.handle_message

    @functools.wraps(handle_message)
    async def handle_when_saved(self: Agent, message: UserMessage) -> Any:
        channel = message.output_channel
        held = HeldReplies(channel)
        message.output_channel = held
        token = _TURN.set(held)
        try:
            result = await handle_message(self, message)
        except (StoreUnavailable, LockError) as error:
            if isinstance(error, LockError):
                LOCKS.failed(error)
            if held.saved:  # only releasing the lock failed: the turn is stored
                await held.send()  # what was not sent yet, if anything
                return None
            content = current().language(await reply_language(self, message))
            erasing = isinstance(error, StoreUnavailable) and error.erasing
            text = content.forget_failed if erasing else content.temporarily_unavailable
            await channel.send_response(message.sender_id, {"text": text})
            if isinstance(channel, CollectingOutputChannel):
                if isinstance(error, StoreUnavailable):
                    raise
                raise StoreUnavailable("the conversation could not be locked") from error
            return None
        finally:
            _TURN.reset(token)
            message.output_channel = channel
        LOCKS.succeeded()
        if isinstance(channel, CollectingOutputChannel):
            return channel.messages
        return result

    handle_when_saved._faq_store_failures = True  # type: ignore[attr-defined]
    Agent.handle_message = handle_when_saved  # type: ignore[method-assign]
