"""The server's memory: the ``used_memory`` estimate, ``maxmemory`` and its eviction policy.

What ``used_memory`` counts (INFO memory, MEMORY STATS, the maxmemory check):

* ``used_memory_startup``: the process's resident size when the server was created (the
  interpreter, its modules, the empty server);
* per database, its objects (keys, values, TTL deadlines; :mod:`pyredisd.core.memsize`) and its
  tables (``data``, ``expires``, the LRU/LFU stamps and the size cache, by ``sys.getsizeof``);
* the eviction sampler's key snapshots.

Client buffers are not part of it (INFO shows them as ``mem_clients_normal``): pyredisd bounds
them by backpressure and output-buffer limits, and keeping a running total would tax every
read. Neither is anything else the interpreter allocates after start-up (SCAN cursors' key
snapshots, the command table's statistics); ``used_memory_rss`` and
``mem_fragmentation_ratio`` show how far the estimate is from what the process holds.

Before a command, while ``maxmemory`` is set, :meth:`Memory.rejects` runs Redis's
``processCommand`` check: evict per the policy while over the limit, and refuse DENYOOM
commands (and anything but EXEC, DISCARD, QUIT and RESET inside MULTI, and an EXEC queuing a
DENYOOM command) when eviction cannot get under it.
"""

from __future__ import annotations

import random
import sys
from typing import TYPE_CHECKING

from pyredisd.core import evict, process
from pyredisd.core.commands.spec import CmdFlag

if TYPE_CHECKING:
    from pyredisd.core.clients import Client
    from pyredisd.core.commands.table import Command
    from pyredisd.core.keyspace import Database
    from pyredisd.core.server import Server

OPTIONS = frozenset(
    (
        "maxmemory",
        "maxmemory-policy",
        "maxmemory-samples",
        "maxmemory-eviction-tenacity",
        "lfu-log-factor",
        "lfu-decay-time",
    )
)
# The tables of a database without keys (five empty containers).
EMPTY_DB = 4 * sys.getsizeof({}) + sys.getsizeof(set())
# What a client in MULTI may still run when over maxmemory (processCommand).
_MULTI_ALLOWED = frozenset(("exec", "discard", "quit", "reset"))


class Memory:
    """The server's memory accounting and eviction state."""

    __slots__ = (
        "_under_at",
        "clock",
        "evictor",
        "maxmemory",
        "peak",
        "policy",
        "running",
        "server",
        "startup",
    )

    def __init__(self, server: Server, now: float, rng: random.Random) -> None:
        self.server = server
        self.clock = evict.AccessClock(now, rng)
        self.evictor = evict.Evictor(rng)
        self.startup = process.rss_bytes()
        self.peak = 0
        self.maxmemory = 0
        self.policy = "noeviction"
        self.running = False  # an eviction run hit its time budget; the cron goes on with it
        self._under_at = -1  # keyspace_stats.dirty when the estimate was last under maxmemory

    # -- configuration -------------------------------------------------------------------------
    def configure(self) -> None:
        """Read the memory options (start-up, CONFIG SET). A policy change keeps every key's
        stamp and reinterprets it (LRU clock <-> LFU minutes and counter), as Redis does."""
        config = self.server.config
        self.clock.log_factor = config["lfu-log-factor"]
        self.clock.decay_time = config["lfu-decay-time"]
        self.maxmemory = config["maxmemory"]
        self._under_at = -1
        policy = config["maxmemory-policy"]
        if policy != self.policy:
            self.policy = policy
            self.evictor.forget()
            for db in self.server.dbs:
                db.set_access_table(evict.access_table(db.access, policy, self.clock))

    # -- the estimate --------------------------------------------------------------------------
    def used(self) -> int:
        """``used_memory``: start-up size, every database's objects and tables, samplers."""
        total = self.startup + self.evictor.snapshot_bytes() + self.server.field_names.size()
        for db in self.server.dbs:
            # A database without keys counts as its empty tables (a table emptied key by key
            # keeps its capacity until FLUSHDB; that is not counted).
            total += db.used_memory() if db.mem or db.unsized else EMPTY_DB
        if total > self.peak:
            self.peak = total
        return total

    def overhead(self) -> int:
        """``used_memory_overhead``: start-up size, tables, samplers (what is not data)."""
        tables = sum(db.overhead() if db.mem or db.unsized else EMPTY_DB for db in self.server.dbs)
        names = self.server.field_names.size()
        return self.startup + tables + self.evictor.snapshot_bytes() + names

    # -- maxmemory -----------------------------------------------------------------------------
    def perform_evictions(self) -> int:
        """``performEvictions``: evict until under ``maxmemory`` or out of time or keys. The
        sampler's snapshot taken on the way counts too, so one more round may follow."""
        config = self.server.config
        result = evict.EVICT_OK
        for _ in range(3):
            used = self.used()
            if used <= self.maxmemory:
                result = evict.EVICT_OK
                break
            result, _ = self.evictor.perform(
                self.server.dbs,
                self.policy,
                used - self.maxmemory,
                config["maxmemory-samples"],
                self.clock,
                evict.time_limit_us(config["maxmemory-eviction-tenacity"]),
                self.server.timer,
            )
            if result != evict.EVICT_OK:
                break
        self.running = result == evict.EVICT_RUNNING
        return result

    def rejects(self, client: Client, command: Command) -> bool:
        """The maxmemory check before ``command`` (``processCommand``): evict, then whether the
        command must be refused with -OOM. Nothing is evicted while clients are paused
        (``isSafeToPerformEvictions``)."""
        if self.server.pause_mode is not None:
            return False
        dirty = self.server.keyspace_stats.dirty
        if dirty == self._under_at:
            return False  # nothing was written since the estimate was last under the limit
        result = self.perform_evictions()
        if result != evict.EVICT_FAIL:
            if result == evict.EVICT_OK:
                self._under_at = self.server.keyspace_stats.dirty
            return False
        if command.flags & CmdFlag.DENYOOM:
            return True
        queue = client.multi
        if queue is None:
            return False
        if command.fullname == "exec":
            return any(queued.flags & CmdFlag.DENYOOM for queued, _ in queue)
        return command.fullname not in _MULTI_ALLOWED

    def cron(self, now: float) -> None:
        """Advance the LRU/LFU clock, measure changed containers, keep the peak, and go on
        with an eviction run that ran out of time (``evictionTimeProc``)."""
        if self.clock.tick(now):
            lru = self.clock.lru
            for db in self.server.dbs:
                db.lru_clock = lru
        if self.maxmemory and self.server.pause_mode is None:
            self.perform_evictions()
        else:
            self.used()  # settles the databases and updates the peak
        if not self.evictor.evicted:
            self.evictor.forget()  # no eviction lately: let go of the sampler's key snapshots
        self.evictor.evicted = 0

    # -- CLIENT NO-TOUCH -----------------------------------------------------------------------
    def save_stamps(
        self, client: Client, command: Command, argv: list[bytes]
    ) -> tuple[Database, list[tuple[bytes, int]]] | None:
        """The stamps of ``command``'s keys before a CLIENT NO-TOUCH client runs it (TOUCH
        excepted), for :meth:`Database.restore_stamps` after."""
        if command.fullname == "touch" or not command.spec.key_specs:
            return None
        try:
            indices = command.spec.keys(argv)
        except ValueError:
            return None
        db = client.db
        return db, db.stamps([argv[i] for i in indices])
