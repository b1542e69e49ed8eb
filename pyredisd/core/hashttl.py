"""Hash-field expiry (Redis 7.4's HFE): the value of a hash with field TTLs, and the per-server
schedule that expires those fields in the background.

An ordinary hash is a plain ``dict`` and pays nothing for this feature. The first HEXPIRE on a
hash turns it into a :class:`HashEx` (Redis converts the listpack to ``listpackex``, or gives
the hashtable its HFE metadata): a ``dict`` subclass that also maps fields to deadlines (ms).

Redis's rules, which the command handlers follow (``t_hash.c``):

- A field whose deadline is past is *logically* gone: HGET, HEXISTS, HGETALL, HSCAN... do not
  show it. Commands that look one field up (HGET, HMGET, HEXISTS, HSTRLEN, HSETNX, HINCRBY*)
  also delete it (lazy expiry: ``hexpired``, and ``del`` when the hash is emptied); commands
  that walk the hash only skip it, so HLEN still counts it until it is deleted.
- The cron deletes due fields of the hashes in the schedule, a bounded number per call
  (active expiry); a hash emptied that way is deleted.
- While compact (Redis's listpackex), fields with a TTL sit first, in deadline order, and the
  others after them: the order HGETALL shows. :meth:`HashEx.set_deadline` keeps it.

The schedule is a heap per keyspace dict of (earliest deadline, key, hash) entries, checked by
identity when popped, so a hash deleted, overwritten, renamed or flushed leaves only a stale
entry that is dropped; RENAME, COPY and MOVE call :meth:`FieldExpiry.track` for the new place.
"""

from __future__ import annotations

import heapq
from itertools import count
from typing import TYPE_CHECKING, Any

from pyredisd.core import notify

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from pyredisd.core.keyspace import Database

# HFE_MAX_ABS_TIME_MSEC: deadlines are kept in 48 bits, of which Redis reserves two.
MAX_DEADLINE_MS = ((1 << 48) - 1) >> 2
# HFE_DB_BASE_ACTIVE_EXPIRE_FIELDS_PER_SEC: fields the active cycle may expire per db per second.
ACTIVE_FIELDS_PER_SEC = 10000


class HashEx(dict[bytes, bytes]):
    """A hash that has (or had) fields with a deadline."""

    __slots__ = ("_heap", "listed", "ttls")

    def __init__(self, items: Iterable[tuple[bytes, bytes]] | dict[bytes, bytes] = ()) -> None:
        super().__init__(items)
        self.ttls: dict[bytes, int] = {}  # field -> deadline (ms)
        self._heap: list[tuple[int, bytes]] = []  # (deadline, field), stale entries skipped
        self.listed = 0  # the deadline under which the schedule lists this hash (0: not)

    def copy(self) -> HashEx:
        """COPY's duplicate (``hashTypeDup``): fields, values and deadlines, expired or not."""
        dup = HashEx(self)
        dup.ttls = dict(self.ttls)
        dup._heap = list(self._heap)
        return dup

    # -- deadlines ---------------------------------------------------------------------------
    def set_deadline(self, field: bytes, deadline: int, ordered: bool) -> None:
        """Give ``field`` (present) a deadline; ``ordered`` keeps listpackex's order."""
        self.ttls[field] = deadline
        heapq.heappush(self._heap, (deadline, field))
        if len(self._heap) > 2 * len(self.ttls) + 16:
            self._heap = [(d, f) for f, d in self.ttls.items()]
            heapq.heapify(self._heap)
        if ordered:
            value = dict.pop(self, field)
            items = list(self.items())
            at = len(items)
            for index, (other, _) in enumerate(items):
                theirs = self.ttls.get(other)
                if theirs is None or theirs >= deadline:
                    at = index
                    break
            items.insert(at, (field, value))
            dict.clear(self)
            dict.update(self, items)

    def persist(self, field: bytes, value: bytes | None = None) -> None:
        """Drop the deadline of ``field`` (HPERSIST, or HSET's new ``value``): a field without
        a TTL goes to the end, as in the listpackex."""
        del self.ttls[field]
        old = dict.pop(self, field)
        self[field] = old if value is None else value

    def remove(self, field: bytes) -> bool:
        """Delete ``field`` and its deadline; True if it was there."""
        if dict.pop(self, field, None) is None:
            return False
        if self.ttls:
            self.ttls.pop(field, None)
        return True

    def earliest(self) -> int | None:
        """The earliest deadline of any field, or None."""
        heap, ttls = self._heap, self.ttls
        while heap and ttls.get(heap[0][1]) != heap[0][0]:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def due(self, now_ms: int, limit: int) -> list[bytes]:
        """Up to ``limit`` fields whose deadline is ``now_ms`` or earlier, earliest first
        (taken off the heap: the caller deletes them)."""
        out: list[bytes] = []
        heap, ttls = self._heap, self.ttls
        while heap and len(out) < limit:
            deadline, field = heap[0]
            if ttls.get(field) != deadline:
                heapq.heappop(heap)
            elif deadline <= now_ms:
                heapq.heappop(heap)
                out.append(field)
            else:
                break
        return out

    def is_expired(self, field: bytes, now_ms: int) -> bool:
        """``hashTypeIsExpired``: the deadline is before the command's time."""
        deadline = self.ttls.get(field)
        return deadline is not None and deadline < now_ms

    def live_items(self, now_ms: int) -> Iterator[tuple[bytes, bytes]]:
        """Field/value pairs not expired, in order (HGETALL, HSCAN skip expired fields)."""
        ttls = self.ttls
        for field, value in self.items():
            deadline = ttls.get(field)
            if deadline is None or deadline >= now_ms:
                yield field, value


