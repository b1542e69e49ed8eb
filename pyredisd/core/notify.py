"""Keyspace notification classes (``server.h`` ``NOTIFY_*``).

A write command reports what it did with ``db.notify(CLASS, "event", key)`` at the point where
Redis calls ``notifyKeyspaceEvent``; the database forwards it to the server's
:class:`pyredisd.core.events.KeyEvents` only while notifications (or another key hook) are on.
"""

from __future__ import annotations

from pyredisd.core import errors

KEYSPACE = 1 << 0  # K
KEYEVENT = 1 << 1  # E
GENERIC = 1 << 2  # g
STRING = 1 << 3  # $
LIST = 1 << 4  # l
SET = 1 << 5  # s
HASH = 1 << 6  # h
ZSET = 1 << 7  # z
EXPIRED = 1 << 8  # x
# e. Eviction reports it as deleteEvictedKeyAndPropagate does: ``db.delete(key)`` then
# ``db.notify(EVICTED, "evicted", key)``.
EVICTED = 1 << 9
STREAM = 1 << 10  # t
KEY_MISS = 1 << 11  # m (not part of A)
LOADED = 1 << 12  # module only
MODULE = 1 << 13  # d
NEW = 1 << 14  # n (not part of A)
ALL = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE  # A

# keyspaceEventsStringToFlags: each character's class.
_FLAG_OF = {
    "A": ALL,
    "g": GENERIC,
    "$": STRING,
    "l": LIST,
    "s": SET,
    "h": HASH,
    "z": ZSET,
    "x": EXPIRED,
    "e": EVICTED,
    "K": KEYSPACE,
    "E": KEYEVENT,
    "t": STREAM,
    "m": KEY_MISS,
    "d": MODULE,
    "n": NEW,
}
# keyspaceEventsFlagsToString: the classes ``A`` stands for, then the rest, in this order.
_CLASS_LETTERS = (
    (GENERIC, "g"),
    (STRING, "$"),
    (LIST, "l"),
    (SET, "s"),
    (HASH, "h"),
    (ZSET, "z"),
    (EXPIRED, "x"),
    (EVICTED, "e"),
    (STREAM, "t"),
    (MODULE, "d"),
    (NEW, "n"),
)


def flags_from_string(text: str) -> int:
    """``keyspaceEventsStringToFlags``: the NOTIFY_* bits of a class string such as ``KEA``;
    raises ValueError with Redis's reason for any other character."""
    flags = 0
    for char in text:
        flag = _FLAG_OF.get(char)
        if flag is None:
            raise ValueError(errors.NOTIFY_INVALID_CLASS)
        flags |= flag
    return flags


def flags_to_string(flags: int) -> str:
    """``keyspaceEventsFlagsToString``: the canonical class string (CONFIG GET and REWRITE).
    ``A`` replaces its classes when all are set, and then also hides ``n``, as in Redis."""
    if flags & ALL == ALL:
        out = ["A"]
    else:
        out = [letter for flag, letter in _CLASS_LETTERS if flags & flag]
    for flag, letter in ((KEYSPACE, "K"), (KEYEVENT, "E"), (KEY_MISS, "m")):
        if flags & flag:
            out.append(letter)
    return "".join(out)
