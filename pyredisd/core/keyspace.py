"""A database: a dict of values and a dict of expiry deadlines (ms), with lazy expiry.

Values are stored as the Python object for their type (``bytes`` for strings); a key with a TTL
also has an entry in ``expires``. Lookups take the command's time snapshot (``now_ms``), so every
check within a command agrees (Redis's ``commandTimeSnapshot``).

Every key also has an ``access`` stamp (Redis's ``robj->lru``, see :mod:`pyredisd.core.evict`):
reads (``lookup_read``, ``get_string``), ``set`` and ``modified`` store the LRU clock there, one
dict store; ``lookup`` (a write's look-up) and ``peek_read`` (EXISTS, TYPE, TTL, OBJECT) do not.

``mem`` is the running estimate of the objects the database holds (:mod:`pyredisd.core.memsize`):
key and value objects and TTL deadlines. Strings are counted as they are written; a container
changed in place is put in ``unsized`` and measured when the estimate is next read
(:meth:`Database.used_memory`, the cron, the maxmemory check), so a write pays a set insertion.
The tables themselves (``data``, ``expires``, ``access``...) are counted at read time with
``sys.getsizeof``, which is exact and O(1).
"""

from __future__ import annotations

import random
import sys
from typing import Any

from pyredisd.core import notify, watch
from pyredisd.core.errors import WRONGTYPE, CommandError
from pyredisd.core.events import KeyEvents
from pyredisd.core.evict import AccessClock, LFUTable
from pyredisd.core.memsize import INT_SIZE, value_size
from pyredisd.core.names import SharedNames


