"""Say "temporarily unavailable" when the action server fails, instead of nothing.

Every answer of this bot comes from a custom action, which runs on the action
server. When that server cannot be reached, stock Rasa 3.6 logs the error,
drops the action's events and carries on (``MessageProcessor._run_action``): the
user gets an empty reply and no explanation (RasaHQ/rasa#7630). Rasa 3.6 has no
hook for failed actions, so ``install()`` wraps ``RemoteAction.run``, the call to
the action server:

- The call may take at most ``ACTION_SERVER_TIMEOUT`` seconds (default 10;
  Rasa's own limit is 5 minutes, far longer than anyone waits for a reply).
- If the call fails (connection refused or reset, the time-out, an error status,
  an invalid response), the error is logged and the action returns the bot's
  ``temporarily_unavailable`` text (content/faq.yml, in the conversation's
  language: the ``language`` slot) as its one event, ``BotUttered``. The
  processor sends it and records it like any reply; the rules then listen for
  the next message.
- A rejection (``ActionExecutionRejection``, the action server's documented
  way to refuse an action) is Rasa's normal control flow and passes through.

``patches.install()`` (run by the launcher, lean/) calls ``install()``. Nothing
is cached: the next message calls the action server again, so answers come
back as soon as it is up.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import TYPE_CHECKING

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import BotUttered, Event

from bot import languages, settings
from bot.content import current

if TYPE_CHECKING:
    from rasa.core.channels.channel import OutputChannel
    from rasa.core.nlg import NaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

TIMEOUT_S = settings.get_float("ACTION_SERVER_TIMEOUT")


def install() -> None:
    """Wrap ``RemoteAction.run`` once (later calls do nothing)."""
    if getattr(RemoteAction.run, "_faq_unavailable", False):
        return
    run = RemoteAction.run

    @functools.wraps(run)
    async def run_or_apologise(
        self: RemoteAction,
        output_channel: OutputChannel,
        nlg: NaturalLanguageGenerator,
        tracker: DialogueStateTracker,
        domain: Domain,
    ) -> list[Event]:
        try:
            return await asyncio.wait_for(
                run(self, output_channel, nlg, tracker, domain), TIMEOUT_S
            )
        except ActionExecutionRejection:
            raise
        except Exception as exc:
            reason = str(exc) or f"no answer within {TIMEOUT_S:g} s"  # a time-out has no text
            logger.error(
                "Custom action '%s' failed (%s: %s); replying 'temporarily unavailable'.",
                self.name(),
                type(exc).__name__,
                reason,
            )
            content = current().language(tracker.get_slot(languages.SLOT))
            return [BotUttered(text=content.temporarily_unavailable)]

    run_or_apologise._faq_unavailable = True  # type: ignore[attr-defined]
    RemoteAction.run = run_or_apologise  # type: ignore[method-assign]
