"""The server: databases, clients, the command table, statistics, and the dispatcher.

``Server.execute`` is the hot path: look the command up, check arity and authentication, run the
handler, count it. While a MONITOR client, a CLIENT PAUSE, a Pub/Sub subscriber or a client in
MULTI exists (``_hooked``), it also checks what a monitor may run, postpones what the pause
covers, queues the commands of a client in MULTI, and feeds the monitors. Everything
else a command needs hangs off the server, so two servers can live in one process (tests do).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from typing import Protocol

from pyredisd.core import errors, limits, watch
from pyredisd.core.blocking import Blocking
from pyredisd.core.clients import Client, ClientRegistry
from pyredisd.core.clock import Clock, DelayedCall, call_at
from pyredisd.core.commands import (
    bitmaps,
    blocking,
    client_admin,
    client_tracking,
    connection,
    generic,
    geo,
    hash_expiry,
    hashes,
    hyperloglog,
    introspection,
    lists,
    memory,
    monitoring,
    pubsub,
    scripting,
    server_cmds,
    sets,
    sort,
    sorted_sets,
    strings,
    transactions,
)
from pyredisd.core.commands.spec import CmdFlag
from pyredisd.core.commands.table import Command, CommandTable
from pyredisd.core.config import Config
from pyredisd.core.errors import CommandError
from pyredisd.core.events import KeyEvents
from pyredisd.core.hashttl import FieldExpiry
from pyredisd.core.keyspace import Database, KeyspaceStats
from pyredisd.core.memory import OPTIONS as MEMORY_OPTIONS
from pyredisd.core.memory import Memory
from pyredisd.core.names import SharedNames
from pyredisd.core.peer import DROP_IDLE, DROP_OUTPUT_LIMIT
from pyredisd.core.pubsub import PubSub
from pyredisd.core.replies import QUEUED, ErrorReply, Reply
from pyredisd.core.scripting import Scripts
from pyredisd.core.tracking import Tracking
from pyredisd.core.version import REDIS_VERSION as REDIS_VERSION
from pyredisd.core.zset import CompactLimits

# Commands MONITOR does not show (cf. call(): CMD_SKIP_MONITOR, CMD_ADMIN), those a MONITOR
# client may not run (processCommand: "Replica can't interact with the keyspace"), and those a
# WRITE pause postpones (CMD_WRITE, CMD_MAY_REPLICATE).
_NOT_MONITORED = CmdFlag.SKIP_MONITOR | CmdFlag.ADMIN
_KEYSPACE = CmdFlag.WRITE | CmdFlag.READONLY | CmdFlag.MAY_REPLICATE
_PAUSED_BY_WRITE = CmdFlag.WRITE | CmdFlag.MAY_REPLICATE
# What a client in MULTI runs at once instead of queuing (cf. processCommand).
_NOT_QUEUED = frozenset(("exec", "discard", "multi", "watch", "quit", "reset"))
# What a subscribed RESP2 connection may run (cf. processCommand's Pub/Sub context check).
_PUBSUB_CONTEXT = frozenset(
    (
        "ping",
        "subscribe",
        "ssubscribe",
        "unsubscribe",
        "sunsubscribe",
        "psubscribe",
        "punsubscribe",
        "quit",
        "reset",
    )
)
_ZSET_LIMITS = frozenset(("zset-max-listpack-entries", "zset-max-listpack-value"))
# clientsCron: visit at least this many clients per run, every client about once a second;
# the recent-peak buffer sizes are kept per second over this many seconds.
CLIENTS_CRON_MIN_ITERATIONS = 5
PEAK_SLOTS = 8


class ServerHooks(Protocol):
    """What the core asks of its host (the Twisted service, or a test double)."""

    def shutdown(self) -> None:
        """Stop the server process cleanly."""

    def config_changed(self, names: set[str]) -> None:
        """CONFIG SET changed these options (``hz`` retimes the cron, ``port`` rebinds);
        raise ValueError(name, reason) to refuse, and the old values are restored."""


class _NoHooks:
    def shutdown(self) -> None:
        return None

    def config_changed(self, names: set[str]) -> None:
        return None


class Stats:
    """Server-wide counters for INFO stats (cf. ``server.stat_*``)."""

    __slots__ = (
        "connections",
        "error_replies",
        "errors",
        "last_ops",
        "net_input",
        "net_output",
        "obuf_disconnections",
        "ops_samples",
        "qbuf_disconnections",
        "rejected_connections",
        "start_time",
    )

    def __init__(self, start_time: float) -> None:
        self.start_time = start_time
        self.ops_samples: list[float] = []
        self.last_ops = (start_time, 0)
        self.reset()

    def reset(self) -> None:
        """CONFIG RESETSTAT."""
        self.connections = 0
        self.rejected_connections = 0
        self.net_input = 0
        self.net_output = 0
        self.error_replies = 0
        self.errors: dict[str, int] = {}
        self.qbuf_disconnections = 0
        self.obuf_disconnections = 0

    def count_error(self, message: str) -> None:
        """Count an error reply by its code (INFO errorstats)."""
        code = message.split(" ", 1)[0]
        self.errors[code] = self.errors.get(code, 0) + 1
        self.error_replies += 1


class Server:
    """One pyredisd server instance.

    :param clock: the time source (reactor or ``task.Clock``).
    :param timer: a monotonic nanosecond counter for command timing statistics only.
    :param sleep: how DEBUG SLEEP blocks (Redis blocks the whole server, so do we).
    """

    def __init__(
        self,
        config: Config | None = None,
        clock: Clock | None = None,
        hooks: ServerHooks | None = None,
        timer: Callable[[], int] = time.perf_counter_ns,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config if config is not None else Config.defaults()
        self.clock: Clock = clock if clock is not None else _WallClock()
        self.hooks: ServerHooks = hooks if hooks is not None else _NoHooks()
        self.timer = timer
        self.sleep = sleep
        self.keyspace_stats = KeyspaceStats()
        self.events = KeyEvents(self, self.config["notify-keyspace-events"])
        self.field_expiry = FieldExpiry()  # hash fields with a TTL (HEXPIRE)
        self.field_names = SharedNames()  # one bytes object per common hash field name
        self.zset_limits = CompactLimits()  # zset-max-listpack-*, shared by every sorted set
        self._apply_zset_limits()
        self.tracking = Tracking(self)
        self.events.tracking = self.tracking
        # used_memory, maxmemory and the LRU/LFU clock (pyredisd.core.memory, core.evict).
        self.memory = Memory(self, self.clock.seconds(), random.Random())
        self.dbs: list[Database] = [
            Database(i, self.keyspace_stats, self.events, self.memory.clock, self.field_names)
            for i in range(self.config["databases"])
        ]
        self.refresh_hooks()
        self.clients = ClientRegistry()
        self.commands = CommandTable.build(
            connection.GROUP,
            client_admin.GROUP,
            client_tracking.GROUP,
            monitoring.GROUP,
            pubsub.GROUP,
            server_cmds.GROUP,
            introspection.GROUP,
            memory.GROUP,
            generic.GROUP,
            strings.GROUP,
            bitmaps.GROUP,
            hyperloglog.GROUP,
            lists.GROUP,
            blocking.GROUP,
            hashes.GROUP,
            hash_expiry.GROUP,
            sets.GROUP,
            sorted_sets.GROUP,
            blocking.ZSET_GROUP,
            sort.GROUP,
            geo.GROUP,
            transactions.GROUP,
            scripting.GROUP,
        )
        self._lookup = self.commands.commands.get
        self._seconds = self.clock.seconds
        self.stats = Stats(self.clock.seconds())
        self.run_id = os.urandom(20).hex()
        self.now = self.clock.seconds()
        self.now_ms = int(self.now * 1000)
        self.shutting_down = False
        self.ports: list[int] = []
        self.unixsockets: list[str] = []
        # MONITOR clients and CLIENT PAUSE, by id in arrival order. ``_hooked`` is true while
        # either is in use, or while any client is subscribed to Pub/Sub (in RESP2 it may only
        # run a few commands; a RESP3 subscriber may switch to RESP2 with HELLO, so it counts
        # too): then ``execute`` takes its slower path (one attribute check).
        self.pubsub = PubSub()
        self.monitors: dict[int, Client] = {}
        self.pause_mode: str | None = None  # "write" or "all"
        self.pause_end_ms = 0
        self._pause_timer: DelayedCall | None = None
        self.postponed: dict[int, Client] = {}
        # Clients blocked on keys (BLPOP, ...); ready keys make ``_hooked`` true until served.
        self.blocking = Blocking(self)
        self.events.blocking = self.blocking
        # Clients in MULTI, by id: their commands are queued on the slow path.
        self.in_multi: dict[int, Client] = {}
        self._hooked = False
        # Per client: when its output buffer went over the soft limit (limits.OutputBufferLimit).
        self.soft_limit_since: dict[int, float] = {}
        # clientsCron: where the last run stopped, and the recent peak buffer sizes per second.
        self._cron_cursor = 0
        self.peak_input = [0] * PEAK_SLOTS
        self.peak_output = [0] * PEAK_SLOTS
        # CLIENT NO-TOUCH clients (their commands take the slow path, which puts back the
        # stamps of the keys they looked at), and the stamps saved for the running command.
        self.no_touch: dict[int, Client] = {}
        self._stamps: tuple[Database, list[tuple[bytes, int]]] | None = None
        self.memory.configure()
        self._update_hooked()
        self.scripts = Scripts(self)  # EVAL's script cache and Lua state

    # -- clients -------------------------------------------------------------------------------
    def new_client(self, peer: object = None, **kwargs: object) -> Client:
        """Create and register a client (the protocol calls this on connect)."""
        client = Client(self.clients.next_id(), self, peer, **kwargs)  # type: ignore[arg-type]
        self.clients.add(client)
        self.stats.connections += 1
        return client

    def detach(self, client: Client) -> None:
        """Forget ``client`` everywhere: the one place a closed client is cleaned up."""
        self.clients.remove(client)
        self.monitors.pop(client.id, None)
        self.postponed.pop(client.id, None)
        self.soft_limit_since.pop(client.id, None)
        self.blocking.forget(client)
        self.no_touch.pop(client.id, None)
        self.pubsub.unsubscribe_all(client)
        client.pubsub = False
        self.tracking.forget(client)
        self.discard_transaction(client)  # updates _hooked

    # -- MONITOR and CLIENT PAUSE --------------------------------------------------------------
    def add_monitor(self, client: Client) -> None:
        """MONITOR: feed every later command (its own too) to ``client``."""
        client.monitor = True
        self.monitors[client.id] = client
        self._update_hooked()

    def remove_monitor(self, client: Client) -> None:
        """Stop feeding ``client`` (RESET)."""
        client.monitor = False
        self.monitors.pop(client.id, None)
        self._update_hooked()

    def pause_clients(self, end_ms: int, mode: str) -> None:
        """CLIENT PAUSE: postpone the commands ``mode`` covers until ``end_ms``. Pauses merge
        as in ``pauseClients``: the more restrictive mode and the later end win."""
        if self.pause_mode != "all":
            self.pause_mode = mode
        self.pause_end_ms = max(self.pause_end_ms, end_ms)
        self._update_hooked()
        # The pause ends once its deadline has passed, as Redis checks (end < now).
        if self._pause_timer is not None and self._pause_timer.active():
            self._pause_timer.cancel()
        self._pause_timer = call_at(self.clock, self.pause_end_ms, self._pause_expired)

    def _pause_expired(self) -> None:
        self._pause_timer = None
        if self.pause_mode is not None:
            self.unpause_clients()

    def unpause_clients(self) -> None:
        """CLIENT UNPAUSE, or the pause ran out: the postponed clients resume in arrival order
        (their connections run the held requests on their next turn)."""
        self.pause_mode = None
        self.pause_end_ms = 0
        if self._pause_timer is not None and self._pause_timer.active():
            self._pause_timer.cancel()
        self._pause_timer = None
        self._update_hooked()
        postponed, self.postponed = self.postponed, {}
        for client in postponed.values():
            client.paused = False
            if client.peer is not None:
                client.peer.refresh()

    def pubsub_changed(self, client: Client) -> None:
        """``client``'s subscriptions changed: it is in Pub/Sub mode (flag ``P``, type
        ``pubsub``) while it holds any (cf. ``markClientAsPubSub``)."""
        client.pubsub = self.pubsub.subscribed(client)
        self._update_hooked()

    def set_no_touch(self, client: Client, on: bool) -> None:
        """CLIENT NO-TOUCH ON|OFF (and RESET): the client's look-ups leave keys' LRU/LFU as
        they were."""
        client.no_touch = on
        if on:
            self.no_touch[client.id] = client
        else:
            self.no_touch.pop(client.id, None)
        self._update_hooked()

    # -- MULTI/EXEC ----------------------------------------------------------------------------
    def begin_transaction(self, client: Client) -> None:
        """MULTI: queue ``client``'s commands until EXEC or DISCARD."""
        client.multi = []
        self.in_multi[client.id] = client
        self._update_hooked()

    def discard_transaction(self, client: Client) -> None:
        """End ``client``'s transaction, if any, and its WATCHes (``discardTransaction``: EXEC,
        DISCARD, RESET, a closed connection)."""
        client.multi = None
        client.multi_mem = 0
        client.multi_writes = False
        client.dirty_exec = client.dirty_cas = False
        watch.unwatch_all(client)
        if self.in_multi.pop(client.id, None) is not None or self._hooked:
            self._update_hooked()

    def call_queued(self, client: Client, command: Command, argv: list[bytes]) -> Reply:
        """Run one queued command inside EXEC: ``execute``'s run and count part, under EXEC's
        time snapshot; monitors see it (cf. ``call`` from ``execCommand``)."""
        client.tot_cmds += 1
        if client.no_touch:
            self._stamps = self.memory.save_stamps(client, command, argv)
        timer = self.timer
        start = timer()
        try:
            reply = command.handler(client, argv)  # type: ignore[misc]
        except CommandError as exc:
            command.failed_calls += 1
            self.stats.count_error(exc.message)
            reply = ErrorReply(exc.message)
        command.calls += 1
        command.usec += (timer() - start) // 1000
        if self._hooked:
            reply = self._after(client, command, argv, reply)
        return reply

    def call_from_script(
        self, caller: Client, client: Client, command: Command, argv: list[bytes]
    ) -> Reply:
        """Run one command for a script (``scriptCall``'s ``call``): counted, fed to monitors
        as ``[db lua]``, its keys tracked for the script's caller, under EVAL's snapshot."""
        client.tot_cmds += 1
        timer = self.timer
        start = timer()
        try:
            reply = command.handler(client, argv)  # type: ignore[misc]
        except CommandError as exc:
            command.failed_calls += 1
            self.stats.count_error(exc.message)
            reply = ErrorReply(exc.message)
        command.calls += 1
        command.usec += (timer() - start) // 1000
        if self.monitors:
            self._feed_monitors(client, command, argv)
        if self.tracking.clients:
            self.tracking.after_command(caller, command, argv)
        return reply

    def feed_monitors_now(self, client: Client, argv: list[bytes]) -> None:
        """Show ``argv`` to the monitors before it runs (EVAL: before its script's commands)."""
        line = monitoring.monitor_line(
            self.now, client.db.id, monitoring.monitor_source(client), argv
        )
        for monitor in list(self.monitors.values()):
            if monitor.peer is not None:
                monitor.peer.push(line)

    def _update_hooked(self) -> None:
        self._hooked = (
            bool(self.monitors)
            or self.pause_mode is not None
            or bool(self.pubsub.clients)
            or bool(self.in_multi)
            or bool(self.tracking.clients)
            or bool(self.blocking.ready)
            or self.memory.maxmemory > 0
            or bool(self.no_touch)
        )

    def tracking_changed(self) -> None:
        """A client turned tracking on or off: while any client tracks, ``execute`` takes
        its slow path (keys to remember after reads, its own invalidations after replies)."""
        self._update_hooked()

    # -- blocked clients -----------------------------------------------------------------------
    def blocked_keys_ready(self) -> None:
        """A key someone waits on got a value: serve after the current command (or EXEC)."""
        self._hooked = True

    def serve_blocked(self) -> None:
        """``handleClientsBlockedOnKeys``, after a command that made keys ready."""
        self.blocking.handle()
        self._update_hooked()

    def _intercept(self, client: Client, command: Command, argv: list[bytes]) -> Reply | None:
        """The slow path's checks before running: a subscribed RESP2 client may only run the
        Pub/Sub context's commands, a MONITOR client may not touch the keyspace, and a pause
        postpones what it covers (cf. ``processCommand``, ``blockPostponeClient``). A client in
        MULTI may not use NO_MULTI commands, and the rest of its commands but EXEC, DISCARD,
        MULTI, WATCH, QUIT and RESET are queued (``+QUEUED``) once these checks pass."""
        multi = client.multi
        if multi is not None and command.flags & CmdFlag.NO_MULTI:
            return self._reject(client, command, errors.NOT_IN_TRANSACTION)
        if self.memory.maxmemory and self.memory.rejects(client, command):
            return self._reject(client, command, errors.OOM)
        if client.pubsub and client.resp == 2 and command.fullname not in _PUBSUB_CONTEXT:
            return self._reject(client, command, errors.pubsub_context(command.fullname))
        flags = command.flags
        if client.monitor:
            if flags & _KEYSPACE:
                return self._reject(client, command, errors.REPLICA_KEYSPACE)
        else:  # replicas (and so monitors) are never paused
            mode = self.pause_mode
            if mode is not None and (
                mode == "all"
                or flags & _PAUSED_BY_WRITE
                or (client.multi_writes and command.fullname == "exec")
            ):
                client.paused = True
                client.last_cmd = command
                self.postponed[client.id] = client
                if client.peer is not None:
                    client.peer.refresh()
                return monitoring.POSTPONED
        if multi is not None and command.fullname not in _NOT_QUEUED:
            multi.append((command, argv))
            client.multi_mem += sum(len(arg) for arg in argv)
            if flags & _PAUSED_BY_WRITE:
                client.multi_writes = True
            client.last_cmd = command
            client.last_interaction = self.clock.seconds()
            return QUEUED
        if self.tracking.listening:
            self.tracking.current = client  # whose command runs (NOLOOP, own invalidations)
        if client.no_touch:
            self._stamps = self.memory.save_stamps(client, command, argv)
        return None

    def _after(self, client: Client, command: Command, argv: list[bytes], reply: Reply) -> Reply:
        """The slow path's work after running: RESET drops the client's subscriptions
        (``clearClientConnectionState``), a subscribed RESP2 client's PING answers
        ``["pong", message]`` (``pingCommand``), and the monitors see the command. The keys a
        CLIENT NO-TOUCH client looked at get their LRU/LFU stamps back."""
        if self._stamps is not None:
            db, saved = self._stamps
            self._stamps = None
            db.restore_stamps(saved)
        if client.pubsub:
            if command.fullname == "reset":
                self.pubsub.unsubscribe_all(client)
                self.pubsub_changed(client)
            elif command.fullname == "ping" and client.resp == 2 and type(reply) is not ErrorReply:
                reply = [b"pong", argv[1] if len(argv) > 1 else b""]
        if self.monitors:
            self._feed_monitors(client, command, argv)
        if self.tracking.clients:
            self.tracking.after_command(client, command, argv)
        return reply

    def _feed_monitors(self, client: Client, command: Command, argv: list[bytes]) -> None:
        """Send the command just run to every MONITOR client (cf. ``replicationFeedMonitors``)."""
        if command.flags & _NOT_MONITORED:
            return
        line = monitoring.monitor_line(
            self.now, client.db.id, monitoring.monitor_source(client), argv
        )
        for monitor in list(self.monitors.values()):
            if monitor.peer is not None:
                monitor.peer.push(line)

    # -- dispatch ------------------------------------------------------------------------------
    def execute(self, client: Client, argv: list[bytes]) -> Reply:
        """Run one request for ``client`` and return its reply value."""
        command = self._lookup(argv[0].lower())
        if command is None:
            return self._reject(client, None, errors.unknown_command(argv))
        if command.subcommands is not None and len(argv) > 1:
            sub = command.subcommands.get(argv[1].lower())
            if sub is None:
                return self._reject(client, None, errors.unknown_subcommand(argv[0], argv[1]))
            command = sub
        arity = command.arity
        if (arity != len(argv)) if arity > 0 else (len(argv) < -arity):
            return self._reject(client, command, errors.wrong_arity(command.fullname))
        if not client.authenticated and not command.no_auth:
            return self._reject(client, command, errors.NOAUTH)
        if self._hooked:
            held = self._intercept(client, command, argv)
            if held is not None:
                return held
        # The command's time snapshot: every expiry check inside it sees the same instant.
        now = self._seconds()
        self.now = now
        self.now_ms = int(now * 1000)
        client.last_interaction = now
        client.last_cmd = command
        client.tot_cmds += 1
        timer = self.timer
        start = timer()
        try:
            reply = command.handler(client, argv)  # type: ignore[misc]
        except CommandError as exc:
            command.failed_calls += 1
            self.stats.count_error(exc.message)
            reply = ErrorReply(exc.message)
        command.calls += 1
        command.usec += (timer() - start) // 1000
        if self._hooked:
            reply = self._after(client, command, argv, reply)
            if self.blocking.ready:
                self.serve_blocked()
        return reply

    def total_commands(self) -> int:
        """Commands executed since start or CONFIG RESETSTAT (total_commands_processed)."""
        return sum(command.calls for command in self.commands.all_commands())

    def _reject(self, client: Client, command: Command | None, message: str) -> ErrorReply:
        if command is not None:
            command.rejected_calls += 1
        client.last_interaction = self.clock.seconds()
        if client.multi is not None:
            # cf. rejectCommand: a rejected command dooms the transaction; a rejected EXEC
            # ends it at once (execCommandAbort).
            if command is not None and command.fullname == "exec":
                self.discard_transaction(client)
                message = errors.exec_abort(message)
            else:
                client.dirty_exec = True
        self.stats.count_error(message)
        return ErrorReply(message)

    # -- housekeeping --------------------------------------------------------------------------
    def cron(self) -> None:
        """Periodic work at ``hz``: active expiry, the ops/sec sample, the end of a CLIENT
        PAUSE, and a slice of the clients (idle timeout, output-buffer limits, peak sizes)."""
        now = self.clock.seconds()
        now_ms = int(now * 1000)
        if self.pause_mode is not None and self.pause_end_ms < now_ms:
            self.unpause_clients()
        self.memory.cron(now)
        self.clients_cron(now)
        for db in self.dbs if self.pause_mode is None else ():  # a pause stops active expiry
            if db.expires:
                db.active_expire(now_ms)
        if self.pause_mode is None:
            self.field_expiry.cycle(self.dbs, now_ms, self.config["hz"])
        if self.tracking.dirty:
            self.tracking.broadcast()  # BCAST invalidations of keys the cycle expired
        total = self.total_commands()
        last_time, last_count = self.stats.last_ops
        if now > last_time:
            self.stats.ops_samples.append((total - last_count) / (now - last_time))
            del self.stats.ops_samples[:-16]
        self.stats.last_ops = (now, total)

    def clients_cron(self, now: float) -> None:
        """``clientsCron``: visit about ``1/hz`` of the clients (at least 5), so each is seen
        about once a second. Records the recent peak input/output buffer sizes (per second, over
        the last 8 seconds), closes idle clients and clients over their output-buffer limit
        (through their connection, which logs why)."""
        clients = list(self.clients)
        count = len(clients)
        slot = int(now) % PEAK_SLOTS
        self.peak_input[(slot + 1) % PEAK_SLOTS] = 0
        self.peak_output[(slot + 1) % PEAK_SLOTS] = 0
        if not count:
            return
        iterations = max(count // self.config["hz"], min(count, CLIENTS_CRON_MIN_ITERATIONS))
        start = self._cron_cursor % count
        self._cron_cursor = start + iterations
        timeout = self.config["timeout"]
        for client in (clients + clients)[start : start + iterations]:
            used_in = client.qbuf() + client.argv_mem
            used_out = client.omem()
            if used_in > self.peak_input[slot]:
                self.peak_input[slot] = used_in
            if used_out > self.peak_output[slot]:
                self.peak_output[slot] = used_out
            if client.peer is None:
                continue
            if timeout and limits.idle_expired(client, now, timeout):
                client.peer.drop(DROP_IDLE)
            elif (used_out or client.id in self.soft_limit_since) and self.output_limit_reached(
                client, now
            ):
                client.peer.drop(DROP_OUTPUT_LIMIT)

    def output_limit_reached(self, client: Client, now: float) -> bool:
        """Whether ``client``'s output buffer is over its class's limit, hard or (for longer
        than allowed) soft; remembers when it went over the soft limit."""
        limit = limits.output_limit(self.config["client-output-buffer-limit"], client.kind())
        since = self.soft_limit_since.get(client.id)
        close, since = limit.check(client.omem(), since, now)
        if since is None:
            self.soft_limit_since.pop(client.id, None)
        else:
            self.soft_limit_since[client.id] = since
        return close

    def recent_max_buffers(self) -> tuple[int, int]:
        """client_recent_max_input_buffer and client_recent_max_output_buffer: the largest
        sizes the cron saw over the last 8 seconds."""
        return max(self.peak_input), max(self.peak_output)

    def ops_per_sec(self) -> int:
        """instantaneous_ops_per_sec: the mean of the last samples."""
        samples = self.stats.ops_samples
        return int(sum(samples) / len(samples)) if samples else 0

    def reset_stats(self) -> None:
        """CONFIG RESETSTAT."""
        self.stats.reset()
        self.keyspace_stats.reset()
        self.field_expiry.expired = 0
        for command in self.commands.commands.values():
            command.reset_stats()

    def config_changed(self, names: set[str]) -> None:
        """Tell the host which options CONFIG SET changed."""
        self.hooks.config_changed(names)
        if names & MEMORY_OPTIONS:
            self.memory.configure()
            self._update_hooked()
        if names & _ZSET_LIMITS:
            self._apply_zset_limits()
        if "notify-keyspace-events" in names:
            self.events.notify_flags = self.config["notify-keyspace-events"]
            self.refresh_hooks()

    def _apply_zset_limits(self) -> None:
        self.zset_limits.entries = self.config["zset-max-listpack-entries"]
        self.zset_limits.value = self.config["zset-max-listpack-value"]

    def refresh_hooks(self) -> None:
        """What the databases must report changed (keyspace notifications or tracking turned
        on or off): each database switches its write paths (``Database.refresh_hooks``)."""
        for db in self.dbs:
            db.refresh_hooks()

    def request_shutdown(self) -> None:
        """SHUTDOWN or SIGTERM: ask the host to stop."""
        if not self.shutting_down:
            self.shutting_down = True
            self.hooks.shutdown()


class _WallClock:
    """Time without a reactor (core tests): nothing scheduled ever runs."""

    def seconds(self) -> float:
        return time.time()

    def callLater(  # noqa: N802
        self, delay: float, callable: Callable[..., object], *args: object, **kw: object
    ) -> DelayedCall:
        return _NeverCalled()


class _NeverCalled:
    def __init__(self) -> None:
        self._active = True

    def cancel(self) -> None:
        self._active = False

    def active(self) -> bool:
        return self._active