class Database:
    """One numbered database."""

    __slots__ = (
        "_cursor",
        "_sweep",
        "access",
        "avg_ttl",
        "clock",
        "data",
        "events",
        "expires",
        "id",
        "lru_clock",
        "mem",
        "names",
        "scan_index",
        "sizes",
        "stats",
        "unsized",
        "watched",
    )

    def __init__(
        self,
        index: int,
        stats: KeyspaceStats,
        events: KeyEvents | None = None,
        clock: AccessClock | None = None,
        names: SharedNames | None = None,
    ) -> None:
        self.id = index
        self.events = events if events is not None else KeyEvents()
        self.data: dict[bytes, Any] = {}
        self.expires: dict[bytes, int] = {}
        # LRU/LFU stamps (pyredisd.core.evict); the server refreshes lru_clock from its cron.
        self.clock = clock if clock is not None else AccessClock(0.0, random.Random(0))
        # Hash field names shared across hashes: counted once (by the server), not per hash.
        self.names = names if names is not None else SharedNames()
        self.access: dict[bytes, int] = {}
        self.lru_clock = self.clock.lru
        # The memory estimate: objects counted so far, containers' last measured sizes, and
        # the containers changed since (measured by settle()).
        self.mem = 0
        self.sizes: dict[bytes, int] = {}
        self.unsized: set[bytes] = set()
        self.stats = stats
        self.avg_ttl = 0  # ms, estimated from the active expiry samples (INFO keyspace)
        self.scan_index: Any = None  # SCAN's snapshot of the keys (commands.generic.ScanIndex)
        self._sweep: list[bytes] = []
        # WATCH: key -> {client id: WatchedKey} (pyredisd.core.watch). While it is not empty
        # (or anything else listens, KeyEvents.wants) the database is a HookedDatabase.
        self.watched: dict[bytes, dict[int, watch.WatchedKey]] = {}
        self._cursor = 0

    def __len__(self) -> int:
        return len(self.data)

    def lookup(self, key: bytes, now_ms: int) -> Any:
        """The live value of ``key`` or None, deleting it first if it has expired."""
        value = self.data.get(key)
        if value is not None and self.expires:
            deadline = self.expires.get(key)
            if deadline is not None and deadline <= now_ms:
                self._expire(key)
                return None
        return value

    def lookup_read(self, key: bytes, now_ms: int) -> Any:
        """:meth:`lookup` that also counts a keyspace hit or miss and touches the key (read
        commands: ``lookupKeyRead``)."""
        value = self.lookup(key, now_ms)
        if value is None:
            self.stats.misses += 1
        else:
            self.stats.hits += 1
            self.access[key] = self.lru_clock
        return value

    def peek_read(self, key: bytes, now_ms: int) -> Any:
        """:meth:`lookup_read` without the touch (``LOOKUP_NOTOUCH``: EXISTS, TYPE, TTL,
        OBJECT)."""
        value = self.lookup(key, now_ms)
        if value is None:
            self.stats.misses += 1
        else:
            self.stats.hits += 1
        return value

    def get_string(self, key: bytes, now_ms: int) -> bytes | None:
        """The string at ``key``; raises WRONGTYPE for other types."""
        value = self.data.get(key)
        if value is not None and self.expires:
            deadline = self.expires.get(key)
            if deadline is not None and deadline <= now_ms:
                self._expire(key)
                value = None
        if value is None:
            self.stats.misses += 1
            return None
        self.stats.hits += 1
        self.access[key] = self.lru_clock
        if type(value) is not bytes:
            raise CommandError(WRONGTYPE)
        return value

    def set(self, key: bytes, value: Any, keep_ttl: bool = False) -> None:
        """Store ``value`` (``setKey``: the key is touched, or stamped if new); drops any TTL
        unless ``keep_ttl``."""
        data = self.data
        old = data.get(key)
        data[key] = value
        self.access[key] = self.lru_clock
        self.stats.dirty += 1
        if old.__class__ is bytes and value.__class__ is bytes:
            if len(value) != len(old):  # overwrites of the same length (counters) cost nothing
                self.mem += ((len(value) + 48) & -16) - ((len(old) + 48) & -16)
        else:
            self._resized(key, old, value)
        if not keep_ttl and self.expires and self.expires.pop(key, None) is not None:
            self.mem -= INT_SIZE

    def _resized(self, key: bytes, old: Any, value: Any) -> None:
        """The memory estimate of a ``set`` other than a string over a string."""
        if old is None:
            self.mem += (len(key) + 48) & -16
        elif type(old) is bytes:
            self.mem -= (len(old) + 48) & -16
        else:
            self.mem -= self.sizes.pop(key, 0)
        if type(value) is bytes:
            self.mem += (len(value) + 48) & -16
            self.unsized.discard(key)
        else:
            self.unsized.add(key)

    # SET's plain form (the hot path): ``set``, plus the ``set`` event when hooked (below).
    set_string = set

    def delete(self, key: bytes) -> bool:
        """Remove ``key``; True if it existed."""
        old = self.data.pop(key, None)
        if old is None:
            return False
        self.stats.dirty += 1
        self._forget(key, old)
        return True

    def _forget(self, key: bytes, old: Any) -> None:
        """Drop what a removed key held besides its value slot: TTL, stamp, estimate."""
        freed = (len(key) + 48) & -16
        if type(old) is bytes:
            freed += (len(old) + 48) & -16
        else:
            freed += self.sizes.pop(key, 0)
            self.unsized.discard(key)
        if self.expires and self.expires.pop(key, None) is not None:
            freed += INT_SIZE
        self.access.pop(key, None)
        self.mem -= freed

    def evict(self, key: bytes) -> None:
        """Delete ``key`` for maxmemory (``performEvictions``): WATCH and tracking see it
        deleted, then the ``evicted`` event; not counted as a change (``dirty``)."""
        self.delete(key)
        self.stats.dirty -= 1
        self.stats.evicted_keys += 1
        self.notify(notify.EVICTED, "evicted", key)

    # -- access stamps -------------------------------------------------------------------------
    def stamps(self, keys: list[bytes]) -> list[tuple[bytes, int]]:
        """The current stamps of those ``keys`` that exist (see :meth:`restore_stamps`)."""
        access = self.access
        return [(key, access[key]) for key in keys if key in access]

    def restore_stamps(self, saved: list[tuple[bytes, int]]) -> None:
        """Put back stamps saved before a CLIENT NO-TOUCH client's command, for the keys that
        still exist: their look-ups did not count as accesses (keys it created keep theirs)."""
        data, store = self.data, dict.__setitem__
        for key, stamp in saved:
            if key in data:
                store(self.access, key, stamp)

    def carry_stamp(self, key: bytes, stamp: int | None) -> None:
        """Give ``key`` the stamp of the value it took over (RENAME, MOVE move the object)."""
        if stamp is not None and key in self.data:
            dict.__setitem__(self.access, key, stamp)

    def set_access_table(self, table: dict[bytes, int]) -> None:
        """Use ``table`` (the same stamps, for another policy: :func:`evict.access_table`)."""
        self.access = table

    # -- the memory estimate -------------------------------------------------------------------
    def settle(self) -> None:
        """Measure the containers changed since the last call."""
        unsized = self.unsized
        if not unsized:
            return
        self.unsized = set()
        data, sizes = self.data, self.sizes
        for key in unsized:
            value = data.get(key)
            if value is None or type(value) is bytes:
                continue
            size = value_size(value, shared=self.names.table)
            self.mem += size - sizes.get(key, 0)
            sizes[key] = size

    def overhead(self) -> int:
        """The tables' own memory (``sys.getsizeof``: hash tables, exact)."""
        getsizeof = sys.getsizeof
        return (
            getsizeof(self.data)
            + getsizeof(self.expires)
            + getsizeof(self.access)
            + getsizeof(self.sizes)
            + getsizeof(self.unsized)
        )

    def used_memory(self) -> int:
        """The estimate of everything this database holds: objects and tables."""
        self.settle()
        return self.mem + self.overhead()

    def modified(self, key: bytes, changes: int = 1) -> None:
        """A value was changed in place (LPUSH on an existing list, HSET, ...). Every write
        path reports here or through set/delete: it counts Redis's ``dirty``
        (rdb_changes_since_last_save); while something listens, :class:`HookedDatabase`
        reports the change to :class:`KeyEvents` (WATCH, tracking, blocked clients). The key,
        if it still exists, is touched and its size re-measured later."""
        self.stats.dirty += changes
        if key in self.data:
            self.access[key] = self.lru_clock
            self.unsized.add(key)

    def notify(self, cls: int, event: str, key: bytes) -> None:
        """A write command's keyspace notification (``notifyKeyspaceEvent``): nothing unless
        the database is hooked."""

    def refresh_hooks(self) -> None:
        """Switch the reporting write paths on or off: the class becomes
        :class:`HookedDatabase` while :meth:`KeyEvents.wants` it, so databases nobody listens
        to (the common case) pay nothing per write."""
        self.__class__ = HookedDatabase if self.events.wants(self) else Database

    def set_expire(self, key: bytes, deadline_ms: int) -> None:
        """Give an existing key an absolute deadline in milliseconds."""
        expires = self.expires
        if key not in expires:
            self.mem += INT_SIZE
        expires[key] = deadline_ms

    def ttl_ms(self, key: bytes) -> int | None:
        """Remaining deadline of a live key, or None if it has no TTL."""
        return self.expires.get(key)

    def persist(self, key: bytes) -> bool:
        """Remove the TTL of ``key``; True if it had one."""
        if self.expires.pop(key, None) is None:
            return False
        self.mem -= INT_SIZE
        return True

    def flush(self) -> None:
        """FLUSHDB."""
        if self.watched:
            watch.touch_all(self, None)
        self.data = {}
        self.expires = {}
        self.avg_ttl = 0
        self.access = {} if type(self.access) is dict else LFUTable({}, self.clock)
        self.mem = 0
        self.sizes = {}
        self.unsized = set()

    def swap(self, other: Database) -> None:
        """SWAPDB: exchange contents, keeping ids (and watchers: clients watch by number)."""
        if self.watched:
            watch.touch_all(self, other)
        if other.watched:
            watch.touch_all(other, self)
        self.data, other.data = other.data, self.data
        self.expires, other.expires = other.expires, self.expires
        self.access, other.access = other.access, self.access
        self.mem, other.mem = other.mem, self.mem
        self.sizes, other.sizes = other.sizes, self.sizes
        self.unsized, other.unsized = other.unsized, self.unsized
        self.events.swapped(self, other)

    def _expire(self, key: bytes) -> None:
        self._forget(key, self.data.pop(key))
        self.stats.expired_keys += 1

    def active_expire(self, now_ms: int, samples: int = 20) -> int:
        """One step of the active expiry cycle (cf. ``expire.c``): check the next ``samples``
        keys that have a TTL, delete the expired ones, and go on while more than a quarter of
        a sample had expired. Keys are visited round-robin from a snapshot of ``expires``, so
        every volatile key is checked within one pass of the snapshot. Returns keys removed."""
        removed = 0
        while self.expires:
            if self._cursor >= len(self._sweep):
                self._sweep = list(self.expires)
                self._cursor = 0
            batch = self._sweep[self._cursor : self._cursor + samples]
            self._cursor += len(batch)
            expired = 0
            ttl_sum = ttl_samples = 0
            for key in batch:
                deadline = self.expires.get(key)
                if deadline is None:
                    continue
                if deadline <= now_ms:
                    self._expire(key)
                    expired += 1
                else:
                    ttl_sum += deadline - now_ms
                    ttl_samples += 1
            if ttl_samples:
                # A running estimate, weighted as Redis's activeExpireCycle weights it.
                sample = ttl_sum // ttl_samples
                self.avg_ttl = (self.avg_ttl // 50) * 49 + sample // 50 if self.avg_ttl else sample
            removed += expired
            if expired * 4 <= len(batch):
                break
        return removed


class HookedDatabase(Database):
    """A database something listens to: every write is reported to :class:`KeyEvents`
    (``signalModifiedKey``, ``dbAdd``, ``notifyKeyspaceEvent``), and so is a read that misses
    (``keymiss``, from ``lookupKeyRead``). FLUSHDB and SWAPDB check ``watched`` themselves
    (the other database of a SWAPDB may be the watched one); they notify nothing, as in
    Redis."""

    __slots__ = ()

    def set(self, key: bytes, value: Any, keep_ttl: bool = False) -> None:
        if key in self.expires:
            # setKey looks the key up for writing first: one past its deadline expires (and
            # is reported) before the new value makes it a new key.
            self.lookup(key, self.events.now_ms())
        created = key not in self.data
        Database.set(self, key, value, keep_ttl)
        self.events.changed(self, key)
        if created:
            self.events.added(self, key)

    def set_string(self, key: bytes, value: Any, keep_ttl: bool = False) -> None:
        self.set(key, value, keep_ttl)
        self.events.notify(self, notify.STRING, "set", key)

    def delete(self, key: bytes) -> bool:
        if not Database.delete(self, key):
            return False
        self.events.changed(self, key)
        return True

    def modified(self, key: bytes, changes: int = 1) -> None:
        Database.modified(self, key, changes)
        self.events.changed(self, key)

    def notify(self, cls: int, event: str, key: bytes) -> None:
        self.events.notify(self, cls, event, key)

    def lookup_read(self, key: bytes, now_ms: int) -> Any:
        value = Database.lookup_read(self, key, now_ms)
        if value is None:
            self.events.notify(self, notify.KEY_MISS, "keymiss", key)
        return value

    def get_string(self, key: bytes, now_ms: int) -> bytes | None:
        value = Database.get_string(self, key, now_ms)
        if value is None:
            self.events.notify(self, notify.KEY_MISS, "keymiss", key)
        return value

    def peek_read(self, key: bytes, now_ms: int) -> Any:
        value = Database.peek_read(self, key, now_ms)
        if value is None:
            self.events.notify(self, notify.KEY_MISS, "keymiss", key)
        return value

    def _expire(self, key: bytes) -> None:
        Database._expire(self, key)
        self.events.notify(self, notify.EXPIRED, "expired", key)
        self.events.changed(self, key)


class KeyspaceStats:
    """Counters shown in INFO stats."""

    __slots__ = ("dirty", "evicted_keys", "expired_keys", "hits", "misses")

    def __init__(self) -> None:
        self.hits = 0
        self.misses = 0
        self.expired_keys = 0
        self.evicted_keys = 0
        self.dirty = 0

    def reset(self) -> None:
        """CONFIG RESETSTAT."""
        self.hits = self.misses = self.expired_keys = self.evicted_keys = 0
