"""Set commands (Redis's ``set`` group, cf. ``t_set.c``), and the SSCAN/ZSCAN cursor machinery.

A set is a Python ``set[bytes]``. Keys that become empty are deleted; in-place changes to an
existing key go through ``Database.modified`` (``set`` would drop the TTL). The multi-key readers
check every key's type before they give up on a missing key, as Redis 7 does.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING

from pyredisd.core import errors, notify
from pyredisd.core.commands.args import to_int
from pyredisd.core.commands.generic import parse_cursor
from pyredisd.core.commands.spec import (
    KEY_RO,
    Argv,
    CmdFlag,
    CommandGroup,
    KeyFlag,
    KeySpec,
)
from pyredisd.core.errors import CommandError
from pyredisd.core.glob import stringmatch
from pyredisd.core.replies import Reply, SetReply
from pyredisd.core.request import string2ll
from pyredisd.core.scan import scan_batch

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("set")
_F = CmdFlag
_LONG_MAX = (1 << 63) - 1
_KEY_RW_INSERT = KeySpec(KeyFlag.RW | KeyFlag.INSERT)
_KEY_RW_DELETE = KeySpec(KeyFlag.RW | KeyFlag.DELETE)
_KEY_RW_DELETE_ACCESS = KeySpec(KeyFlag.RW | KeyFlag.ACCESS | KeyFlag.DELETE)
_KEY_OW = KeySpec(KeyFlag.OW | KeyFlag.UPDATE)
_KEY_RO_FROM_2 = KeySpec(KeyFlag.RO | KeyFlag.ACCESS, begin=2, lastkey=-1)
_KEY_RO_NUMKEYS = KeySpec(KeyFlag.RO | KeyFlag.ACCESS, begin=1, keynum=True)
_KEY_RO_ONLY = KeySpec(KeyFlag.RO)
_KEY_RO_ACCESS_ALL = KeySpec(KeyFlag.RO | KeyFlag.ACCESS, lastkey=-1)
_KEY_RW_UPDATE = KeySpec(KeyFlag.RW | KeyFlag.UPDATE)


def get_set(c: Client, key: bytes, write: bool = False) -> set[bytes] | None:
    """The set at ``key`` or None; raises WRONGTYPE for other types."""
    db = c.db
    value = db.lookup(key, c.server.now_ms) if write else db.lookup_read(key, c.server.now_ms)
    if value is not None and type(value) is not set:
        raise CommandError(errors.WRONGTYPE)
    return value


def to_range_long(arg: bytes, low: int, high: int, message: str | None = None) -> int:
    """``getRangeLongFromObjectOrReply``: ``message`` replaces both errors when given."""
    value = to_int(arg, message or errors.NOT_INTEGER)
    if not low <= value <= high:
        raise CommandError(message or errors.out_of_range(low, high))
    return value


def to_positive_long(arg: bytes, message: str = errors.MUST_BE_POSITIVE) -> int:
    """``getPositiveLongFromObjectOrReply``: 0..LONG_MAX, one message for every failure."""
    return to_range_long(arg, 0, _LONG_MAX, message)


def parse_numkeys(argv: Argv, index: int) -> int:
    """SINTERCARD/ZMPOP numkeys: 1..LONG_MAX, with their shared message."""
    return to_range_long(argv[index], 1, _LONG_MAX, errors.NUMKEYS_NOT_POSITIVE)


# -- SCAN ------------------------------------------------------------------------------------
# Redis returns a small (listpack or intset encoded) collection whole, with cursor 0; a big one
# is walked in hash order. Here the cursor is a position in the space of 63-bit member hashes:
# each call returns the members whose hash is at least the cursor, the lowest ``count`` hashes
# first (plus any sharing the last hash), and the next cursor is the next hash. A member present
# for a whole scan is therefore returned at least once, whatever happens to the others.
def parse_scan_options(argv: Argv, index: int) -> tuple[int, bytes | None]:
    """COUNT and MATCH of SSCAN/ZSCAN from ``argv[index:]`` (cf. ``scanGenericCommand``)."""
    count = 10
    pattern: bytes | None = None
    while index < len(argv):
        option = argv[index].lower()
        if option == b"count" and index + 1 < len(argv):
            count = to_int(argv[index + 1])
            if count < 1:
                raise CommandError(errors.SYNTAX)
        elif option == b"match" and index + 1 < len(argv):
            pattern = None if argv[index + 1] == b"*" else argv[index + 1]
        else:
            raise CommandError(errors.SYNTAX)
        index += 2
    return count, pattern


def is_compact(c: Client, members: Collection[bytes]) -> bool:
    """Whether Redis would hold this set as a listpack or an intset under the current
    ``set-max-*`` settings (ignoring that it never converts back after growing: that history is
    not kept for sets)."""
    config = c.server.config
    if len(members) <= config["set-max-listpack-entries"] and all(
        len(m) <= config["set-max-listpack-value"] for m in members
    ):
        return True
    return len(members) <= config["set-max-intset-entries"] and all(
        string2ll(m) is not None for m in members
    )


def scan_reply(
    argv: Argv,
    cursor: int,
    members: Collection[bytes],
    expand: Callable[[bytes], Iterable[bytes]] | None = None,
    whole: bool = False,
) -> Reply:
    """One SSCAN/ZSCAN step from ``cursor`` (parsed before the key lookup, with
    :func:`generic.parse_cursor`), options from ``argv[3:]``; ``expand`` adds what follows each
    member (its score). A ``whole`` (compact) collection is returned at once, in its order."""
    count, pattern = parse_scan_options(argv, 3)
    if whole:
        next_cursor, batch = 0, list(members)
    else:
        next_cursor, batch = scan_batch(members, cursor, count)
    if pattern is not None:
        batch = [m for m in batch if stringmatch(pattern, m)]
    items: list[Reply] = []
    for member in batch:
        items.append(member)
        if expand is not None:
            items.extend(expand(member))
    return [b"%d" % next_cursor, items]


# -- single-key commands -----------------------------------------------------------------------
@GROUP.command(
    "sadd",
    -3,
    _F.WRITE | _F.DENYOOM | _F.FAST,
    keys=(_KEY_RW_INSERT,),
    complexity="O(N)",
    usage="key member...",
)
def cmd_sadd(c: Client, argv: Argv) -> Reply:
    """Adds one or more members to a set. Creates the key if it doesn't exist."""
    key = argv[1]
    current = get_set(c, key, write=True)
    if current is None:
        created = set(argv[2:])
        c.db.set(key, created)
        c.db.notify(notify.SET, "sadd", key)
        return len(created)
    before = len(current)
    current.update(argv[2:])
    added = len(current) - before
    if added:
        c.db.modified(key, added)
        c.db.notify(notify.SET, "sadd", key)
    return added


