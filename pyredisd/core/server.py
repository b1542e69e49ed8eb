"""The server: databases, clients, the command table, statistics, and the dispatcher.

``Server.execute`` is the hot path: look the command up, check arity and authentication, run the
handler, count it. Everything else a command needs hangs off the server, so two servers can live
in one process (tests do that).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Protocol

from pyredisd.core import errors
from pyredisd.core.clients import Client, ClientRegistry
from pyredisd.core.clock import Clock
from pyredisd.core.commands import connection, generic, introspection, server_cmds, strings
from pyredisd.core.commands.table import Command, CommandTable
from pyredisd.core.config import Config
from pyredisd.core.errors import CommandError
from pyredisd.core.keyspace import Database, KeyspaceStats
from pyredisd.core.replies import ErrorReply, Reply
from pyredisd.core.version import REDIS_VERSION as REDIS_VERSION


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
        self.dbs = [Database(i, self.keyspace_stats) for i in range(self.config["databases"])]
        self.clients = ClientRegistry()
        self.commands = CommandTable.build(
            connection.GROUP, server_cmds.GROUP, introspection.GROUP, generic.GROUP, strings.GROUP
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
        return reply

    def total_commands(self) -> int:
        """Commands executed since start or CONFIG RESETSTAT (total_commands_processed)."""
        return sum(command.calls for command in self.commands.all_commands())

    def _reject(self, client: Client, command: Command | None, message: str) -> ErrorReply:
        if command is not None:
            command.rejected_calls += 1
        client.last_interaction = self.clock.seconds()
        self.stats.count_error(message)
        return ErrorReply(message)

    # -- housekeeping --------------------------------------------------------------------------
    def cron(self) -> None:
        """Periodic work at ``hz``: active expiry and the ops/sec sample."""
        now = self.clock.seconds()
        now_ms = int(now * 1000)
        for db in self.dbs:
            if db.expires:
                db.active_expire(now_ms)
        total = self.total_commands()
        last_time, last_count = self.stats.last_ops
        if now > last_time:
            self.stats.ops_samples.append((total - last_count) / (now - last_time))
            del self.stats.ops_samples[:-16]
        self.stats.last_ops = (now, total)

    def ops_per_sec(self) -> int:
        """instantaneous_ops_per_sec: the mean of the last samples."""
        samples = self.stats.ops_samples
        return int(sum(samples) / len(samples)) if samples else 0

    def reset_stats(self) -> None:
        """CONFIG RESETSTAT."""
        self.stats.reset()
        self.keyspace_stats.reset()
        for command in self.commands.commands.values():
            command.reset_stats()

    def config_changed(self, names: set[str]) -> None:
        """Tell the host which options CONFIG SET changed."""
        self.hooks.config_changed(names)

    def request_shutdown(self) -> None:
        """SHUTDOWN or SIGTERM: ask the host to stop."""
        if not self.shutting_down:
            self.shutting_down = True
            self.hooks.shutdown()


class _WallClock:
    def seconds(self) -> float:
        return time.time()
