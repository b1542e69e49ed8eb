"""Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, ...) and how they are served (cf. Redis
7.4's ``blocked.c``).

A blocking command that finds nothing to pop calls :meth:`Blocking.block` and returns
:data:`BLOCKED`: its connection then holds the client's later requests until the reply comes.
Per database, each key maps to the clients waiting for it in arrival order; each blocked client
has one :class:`Blocked` record (its keys, the command to run again, its deadline).

Redis 7.4's rules, followed here:

* a key becomes *ready* when it is created (``dbAdd``: :meth:`KeyEvents.added`) while someone
  waits for it, or is brought in by SWAPDB (``scanDatabaseForReadyKeys``); each ready key is
  queued once (``signalKeyAsReady``);
* after every command, and after an EXEC as a whole (never inside it), the ready keys are
  handled in the order they became ready (``handleClientsBlockedOnKeys``): for each, the clients
  that were waiting when its turn came are visited first come, first served; one whose wait
  type matches the key's current type (a list for the list commands, a sorted set for the
  BZ commands) is unblocked and its **command runs again** (``unblockClientOnKey``): it reads
  its keys in argument order, so it may be served from another of its keys, it may fail (BLMOVE
  onto a key of the wrong type answers WRONGTYPE), or find nothing and block again at the back
  of each queue, keeping its deadline. A pop, move or push done by a served command is exactly
  the non-blocking command's (the blocking commands call it), and a push that makes another key
  ready is handled in the same pass (BLMOVE chains);
* the deadline is in whole milliseconds and the timeout fires once it has passed
  (``deadline < now``) with a null array; CLIENT UNBLOCK answers the same, or the
  ``-UNBLOCKED`` error; a closed connection is forgotten at once;
* a client blocks only outside MULTI/EXEC; inside, the commands answer at once as their
  non-blocking forms (``CLIENT_DENY_BLOCKING``).

Command statistics count a blocked command once, when it completes (served, timed out or
unblocked), as ``call()`` and ``updateStatsOnUnblock`` do.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from pyredisd.core import errors, longdouble
from pyredisd.core.clock import DelayedCall, call_at
from pyredisd.core.errors import CommandError
from pyredisd.core.replies import NULL_ARRAY, ErrorReply, NoReply, Reply
from pyredisd.core.zset import ZSet

if TYPE_CHECKING:
    from pyredisd.core.clients import Client
    from pyredisd.core.commands.table import Command
    from pyredisd.core.keyspace import Database
    from pyredisd.core.server import Server

# What a blocking command returns when it blocked the client: the connection holds the client's
# later requests; the real reply is delivered with ``Peer.unblocked``. Encodes to nothing.
BLOCKED = NoReply()

# What a client waits for (``BLOCKED_LIST``, ``BLOCKED_ZSET``): the type a ready key must have.
LIST = deque
ZSET = ZSet

_LLONG_MAX = (1 << 63) - 1


def parse_timeout(arg: bytes, now_ms: int) -> int:
    """``getTimeoutFromObjectOrReply(UNIT_SECONDS)``: the absolute deadline in milliseconds, or 0
    for "forever". The seconds are a long double, scaled to milliseconds in long double and
    rounded up (``ceill``); so ``0.0001`` waits 1 ms and ``-0.0001`` (which rounds to 0)
    forever."""
    seconds = longdouble.parse(arg)
    if seconds is None:
        raise CommandError(errors.TIMEOUT_NOT_FLOAT)
    if isinstance(seconds, float):  # an infinity
        raise CommandError(errors.TIMEOUT_NEGATIVE if seconds < 0 else errors.TIMEOUT_OUT_OF_RANGE)
    scaled = longdouble.round_to_long_double(seconds * 1000)
    if scaled is None:
        raise CommandError(errors.TIMEOUT_NEGATIVE if seconds < 0 else errors.TIMEOUT_OUT_OF_RANGE)
    if scaled > _LLONG_MAX:
        raise CommandError(errors.TIMEOUT_OUT_OF_RANGE)
    ms = -((-scaled.numerator) // scaled.denominator)  # ceil
    if ms < 0:
        raise CommandError(errors.TIMEOUT_NEGATIVE)
    if ms == 0:
        return 0
    if ms > _LLONG_MAX - now_ms:
        raise CommandError(errors.TIMEOUT_OUT_OF_RANGE)  # deadline would overflow
    return now_ms + ms


class Blocked:
    """One blocked client: what it waits for and what it will run again (``c->bstate``)."""

    __slots__ = ("argv", "client", "command", "db", "deadline_ms", "keys", "timer", "wants")

    def __init__(
        self, client: Client, command: Command, argv: list[bytes], wants: type, deadline_ms: int
    ) -> None:
        self.client = client
        self.command = command
        self.argv = argv
        self.db: Database = client.db
        self.wants = wants
        self.deadline_ms = deadline_ms
        self.keys: tuple[bytes, ...] = ()
        self.timer: DelayedCall | None = None


class Blocking:
    """The server's blocked clients, by database and key, and its queue of ready keys."""

    def __init__(self, server: Server) -> None:
        self.server = server
        # db id -> key -> {client id: Blocked}, in blocking order (``db->blocking_keys``).
        self.waiting: list[dict[bytes, dict[int, Blocked]]] = [{} for _ in server.dbs]
        # Blocked clients by id.
        self.clients: dict[int, Blocked] = {}
        # Ready keys in signal order (``server.ready_keys``) and the set of those not handled
        # yet (``db->ready_keys``), which stops a key from being queued twice.
        self.ready: list[tuple[Database, bytes]] = []
        self.pending: set[tuple[int, bytes]] = set()
        self._handling = False

    # -- state for INFO and the key hooks ------------------------------------------------------
    def has_waiters(self, db: Database) -> bool:
        """Whether anyone waits on a key of ``db`` (its writes must then be reported)."""
        return bool(self.waiting[db.id])

    def blocking_keys(self) -> int:
        """INFO ``total_blocking_keys``: distinct keys waited on, over all databases."""
        return sum(len(keys) for keys in self.waiting)

    def in_timeout_table(self) -> int:
        """INFO ``clients_in_timeout_table``: blocked clients with a deadline."""
        return sum(1 for state in self.clients.values() if state.deadline_ms)

    # -- blocking ------------------------------------------------------------------------------
    def block(
        self, c: Client, argv: list[bytes], wants: type, keys: list[bytes], deadline_ms: int
    ) -> Reply:
        """``blockForKeys``: make ``c`` wait on ``keys`` until ``deadline_ms`` (0: forever) and
        return :data:`BLOCKED`. A client blocking again while its command is run again keeps
        its first deadline, and joins the back of each queue."""
        state = self.clients.get(c.id)
        if state is None:
            command = c.last_cmd
            assert command is not None
            state = Blocked(c, command, argv, wants, deadline_ms)
            self.clients[c.id] = state
            # ``execute`` counts the command after the handler returns; a blocked command is
            # counted when it completes instead (``call()`` skips CLIENT_BLOCKED clients).
            command.calls -= 1
            c.tot_cmds -= 1
            if deadline_ms:
                state.timer = call_at(
                    self.server.clock, deadline_ms, lambda: self._timed_out(state)
                )
        waiting = self.waiting[state.db.id]
        was_idle = not waiting
        state.keys = tuple(dict.fromkeys(keys))
        for key in state.keys:
            queue = waiting.get(key)
            if queue is None:
                waiting[key] = {c.id: state}
            else:
                queue[c.id] = state
        if was_idle:
            state.db.refresh_hooks()
        c.blocked = True
        c.unblock = lambda reason: self._unblocked_by_command(state, reason)
        if c.peer is not None:
            c.peer.refresh()
        return BLOCKED

    def _release(self, state: Blocked) -> None:
        """Take the client off every key it waits on (``unblockClientWaitingData``)."""
        waiting = self.waiting[state.db.id]
        cid = state.client.id
        for key in state.keys:
            queue = waiting.get(key)
            if queue is not None:
                queue.pop(cid, None)
                if not queue:
                    del waiting[key]
        state.keys = ()
        if not waiting:
            state.db.refresh_hooks()
        state.client.blocked = False

    def _complete(self, state: Blocked, reply: Reply) -> None:
        """The blocked command is done: count it, forget the client, send ``reply``."""
        client = state.client
        if state.timer is not None and state.timer.active():
            state.timer.cancel()
        state.timer = None
        self.clients.pop(client.id, None)
        client.unblock = None
        state.command.calls += 1
        client.tot_cmds += 1
        if client.peer is not None:
            client.peer.unblocked(reply)

    def _failed(self, state: Blocked, message: str) -> ErrorReply:
        self.server.stats.count_error(message)
        state.command.failed_calls += 1
        return ErrorReply(message)

    def _timed_out(self, state: Blocked) -> None:
        """The deadline passed (``unblockClientOnTimeout``)."""
        state.timer = None
        if self.clients.get(state.client.id) is state:
            self._release(state)
            self._complete(state, NULL_ARRAY)

    def _unblocked_by_command(self, state: Blocked, reason: str) -> None:
        """CLIENT UNBLOCK: as a timeout, or with the ``-UNBLOCKED`` error."""
        self._release(state)
        reply = NULL_ARRAY if reason == "timeout" else self._failed(state, errors.UNBLOCKED)
        self._complete(state, reply)

    def forget(self, client: Client) -> None:
        """``client`` is gone: drop every trace of its wait (``Server.detach``)."""
        state = self.clients.pop(client.id, None)
        if state is None:
            return
        self._release(state)
        if state.timer is not None and state.timer.active():
            state.timer.cancel()
        state.timer = None
        client.unblock = None

    # -- readiness -----------------------------------------------------------------------------
    def signal(self, db: Database, key: bytes) -> None:
        """``signalKeyAsReady``: ``key`` got a value; queue it if anyone waits for it."""
        if key not in self.waiting[db.id]:
            return
        ident = (db.id, key)
        if ident in self.pending:
            return
        self.pending.add(ident)
        self.ready.append((db, key))
        self.server.blocked_keys_ready()

    def scan(self, db: Database) -> None:
        """``scanDatabaseForReadyKeys`` (SWAPDB): every waited-on key that now exists is
        ready."""
        for key in list(self.waiting[db.id]):
            if key in db.data:
                self.signal(db, key)

    def handle(self) -> None:
        """``handleClientsBlockedOnKeys``: serve the clients waiting on the ready keys, until
        no key is ready (serving a BLMOVE may make another key ready). Not re-entrant."""
        if self._handling:
            return
        self._handling = True
        try:
            while self.ready:
                batch, self.ready = self.ready, []
                for db, key in batch:
                    self.pending.discard((db.id, key))
                    self._handle_key(db, key)
        finally:
            self._handling = False

    def _handle_key(self, db: Database, key: bytes) -> None:
        """``handleClientsBlockedOnKey``: visit the clients waiting on ``key`` when its turn
        came, in order; run again the command of each whose wait matches the key's type."""
        queue = self.waiting[db.id].get(key)
        if not queue:
            return
        for state in list(queue.values()):
            if self.clients.get(state.client.id) is not state or key not in state.keys:
                continue  # served, or gone, meanwhile
            value = db.data.get(key)
            if value is not None:
                deadline = db.expires.get(key) if db.expires else None
                if deadline is not None and deadline <= self.server.now_ms:
                    value = None  # expired: absent, but not deleted (LOOKUP_NOEFFECTS)
            if value is not None and type(value) is state.wants:
                self._serve(state)

    def _serve(self, state: Blocked) -> None:
        """``unblockClientOnKey``: unblock the client and run its command again, under a new
        time snapshot; it either completes (its reply is sent) or blocks again."""
        self._release(state)
        server = self.server
        client = state.client
        command = state.command
        now = server.clock.seconds()
        server.now = now
        server.now_ms = int(now * 1000)
        start = server.timer()
        try:
            reply = command.handler(client, state.argv)  # type: ignore[misc]
        except CommandError as exc:
            reply = self._failed(state, exc.message)
        command.usec += (server.timer() - start) // 1000
        if reply is not BLOCKED:
            self._complete(state, reply)