@GROUP.command(
    "srem", -3, _F.WRITE | _F.FAST, keys=(_KEY_RW_DELETE,), complexity="O(N)", usage="key member..."
)
def cmd_srem(c: Client, argv: Argv) -> Reply:
    """Removes one or more members from a set. Deletes the set if the last member was removed."""
    key = argv[1]
    current = get_set(c, key, write=True)
    if current is None:
        return 0
    before = len(current)
    current.difference_update(argv[2:])
    removed = before - len(current)
    if not current:
        c.db.delete(key)
    elif removed:
        c.db.modified(key, removed)
    if removed:
        c.db.notify(notify.SET, "srem", key)
        if not current:
            c.db.notify(notify.GENERIC, "del", key)
    return removed


@GROUP.command("scard", 2, _F.READONLY | _F.FAST, keys=(_KEY_RO_ONLY,), usage="key")
def cmd_scard(c: Client, argv: Argv) -> Reply:
    """Returns the number of members in a set."""
    current = get_set(c, argv[1])
    return 0 if current is None else len(current)


@GROUP.command("sismember", 3, _F.READONLY | _F.FAST, keys=(_KEY_RO_ONLY,), usage="key member")
def cmd_sismember(c: Client, argv: Argv) -> Reply:
    """Determines whether a member belongs to a set."""
    current = get_set(c, argv[1])
    return int(current is not None and argv[2] in current)


@GROUP.command(
    "smismember",
    -3,
    _F.READONLY | _F.FAST,
    keys=(KEY_RO,),
    since="6.2.0",
    complexity="O(N)",
    usage="key member...",
)
def cmd_smismember(c: Client, argv: Argv) -> Reply:
    """Determines whether multiple members belong to a set."""
    current = get_set(c, argv[1]) or set()
    return [int(member in current) for member in argv[2:]]


