"""A database: a dict of values and a dict of expiry deadlines (ms), with lazy expiry.

Values are stored as the Python object for their type (``bytes`` for strings); a key with a TTL
also has an entry in ``expires``. Lookups take the command's time snapshot (``now_ms``), so every
check within a command agrees (Redis's ``commandTimeSnapshot``).
"""

from __future__ import annotations

from typing import Any

from pyredisd.core import notify, watch
from pyredisd.core.errors import WRONGTYPE, CommandError
from pyredisd.core.events import KeyEvents


class Database:
    """One numbered database."""

    __slots__ = (
        "_cursor",
        "_sweep",
        "avg_ttl",
        "data",
        "events",
        "expires",
        "id",
        "scan_index",
        "stats",
        "watched",
    )

    def __init__(self, index: int, stats: KeyspaceStats, events: KeyEvents | None = None) -> None:
        self.id = index
        self.events = events if events is not None else KeyEvents()
        self.data: dict[bytes, Any] = {}
        self.expires: dict[bytes, int] = {}
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
        """:meth:`lookup` that also counts a keyspace hit or miss (read commands)."""
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
        if type(value) is not bytes:
            raise CommandError(WRONGTYPE)
        return value

    def set(self, key: bytes, value: Any, keep_ttl: bool = False) -> None:
        """Store ``value``; drops any TTL unless ``keep_ttl``."""
        self.data[key] = value
        self.stats.dirty += 1
        if not keep_ttl and self.expires:
            self.expires.pop(key, None)

    # SET's plain form (the hot path): ``set``, plus the ``set`` event when hooked (below).
    set_string = set

    def delete(self, key: bytes) -> bool:
        """Remove ``key``; True if it existed."""
        if self.data.pop(key, None) is None:
            return False
        self.stats.dirty += 1
        if self.expires:
            self.expires.pop(key, None)
        return True

    def modified(self, key: bytes, changes: int = 1) -> None:
        """A value was changed in place (LPUSH on an existing list, HSET, ...). Every write
        path reports here or through set/delete: it counts Redis's ``dirty``
        (rdb_changes_since_last_save); while something listens, :class:`HookedDatabase`
        reports the change to :class:`KeyEvents` (WATCH, tracking, blocked clients)."""
        self.stats.dirty += changes

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
        self.expires[key] = deadline_ms

    def ttl_ms(self, key: bytes) -> int | None:
        """Remaining deadline of a live key, or None if it has no TTL."""
        return self.expires.get(key)

    def persist(self, key: bytes) -> bool:
        """Remove the TTL of ``key``; True if it had one."""
        return self.expires.pop(key, None) is not None

    def flush(self) -> None:
        """FLUSHDB."""
        if self.watched:
            watch.touch_all(self, None)
        self.data = {}
        self.expires = {}
        self.avg_ttl = 0

    def swap(self, other: Database) -> None:
        """SWAPDB: exchange contents, keeping ids (and watchers: clients watch by number)."""
        if self.watched:
            watch.touch_all(self, other)
        if other.watched:
            watch.touch_all(other, self)
        self.data, other.data = other.data, self.data
        self.expires, other.expires = other.expires, self.expires
        self.events.swapped(self, other)

    def _expire(self, key: bytes) -> None:
        del self.data[key]
        del self.expires[key]
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

    def _expire(self, key: bytes) -> None:
        Database._expire(self, key)
        self.events.notify(self, notify.EXPIRED, "expired", key)
        self.events.changed(self, key)


class KeyspaceStats:
    """Counters shown in INFO stats."""

    __slots__ = ("dirty", "expired_keys", "hits", "misses")

    def __init__(self) -> None:
        self.hits = 0
        self.misses = 0
        self.expired_keys = 0
        self.dirty = 0

    def reset(self) -> None:
        """CONFIG RESETSTAT."""
        self.hits = self.misses = self.expired_keys = 0
