"""WATCH: which clients watch which keys, and marking them dirty when a key is touched.

Two indexes hold the same :class:`WatchedKey` objects (cf. ``multi.c``): ``Database.watched``
maps a key to its watchers by client id (what a write consults), ``Client.watched`` maps
``(db id, key)`` to the client's own entries (what UNWATCH, EXEC, DISCARD, RESET and a closed
connection release). A database keeps its watchers through SWAPDB: clients watch by db number.

Redis 7.4's rules, followed here:

* any change to a watched key (by anyone, the watcher too) marks the watcher dirty (CAS), and
  since nothing can undo that before EXEC, the watcher stops watching at once
  (``touchWatchedKey``);
* a key already expired when WATCHed counts as absent: its deletion (lazy or active expiry,
  DEL) is no change, anything that gives it a value is (``watchedKey.expired``);
* FLUSHDB/FLUSHALL touch only the watched keys that exist, SWAPDB those that exist on either
  side (``touchAllWatchedKeysInDb``);
* a watched key that is expired at EXEC time (but was not when watched) aborts EXEC
  (``isWatchedKeyExpired``).

The keyspace calls :func:`touch` only while its ``watched`` dict is not empty: the database is
then a ``HookedDatabase``, whose write methods touch (``Database.refresh_hooks``), so writes to
unwatched databases pay nothing. FLUSHDB and SWAPDB call :func:`touch_all` after one test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyredisd.core.clients import Client
    from pyredisd.core.keyspace import Database


class WatchedKey:
    """One client watching one key of one database."""

    __slots__ = ("client", "db", "expired", "key")

    def __init__(self, client: Client, db: Database, key: bytes, expired: bool) -> None:
        self.client = client
        self.db = db
        self.key = key
        self.expired = expired  # the key was already expired (logically absent) when watched


def _is_expired(db: Database, key: bytes, now_ms: int) -> bool:
    """``keyIsExpired``: the key is still stored but its deadline has passed."""
    deadline = db.expires.get(key)
    return deadline is not None and deadline <= now_ms and key in db.data


def watch(client: Client, db: Database, key: bytes) -> None:
    """WATCH one key (again: no change)."""
    ident = (db.id, key)
    if ident in client.watched:
        return
    entry = WatchedKey(client, db, key, _is_expired(db, key, client.server.now_ms))
    client.watched[ident] = entry
    watchers = db.watched.get(key)
    if watchers is None:
        db.watched[key] = {client.id: entry}
        if len(db.watched) == 1:
            db.refresh_hooks()
    else:
        watchers[client.id] = entry


def unwatch_all(client: Client) -> None:
    """Forget every key ``client`` watches (UNWATCH, EXEC, DISCARD, RESET, close)."""
    if not client.watched:
        return
    cid = client.id
    for entry in client.watched.values():
        index = entry.db.watched
        watchers = index.get(entry.key)
        if watchers is not None:
            watchers.pop(cid, None)
            if not watchers:
                del index[entry.key]
                if not index:
                    entry.db.refresh_hooks()
    client.watched = {}


def touch(db: Database, key: bytes) -> None:
    """``key`` of ``db`` was just changed: its watchers are dirty (``touchWatchedKey``)."""
    watchers = db.watched.get(key)
    if not watchers:
        return
    for entry in list(watchers.values()):
        if entry.expired and key not in db.data:
            # An expired key deleted: logically no change. From now on it is just absent.
            entry.expired = False
            continue
        client = entry.client
        client.dirty_cas = True
        unwatch_all(client)


def touch_all(emptied: Database, replaced_with: Database | None) -> None:
    """``emptied`` is about to be flushed (``replaced_with`` None) or swapped with
    ``replaced_with``: every watched key that exists on either side is touched
    (``touchAllWatchedKeysInDb``)."""
    dirty: list[Client] = []
    for key, watchers in emptied.watched.items():
        exists = key in emptied.data
        exists_after = replaced_with is not None and key in replaced_with.data
        if not (exists or exists_after):
            continue
        for entry in watchers.values():
            now_ms = entry.client.server.now_ms
            if entry.expired:
                if not exists_after:
                    entry.expired = False  # an expired key deleted: no logical change
                    continue
                assert replaced_with is not None
                if _is_expired(replaced_with, key, now_ms):
                    continue  # expired before, expired after
            elif (
                not exists and replaced_with is not None and _is_expired(replaced_with, key, now_ms)
            ):
                entry.expired = True  # absent before, an expired key after: still absent
                continue
            dirty.append(entry.client)
    for client in dirty:
        client.dirty_cas = True
        unwatch_all(client)


def expired_since_watch(client: Client, now_ms: int) -> bool:
    """Whether a key ``client`` watches has expired since it was watched (EXEC aborts)."""
    return any(
        not entry.expired and _is_expired(entry.db, entry.key, now_ms)
        for entry in client.watched.values()
    )


def watched_keys(dbs: list[Database]) -> int:
    """INFO ``total_watched_keys``: distinct watched keys over all databases."""
    return sum(len(db.watched) for db in dbs)