@GROUP.command("smembers", 2, _F.READONLY, keys=(KEY_RO,), complexity="O(N)", usage="key")
def cmd_smembers(c: Client, argv: Argv) -> Reply:
    """Returns all members of a set."""
    current = get_set(c, argv[1])
    return SetReply(current or ())


@GROUP.command(
    "srandmember", -2, _F.READONLY, keys=(KEY_RO,), complexity="O(N)", usage="key [count]"
)
def cmd_srandmember(c: Client, argv: Argv) -> Reply:
    """Get one or multiple random members from a set."""
    if len(argv) > 3:
        raise CommandError(errors.SYNTAX)
    if len(argv) == 3:
        count = to_range_long(argv[2], -_LONG_MAX, _LONG_MAX)
        current = get_set(c, argv[1])
        if current is None or count == 0:
            return []
        members: list[Reply] = list(current)
        if count < 0:
            return [random.choice(members) for _ in range(-count)]
        if count >= len(members):
            return members  # cf. srandmemberWithCountCommand CASE 2: the whole set
        return random.sample(members, count)
    current = get_set(c, argv[1])
    return None if current is None else random.choice(list(current))


@GROUP.command(
    "spop",
    -2,
    _F.WRITE | _F.FAST,
    keys=(_KEY_RW_DELETE_ACCESS,),
    complexity="O(N)",
    usage="key [count]",
)
def cmd_spop(c: Client, argv: Argv) -> Reply:
    """Returns one or more random members from a set after removing them. Deletes the set if
    the last member was popped."""
    key = argv[1]
    if len(argv) > 3:
        raise CommandError(errors.SYNTAX)
    count = to_positive_long(argv[2]) if len(argv) == 3 else None
    current = get_set(c, key, write=True)
    if current is None:
        return None if count is None else SetReply(())
    if count is None:
        member = random.choice(list(current))
        popped = [member]
    elif count == 0:
        return SetReply(())
    elif count >= len(current):
        popped = list(current)
    else:
        popped = random.sample(list(current), count)
    current.difference_update(popped)
    c.db.notify(notify.SET, "spop", key)
    if not current:
        c.db.delete(key)
        c.db.notify(notify.GENERIC, "del", key)
    else:
        c.db.modified(key, len(popped))
    return popped[0] if count is None else SetReply(popped)


@GROUP.command(
    "smove",
    4,
    _F.WRITE | _F.FAST,
    keys=(_KEY_RW_DELETE_ACCESS, KeySpec(KeyFlag.RW | KeyFlag.INSERT, begin=2)),
    usage="source destination member",
)
def cmd_smove(c: Client, argv: Argv) -> Reply:
    """Moves a member from one set to another."""
    source_key, dest_key, member = argv[1], argv[2], argv[3]
    db, now_ms = c.db, c.server.now_ms
    source, dest = db.lookup(source_key, now_ms), db.lookup(dest_key, now_ms)
    if source is None:
        return 0
    if type(source) is not set or (dest is not None and type(dest) is not set):
        raise CommandError(errors.WRONGTYPE)
    if source is dest:
        return int(member in source)
    if member not in source:
        return 0
    source.discard(member)
    c.db.notify(notify.SET, "srem", source_key)
    if not source:
        c.db.delete(source_key)
        c.db.notify(notify.GENERIC, "del", source_key)
    else:
        c.db.modified(source_key)
    if dest is None:
        c.db.set(dest_key, {member})
    elif member not in dest:
        dest.add(member)
        c.db.modified(dest_key)
    else:
        return 1
    c.db.notify(notify.SET, "sadd", dest_key)
    return 1


@GROUP.command(
    "sscan",
    -3,
    _F.READONLY,
    keys=(KEY_RO,),
    since="2.8.0",
    complexity="O(1)",
    usage="key cursor [MATCH pattern] [COUNT count]",
)
def cmd_sscan(c: Client, argv: Argv) -> Reply:
    """Iterates over members of a set."""
    cursor = parse_cursor(argv[2])
    current = get_set(c, argv[1])
    if current is None:
        return [b"0", []]
    return scan_reply(argv, cursor, current, whole=is_compact(c, current))


