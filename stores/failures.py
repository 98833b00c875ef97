"""What a store failure is, and how it is logged: once per incident.

``StoreUnavailable`` is raised when a conversation cannot be read, saved or
locked (patches/store_failures.py turns the tracker store's and the lock
store's errors into it). The channels answer it honestly: REST with a 503
(channels/rest.py), the others with the "temporarily unavailable" reply.

``Incident`` keeps a full disk or a database that is down from writing one
error per message: the first failure is logged with its cause, the next ones
are counted, and the first success after them is logged with the count.
"""

from __future__ import annotations

import logging
import threading


class StoreUnavailable(Exception):
    """A conversation could not be read, saved, erased or locked.

    ``erasing``: the turn was "forget me", whose erasure did not happen.
    """

    def __init__(self, what: str, erasing: bool = False) -> None:
        super().__init__(what)
        self.erasing = erasing


class Incident:
    """One ERROR line when ``what`` starts failing, one INFO line when it works
    again (per process: each of the Rasa server's processes says it once)."""

    def __init__(self, what: str, logger: logging.Logger) -> None:
        self.what = what
        self.logger = logger
        self.failures = 0
        self._lock = threading.Lock()

    def failed(self, error: BaseException) -> None:
        with self._lock:
            self.failures += 1
            first = self.failures == 1
        if first:
            self.logger.error(
                "%s failed (%s: %s); answering 'temporarily unavailable' until it works again.",
                self.what,
                type(error).__name__,
                " ".join(str(error).split()),  # one line
            )

    def succeeded(self) -> None:
        if not self.failures:  # the usual case: no lock taken
            return
        with self._lock:
            failures, self.failures = self.failures, 0
        if failures:
            self.logger.info("%s works again, after %d failed attempts.", self.what, failures)
