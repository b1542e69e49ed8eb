"""maxmemory: per-key access bookkeeping (LRU clock, LFU counter) and eviction, as ``evict.c``.

Access bookkeeping
------------------
Every database keeps ``access``: key -> a 24-bit stamp, Redis's ``robj->lru`` field. Under an
LRU (or random, TTL, noeviction) policy the stamp is the LRU clock, seconds modulo 2**24
(``LRU_CLOCK``); a touch stores the clock, one ``dict`` store of an int object shared by every
key touched in the same second. Under an LFU policy the same field holds
``minutes << 8 | counter``: :class:`LFUTable` is the ``dict`` subclass whose ``__setitem__``
decays the counter by the minutes elapsed (``lfu-decay-time``) and increments it
logarithmically (``lfu-log-factor``), so the keyspace's code is the same under both. Changing
the policy keeps the stored numbers and reinterprets them, as Redis does.

Eviction
--------
:class:`Evictor` is ``performEvictions``: while the memory estimate is over ``maxmemory`` it
fills a 16-entry pool with the best candidates of ``maxmemory-samples`` keys sampled from each
database (idle time for LRU, 255 minus the decayed counter for LFU, nearness of the deadline
for volatile-ttl) and deletes the best one still there; the random policies take a random key,
visiting the databases in turn. It stops after ``maxmemory-eviction-tenacity``'s time budget
(checked every 16 keys) and reports that eviction is still running, not a failure.

Redis samples with ``dictGetSomeKeys`` (a run of buckets from a random position). A Python dict
has no random access, so each database keeps a snapshot list of its keys (or of its keys with a
TTL) and draws uniformly from it; a draw that finds a deleted key is a ghost and is skipped, and
the snapshot is rebuilt once it was drawn from as many times as it has keys, or when ghosts were
more than a quarter of a sample. Keys added since the snapshot are not candidates until then.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyredisd.core.keyspace import Database

LRU_CLOCK_MAX = (1 << 24) - 1  # the lru field is 24 bits
LRU_CLOCK_RESOLUTION = 1000  # ms per LRU clock unit
LFU_INIT_VAL = 5  # a new key's counter, so it is not evicted at once
EVPOOL_SIZE = 16
ULLONG_MAX = (1 << 64) - 1

EVICT_OK = 0
EVICT_RUNNING = 1
EVICT_FAIL = 2

POLICIES = (
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "noeviction",
)


def is_lfu(policy: str) -> bool:
    """``MAXMEMORY_FLAG_LFU``."""
    return policy.endswith("-lfu")


# -- the clocks --------------------------------------------------------------------------------
def lru_clock(now: float) -> int:
    """``getLRUClock``: seconds, modulo 2**24."""
    return (int(now * 1000) // LRU_CLOCK_RESOLUTION) & LRU_CLOCK_MAX


def lfu_minutes(now: float) -> int:
    """``LFUGetTimeInMinutes``: minutes, modulo 2**16."""
    return (int(now) // 60) & 65535


def idle_ms(stamp: int, clock: int) -> int:
    """``estimateObjectIdleTime``: milliseconds since ``stamp`` on the wrapping LRU clock."""
    if clock >= stamp:
        return (clock - stamp) * LRU_CLOCK_RESOLUTION
    return (clock + (LRU_CLOCK_MAX - stamp)) * LRU_CLOCK_RESOLUTION


def lfu_elapsed(last_minutes: int, minutes: int) -> int:
    """``LFUTimeElapsed``: minutes since ``last_minutes`` on the wrapping 16-bit clock."""
    if minutes >= last_minutes:
        return minutes - last_minutes
    return 65535 - last_minutes + minutes


def lfu_decayed(stamp: int, minutes: int, decay_time: int) -> int:
    """``LFUDecrAndReturn``: the counter less one per ``decay_time`` minutes elapsed."""
    counter = stamp & 255
    periods = lfu_elapsed(stamp >> 8, minutes) // decay_time if decay_time else 0
    if periods:
        counter = 0 if periods > counter else counter - periods
    return counter


def lfu_incremented(counter: int, log_factor: int, r: float) -> int:
    """``LFULogIncr``: add one with probability ``1 / ((counter - 5) * log_factor + 1)``, for
    ``r`` uniform in [0, 1)."""
    if counter == 255:
        return 255
    base = max(counter - LFU_INIT_VAL, 0)
    return counter + 1 if r < 1.0 / (base * log_factor + 1) else counter


class AccessClock:
    """What the keyspace stamps, one per server: the LRU clock as a shared int (refreshed by
    the cron, as ``server.lruclock``), and for LFU the minute, the shared stamps of this minute
    (``minutes << 8 | counter`` for each counter, so keys do not each hold an int) and the
    ``lfu-*`` settings."""

    __slots__ = ("decay_time", "log_factor", "lru", "minutes", "random", "stamps")

    def __init__(self, now: float, rng: random.Random) -> None:
        self.random = rng.random
        self.log_factor = 10
        self.decay_time = 1
        self.lru = lru_clock(now)
        self.minutes = -1
        self.stamps: list[int] = []
        self.tick(now)

    def tick(self, now: float) -> bool:
        """Advance to ``now``; True if the LRU clock changed."""
        minutes = lfu_minutes(now)
        if minutes != self.minutes:
            self.minutes = minutes
            self.stamps = [minutes << 8 | counter for counter in range(256)]
        clock = lru_clock(now)
        if clock == self.lru:
            return False
        self.lru = clock
        return True

    def idle_ms(self, stamp: int) -> int:
        """Milliseconds since an LRU ``stamp``."""
        return idle_ms(stamp, self.lru)

    def frequency(self, stamp: int) -> int:
        """The LFU counter of ``stamp`` after decay (OBJECT FREQ)."""
        return lfu_decayed(stamp, self.minutes, self.decay_time)


class LFUTable(dict[bytes, int]):
    """A database's ``access`` table under an LFU policy: storing any value into it is an
    access (``updateLFU``): a new key starts at ``LFU_INIT_VAL``, an existing one is decayed,
    then incremented logarithmically."""

    __slots__ = ("clock",)

    def __init__(self, items: dict[bytes, int], clock: AccessClock) -> None:
        super().__init__(items)
        self.clock = clock

    def __setitem__(self, key: bytes, value: int) -> None:
        clock = self.clock
        old = self.get(key)
        if old is None:
            counter = LFU_INIT_VAL
        else:
            counter = lfu_incremented(
                lfu_decayed(old, clock.minutes, clock.decay_time), clock.log_factor, clock.random()
            )
        dict.__setitem__(self, key, clock.stamps[counter])


def access_table(items: dict[bytes, int], policy: str, clock: AccessClock) -> dict[bytes, int]:
    """The ``access`` table for ``policy`` holding ``items`` (the same stamps, reinterpreted)."""
    if is_lfu(policy):
        return items if type(items) is LFUTable else LFUTable(items, clock)
    return items if type(items) is dict else dict(items)


def time_limit_us(tenacity: int) -> float:
    """``evictionTimeLimitUs``: 50 µs per step up to 10, then 15% more per step; no limit at
    100."""
    if tenacity <= 10:
        return 50.0 * tenacity
    if tenacity < 100:
        return 500.0 * 1.15 ** (tenacity - 10)
    return float("inf")


# -- sampling ----------------------------------------------------------------------------------
class _Snapshot:
    """Keys of one table to draw samples from (see the module docstring). It remembers its
    table by id only, so a flushed table is not kept alive by it."""

    __slots__ = ("draws", "keys", "source")

    def __init__(self, source: dict[bytes, Any]) -> None:
        self.source = id(source)
        self.keys = list(source)
        self.draws = 0


class Evictor:
    """``performEvictions`` for one server's databases, with its eviction pool."""

    __slots__ = ("_next_db", "_snapshots", "evicted", "pool", "random")

    def __init__(self, rng: random.Random) -> None:
        self.random = rng
        self.evicted = 0  # keys evicted since the cron last looked (Memory.cron)
        # (score, db id, key), ascending score: the best candidate is the last.
        self.pool: list[tuple[int, int, bytes]] = []
        self._snapshots: dict[tuple[int, bool], _Snapshot] = {}
        self._next_db = 0

    def sample(self, db: Database, volatile: bool, count: int) -> list[bytes]:
        """Up to ``count`` live keys of ``db`` (of its keys with a TTL if ``volatile``), drawn
        at random."""
        table = db.expires if volatile else db.data
        if not table:
            return []
        slot = (db.id, volatile)
        snap = self._snapshots.get(slot)
        if snap is None or snap.source != id(table) or snap.draws >= len(snap.keys):
            snap = self._snapshots[slot] = _Snapshot(table)
        keys, below = snap.keys, self.random.random
        found: list[bytes] = []
        ghosts = 0
        for _ in range(count):
            key = keys[int(below() * len(keys))]
            if key in table:
                found.append(key)
            else:
                ghosts += 1
        snap.draws += count
        if ghosts * 4 > count:
            snap.draws = len(keys)  # rebuild on the next sample
        return found

    def snapshot_bytes(self) -> int:
        """Memory held by the sampling snapshots (counted as overhead)."""
        return sum(8 * len(snap.keys) + 56 for snap in self._snapshots.values())

    def forget(self) -> None:
        """Drop the snapshots (FLUSHALL, a policy change)."""
        self._snapshots.clear()
        self.pool.clear()

    def populate(self, db: Database, policy: str, samples: int, clock: AccessClock) -> None:
        """``evictionPoolPopulate``: score ``samples`` keys of ``db`` and keep the 16 best."""
        keys = self.sample(db, policy.startswith("volatile"), samples)
        if not keys:
            return
        access = db.access
        if policy.endswith("lru"):
            lru = clock.lru
            scores = [idle_ms(access.get(key, lru), lru) for key in keys]
        elif policy.endswith("lfu"):
            minutes, decay = clock.minutes, clock.decay_time
            scores = [255 - lfu_decayed(access.get(key, 0), minutes, decay) for key in keys]
        else:  # volatile-ttl: the sooner the better
            expires = db.expires
            scores = [ULLONG_MAX - expires[key] for key in keys]
        pool, dbid = self.pool, db.id
        for score, key in zip(scores, keys, strict=True):
            if len(pool) == EVPOOL_SIZE:
                if score <= pool[0][0]:
                    continue  # worse than every candidate of a full pool
                del pool[0]
            entry = (score, dbid, key)
            index = len(pool)
            while index and pool[index - 1][0] >= score:
                index -= 1
            pool.insert(index, entry)

    def pick(
        self, dbs: Sequence[Database], policy: str, samples: int, clock: AccessClock
    ) -> tuple[Database, bytes] | None:
        """The next key to evict under ``policy``, or None if there is nothing to evict."""
        volatile = policy.startswith("volatile")
        if policy.endswith("random"):
            for _ in range(len(dbs)):
                self._next_db = (self._next_db + 1) % len(dbs)
                db = dbs[self._next_db]
                found = self.sample(db, volatile, 1)
                if not found and (db.expires if volatile else db.data):
                    found = self.sample(db, volatile, 1)  # the snapshot was rebuilt
                if found:
                    return db, found[0]
            return None
        while True:
            total = 0
            for db in dbs:
                table = db.expires if volatile else db.data
                if table:
                    total += len(table)
                    self.populate(db, policy, samples, clock)
            if not total:
                return None
            while self.pool:
                _, dbid, key = self.pool.pop()
                db = dbs[dbid]
                if key in (db.expires if volatile else db.data):
                    return db, key
                # a ghost: deleted since it entered the pool

    def perform(
        self,
        dbs: Sequence[Database],
        policy: str,
        to_free: int,
        samples: int,
        clock: AccessClock,
        limit_us: float,
        timer: Callable[[], int],
    ) -> tuple[int, int]:
        """Evict until ``to_free`` bytes of the estimate are freed: (EVICT_* result, keys
        evicted)."""
        if policy == "noeviction":
            return EVICT_FAIL, 0
        start = timer()
        freed = evicted = 0
        while freed < to_free:
            choice = self.pick(dbs, policy, samples, clock)
            if choice is None:
                return EVICT_FAIL, evicted
            db, key = choice
            before = db.mem
            db.evict(key)
            freed += before - db.mem
            evicted += 1
            self.evicted += 1
            if evicted % 16 == 0 and (timer() - start) / 1000 > limit_us:
                return EVICT_RUNNING, evicted
        return EVICT_OK, evicted
