"""The web page server's guard against abusive connections (scripts/web.py).

Sanic 21.12, which Rasa pins, has no connection limit, restarts a request's
timeout on every chunk received (so a request trickled a byte at a time never
times out), stops checking a connection's timeouts once a request on it asks
for a websocket, and logs a traceback for every connection it closes while a
request head is still arriving. ``CappedHttpProtocol``, the page server's
``protocol=``, closes those gaps; tests/test_web_server.py guards each against
a real server.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import resource
import time

from sanic.http import Stage
from sanic.server.protocols.http_protocol import HttpProtocol

logger = logging.getLogger("scripts.web")

# A visitor's browser opens at most 6 connections to the page server, for a few
# seconds: 2,000 is hundreds of visitors loading the page at the same moment.
# Each connection is a file descriptor, so the cap must stay under the process's
# limit (RLIMIT_NOFILE; often 1,024 soft): ``raise_fd_limit`` raises the soft limit
# towards the hard one if it must, and ``connection_cap`` lowers the cap to fit.
MAX_CONNECTIONS = 2000
# File descriptors the process needs besides its connections (the interpreter,
# the listening socket, the event loop, a file being read), with room to spare.
FD_RESERVE = 64
# At the cap, the oldest waiting connections are closed a tenth of the cap at a
# time: one pass over all of them per tenth, not per new connection (2,000 new
# connections at a cap of 2,000 cost 2.9 s of CPU one at a time, 0.3 s this way).
EVICT_FRACTION = 10
# The log line about the cap being reached comes at most this often.
CAP_LOG_INTERVAL_S = 60


def connection_cap(fd_limit: int) -> int:
    """At most this many connections open under a limit of ``fd_limit`` descriptors."""
    return max(1, min(MAX_CONNECTIONS, fd_limit - FD_RESERVE))


def raise_fd_limit() -> int:
    """Raise the soft limit on open files to what ``MAX_CONNECTIONS`` needs, if the
    hard limit allows (an unprivileged process may); return the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = MAX_CONNECTIONS + FD_RESERVE
    if soft != resource.RLIM_INFINITY and soft < wanted:
        soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return soft


class CappedHttpProtocol(HttpProtocol):
    """Sanic's HTTP/1.1 protocol with a connection cap and a request deadline.

    Sanic 21.12 has no connection limit. ``self.connections`` is the server's set
    of open connections, shared by every protocol instance, which HttpProtocol
    adds to in connection_made and SanicProtocol discards from in connection_lost.
    At the cap, a new connection takes the place of the oldest ones that are still
    waiting for (or receiving) a request, so a flood of half-sent requests cannot
    keep visitors out; if every connection is busy sending a response, the new one
    is closed.
    """

    __slots__ = ()
    cap = MAX_CONNECTIONS  # main() sets it from the process's file-descriptor limit
    last_cap_log = float("-inf")

    def connection_made(self, transport: asyncio.Transport) -> None:
        if len(self.connections) >= self.cap:
            self.log_cap()
            victims = self.oldest_waiting(max(1, self.cap // EVICT_FRACTION))
            if not victims:
                transport.abort()
                return
            for victim in victims:
                self.connections.discard(victim)
                victim.abort()
        super().connection_made(transport)

    def oldest_waiting(self, count: int) -> list[CappedHttpProtocol]:
        """The ``count`` connections that have waited longest for a request, with
        nothing left to send (closing them loses no response)."""
        waiting = (
            connection
            for connection in self.connections
            if connection.transport is not None
            and connection.transport.get_write_buffer_size() == 0
            and getattr(connection, "_http", None) is not None
            and connection._http.stage in (Stage.IDLE, Stage.REQUEST)
        )
        return heapq.nsmallest(count, waiting, key=lambda connection: connection._time)

    def abort(self) -> None:
        # SanicProtocol.abort also forgets the transport, and then Http.http1 logs a
        # traceback for a connection whose request head was still arriving (it reads
        # the method of a request not yet made). Aborting the transport alone takes
        # the path of a client that disconnects, which logs nothing. Sanic calls this
        # at shutdown and after a close that did not finish in time; the cap above too.
        if self.transport is not None:
            self.transport.abort()

    @classmethod
    def log_cap(cls) -> None:
        now = time.monotonic()
        if now - cls.last_cap_log >= CAP_LOG_INTERVAL_S:
            cls.last_cap_log = now
            logger.warning(
                "%d connections open, the cap: new ones replace the oldest waiting ones", cls.cap
            )

    def check_timeouts(self) -> None:
        # Sanic stops checking a connection's timeouts for good once a request on it
        # asks for a websocket (Upgrade: websocket) while its response waits to be
        # sent, so a client that asks so and then reads nothing would hold it forever.
        # The page has no websockets: the flag only ever disables the timeouts.
        http = getattr(self, "_http", None)
        if http is not None:
            http.upgrade_websocket = False
        super().check_timeouts()

    def data_received(self, data: bytes) -> None:
        # Sanic restarts its timeout clock (self._time, read by check_timeouts) on
        # every chunk received, so a client sending one byte every few seconds
        # would never reach REQUEST_TIMEOUT. Here only the first bytes of a request
        # start the clock: a whole request head must arrive in REQUEST_TIMEOUT, and
        # a body the page does not read does not keep the connection alive either.
        http = getattr(self, "_http", None)
        starts_request = http is None or (http.stage is Stage.IDLE and not http.request_body)
        started = self._time
        super().data_received(data)
        if not starts_request:
            self._time = started