class _Schedule:
    """The heap of one keyspace dict."""

    __slots__ = ("compact_at", "data", "heap")

    def __init__(self, data: dict[bytes, Any]) -> None:
        self.data = data
        self.heap: list[tuple[int, int, bytes, HashEx]] = []
        self.compact_at = 1024


class FieldExpiry:
    """The server's hash-field expiry: the schedule of every database, and the
    ``expired_subkeys`` counter of INFO stats."""

    __slots__ = ("_schedules", "_seq", "expired")

    def __init__(self) -> None:
        self.expired = 0  # stat_expired_subkeys
        self._schedules: dict[int, _Schedule] = {}  # by id() of a database's ``data``
        self._seq = count()

    def _schedule(self, db: Database) -> _Schedule:
        schedule = self._schedules.get(id(db.data))
        if schedule is None or schedule.data is not db.data:
            schedule = self._schedules[id(db.data)] = _Schedule(db.data)
        return schedule

    def schedule(self, db: Database, key: bytes, value: HashEx, force: bool = False) -> None:
        """List ``value`` at ``key`` under its earliest deadline, unless it is already listed
        under that deadline or an earlier one (``force``: it moved to a new key or db)."""
        earliest = value.earliest()
        if earliest is None or (value.listed and value.listed <= earliest and not force):
            return
        value.listed = earliest
        schedule = self._schedule(db)
        heapq.heappush(schedule.heap, (earliest, next(self._seq), key, value))
        if len(schedule.heap) > schedule.compact_at:
            data = schedule.data
            schedule.heap = [e for e in schedule.heap if data.get(e[2]) is e[3]]
            heapq.heapify(schedule.heap)
            schedule.compact_at = 2 * len(schedule.heap) + 1024

    def track(self, db: Database, key: bytes, value: Any) -> None:
        """RENAME, COPY, MOVE: ``value`` now lives at ``key`` of ``db``."""
        if type(value) is HashEx and value.ttls:
            self.schedule(db, key, value, force=True)

    def hashes_with_ttls(self, db: Database) -> int:
        """INFO keyspace ``subexpiry``: hashes of ``db`` that have fields with a TTL."""
        schedule = self._schedules.get(id(db.data))
        if schedule is None or schedule.data is not db.data:
            return 0
        data = schedule.data
        return len({id(e[3]) for e in schedule.heap if e[3].ttls and data.get(e[2]) is e[3]})

    def delete_fields(
        self, db: Database, key: bytes, value: HashEx, fields: list[bytes], notify_now: bool
    ) -> bool:
        """Expire ``fields`` of the hash at ``key``: counted in ``expired_subkeys``, announced
        with ``hexpired`` (unless the caller announces once for several lookups), and the key
        deleted (``del``) if that emptied it. True if the hash was deleted."""
        for field in fields:
            value.remove(field)
        self.expired += len(fields)
        if notify_now:
            db.notify(notify.HASH, "hexpired", key)
        if value:
            db.modified(key, 0)
            return False
        db.delete(key)
        if notify_now:
            db.notify(notify.GENERIC, "del", key)
        return True

    def cycle(self, dbs: list[Database], now_ms: int, hz: int) -> int:
        """The active cycle: in each database expire the due fields of the hashes whose
        earliest deadline has come, at most ``ACTIVE_FIELDS_PER_SEC / hz`` fields. Returns
        the number of fields expired."""
        live = {id(db.data): db.data for db in dbs}
        for ident in [i for i, s in self._schedules.items() if live.get(i) is not s.data]:
            del self._schedules[ident]  # a flushed keyspace
        quota_per_db = max(1, ACTIVE_FIELDS_PER_SEC // max(hz, 1))
        total = 0
        for db in dbs:
            schedule = self._schedules.get(id(db.data))
            if schedule is None:
                continue
            quota, heap, data = quota_per_db, schedule.heap, schedule.data
            while heap and quota and heap[0][0] <= now_ms:
                deadline, _, key, value = heapq.heappop(heap)
                if data.get(key) is not value or value.listed != deadline:
                    continue  # stale: the hash moved, was deleted or was listed again
                value.listed = 0
                fields = value.due(now_ms, quota)
                quota -= len(fields)
                total += len(fields)
                if fields and self.delete_fields(db, key, value, fields, True):
                    continue
                self.schedule(db, key, value)
        return total
