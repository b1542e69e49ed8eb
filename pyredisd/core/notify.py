"""Keyspace notification classes (``server.h`` ``NOTIFY_*``).

A write command reports what it did with ``db.notify(CLASS, "event", key)`` at the point where
Redis calls ``notifyKeyspaceEvent``; the database forwards it to the server's
:class:`pyredisd.core.events.KeyEvents` only while notifications (or another key hook) are on.
"""

from __future__ import annotations

KEYSPACE = 1 << 0  # K
KEYEVENT = 1 << 1  # E
GENERIC = 1 << 2  # g
STRING = 1 << 3  # $
LIST = 1 << 4  # l
SET = 1 << 5  # s
HASH = 1 << 6  # h
ZSET = 1 << 7  # z
EXPIRED = 1 << 8  # x
EVICTED = 1 << 9  # e
STREAM = 1 << 10  # t
KEY_MISS = 1 << 11  # m (not part of A)
LOADED = 1 << 12  # module only
MODULE = 1 << 13  # d
NEW = 1 << 14  # n (not part of A)
ALL = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE  # A