# -- multi-key commands ------------------------------------------------------------------------
def _sets(c: Client, keys: Iterable[bytes], write: bool = False) -> list[set[bytes] | None]:
    """The sets at ``keys`` (None for missing ones), every type checked first."""
    return [get_set(c, key, write) for key in keys]


def _inter(sets: list[set[bytes] | None], limit: int = 0) -> set[bytes]:
    if any(s is None for s in sets):
        return set()
    ordered = sorted((s for s in sets if s is not None), key=len)
    first, rest = ordered[0], ordered[1:]
    result: set[bytes] = set()
    for member in first:
        if all(member in other for other in rest):
            result.add(member)
            if limit and len(result) >= limit:
                break
    return result


def _union(sets: list[set[bytes] | None]) -> set[bytes]:
    result: set[bytes] = set()
    for s in sets:
        if s:
            result |= s
    return result


def _diff(sets: list[set[bytes] | None]) -> set[bytes]:
    first = sets[0]
    if not first:
        return set()
    return first.difference(*(s for s in sets[1:] if s))


def _store(c: Client, dest: bytes, result: set[bytes], event: str) -> int:
    """The *STORE commands: replace ``dest`` with ``result`` (deleted when empty)."""
    if result:
        c.db.set(dest, result)
        c.db.notify(notify.SET, event, dest)
    else:
        if c.db.delete(dest):
            c.db.notify(notify.GENERIC, "del", dest)
        c.db.modified(dest)  # Redis counts the store as a change even when it deletes nothing
    return len(result)


_OPERATIONS: dict[str, Callable[[list[set[bytes] | None]], set[bytes]]] = {
    "inter": _inter,
    "union": _union,
    "diff": _diff,
}


def _read_op(name: str) -> Callable[[Client, Argv], Reply]:
    operation = _OPERATIONS[name]

    def handler(c: Client, argv: Argv) -> Reply:
        result = operation(_sets(c, argv[1:]))
        return SetReply(result)

    return handler


def _store_op(name: str) -> Callable[[Client, Argv], Reply]:
    operation = _OPERATIONS[name]

    def handler(c: Client, argv: Argv) -> Reply:
        # The sources are read (lookupKeyRead: hits, misses, ``keymiss``), as without STORE.
        result = operation(_sets(c, argv[2:]))
        return _store(c, argv[1], result, f"s{name}store")

    return handler


def _declare(name: str, op: str, summary: str) -> None:
    GROUP.command(
        name,
        -2,
        _F.READONLY,
        keys=(_KEY_RO_ACCESS_ALL,),
        complexity="O(N*M)",
        summary=summary,
        usage="key...",
    )(_read_op(op))
    GROUP.command(
        name + "store",
        -3,
        _F.WRITE | _F.DENYOOM,
        keys=(_KEY_RW_UPDATE if op == "inter" else _KEY_OW, _KEY_RO_FROM_2),
        complexity="O(N*M)",
        summary=f"Stores the {op} of multiple sets in a key.",
        usage="destination key...",
    )(_store_op(op))


_declare("sinter", "inter", "Returns the intersect of multiple sets.")
_declare("sunion", "union", "Returns the union of multiple sets.")
_declare("sdiff", "diff", "Returns the difference of multiple sets.")


@GROUP.command(
    "sintercard",
    -3,
    _F.READONLY | _F.MOVABLE_KEYS,
    keys=(_KEY_RO_NUMKEYS,),
    since="7.0.0",
    complexity="O(N*M)",
    usage="numkeys key... [LIMIT limit]",
)
def cmd_sintercard(c: Client, argv: Argv) -> Reply:
    """Returns the number of members of the intersect of multiple sets."""
    numkeys = parse_numkeys(argv, 1)
    if numkeys > len(argv) - 2:
        raise CommandError(errors.NUMKEYS_OVER_ARGS)
    limit = 0
    index = 2 + numkeys
    while index < len(argv):
        if argv[index].lower() == b"limit" and index + 1 < len(argv):
            limit = to_positive_long(argv[index + 1], errors.LIMIT_NEGATIVE)
            index += 2
        else:
            raise CommandError(errors.SYNTAX)
    return len(_inter(_sets(c, argv[2 : 2 + numkeys]), limit))
