"""List commands (``t_list.c``): pushes, pops, ranges, LPOS, LMOVE and LMPOP.

A list is a ``collections.deque[bytes]``. Rules every handler follows, as Redis does:

* a key holding another type is WRONGTYPE; a list that becomes empty is deleted;
* a new list is stored with ``db.set`` (which counts one change), an existing one is mutated in
  place and reported with ``db.modified`` (``set`` would drop its TTL);
* reads go through ``lookup_read`` (keyspace hits/misses), writes through ``lookup``;
* arguments are validated in Redis's order, which decides which error wins (LRANGE parses its
  indexes before looking the key up, LINDEX after, so ``LINDEX missing x`` is a null).

The blocking variants (BLPOP, BLMOVE, BLMPOP, ...) belong with the blocking machinery.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from itertools import islice
from typing import TYPE_CHECKING

from pyredisd.core import errors, notify
from pyredisd.core.commands.args import to_int
from pyredisd.core.commands.spec import (
    KEY_RO,
    Argv,
    CmdFlag,
    CommandGroup,
    KeyFlag,
    KeySpec,
)
from pyredisd.core.errors import CommandError
from pyredisd.core.replies import NULL_ARRAY, OK, Reply

if TYPE_CHECKING:
    from pyredisd.core.clients import Client
    from pyredisd.core.keyspace import Database

GROUP = CommandGroup("list")
_F = CmdFlag
_LONG_MAX = (1 << 63) - 1

ListValue = deque[bytes]  # the stored representation, shared with the other families

_KEY_RO_COUNT = KeySpec(KeyFlag.RO)
_KEY_INSERT = KeySpec(KeyFlag.RW | KeyFlag.INSERT)
_KEY_UPDATE = KeySpec(KeyFlag.RW | KeyFlag.UPDATE)
_KEY_DELETE = KeySpec(KeyFlag.RW | KeyFlag.DELETE)
_KEY_POP = KeySpec(KeyFlag.RW | KeyFlag.ACCESS | KeyFlag.DELETE)
_KEY_MOVE = (_KEY_POP, KeySpec(KeyFlag.RW | KeyFlag.INSERT, begin=2))
_KEY_MPOP = KeySpec(KeyFlag.RW | KeyFlag.ACCESS | KeyFlag.DELETE, begin=1, keynum=True)

_PUSH_COMPLEXITY = (
    "O(1) for each element added, so O(N) to add N elements when the command is called with "
    "multiple arguments."
)


# -- helpers -------------------------------------------------------------------------------------
def read_list(c: Client, key: bytes) -> ListValue | None:
    """The list at ``key`` for a read command (counts a hit or miss), or None."""
    value = c.db.lookup_read(key, c.server.now_ms)
    if value is not None and type(value) is not deque:
        raise CommandError(errors.WRONGTYPE)
    return value


def write_list(c: Client, key: bytes) -> ListValue | None:
    """The list at ``key`` for a write command, or None."""
    value = c.db.lookup(key, c.server.now_ms)
    if value is not None and type(value) is not deque:
        raise CommandError(errors.WRONGTYPE)
    return value


def store_new(db: Database, key: bytes, value: object, changes: int) -> None:
    """Add a new key that took ``changes`` element writes (``set`` counts the first one)."""
    db.set(key, value)
    if changes > 1:
        db.modified(key, changes - 1)


def removed(db: Database, key: bytes, lst: ListValue, changes: int, event: str) -> None:
    """Report ``changes`` removals from ``lst`` with the list event ``event`` (``lpop``,
    ``rpop``, ``lrem``, ``ltrim``), deleting the key once it is empty, with a ``del`` event
    (``listElementsRemoved``)."""
    db.notify(notify.LIST, event, key)
    if lst:
        db.modified(key, changes)
    else:
        db.delete(key)
        db.notify(notify.GENERIC, "del", key)
        if changes > 1:
            db.modified(key, changes - 1)


def pop_reported(db: Database, key: bytes, lst: ListValue, count: int, left: bool) -> list[Reply]:
    """Pop up to ``count`` elements from one end and report it (``lpop``/``rpop``, then
    ``del`` if the list is gone): every pop goes through here, blocking ones included."""
    popped = pop_many(lst, count, left)
    removed(db, key, lst, len(popped), "lpop" if left else "rpop")
    return popped


def parse_where(arg: bytes) -> bool:
    """``getListPositionFromObjectOrReply``: True for LEFT (head), False for RIGHT."""
    where = arg.lower()
    if where == b"left":
        return True
    if where == b"right":
        return False
    raise CommandError(errors.SYNTAX)


def _positive(arg: bytes, message: str) -> int:
    """``getRangeLongFromObjectOrReply(0, LONG_MAX, msg)``: ``message`` for every failure."""
    value = to_int(arg, message)
    if value < 0:
        raise CommandError(message)
    return value


def _range(length: int, start: int, end: int) -> tuple[int, int]:
    """Redis's inclusive ``start``/``end`` (negative from the tail) as a half-open slice;
    empty (0, 0) when the range misses the list."""
    if start < 0:
        start += length
    if end < 0:
        end += length
    start = max(start, 0)
    if start > end or start >= length:
        return 0, 0
    return start, min(end, length - 1) + 1


def pop_many(lst: ListValue, count: int, left: bool) -> list[Reply]:
    """Pop up to ``count`` elements from one end, in the order they were popped."""
    take = lst.popleft if left else lst.pop
    return [take() for _ in range(min(count, len(lst)))]


# -- push ----------------------------------------------------------------------------------------
def _push(c: Client, argv: Argv, left: bool, only_existing: bool) -> Reply:
    """``pushGenericCommand``."""
    key = argv[1]
    lst = write_list(c, key)
    values = argv[2:]
    if lst is None:
        if only_existing:
            return 0
        lst = deque()
        store_new(c.db, key, lst, len(values))
    else:
        c.db.modified(key, len(values))
    if left:
        lst.extendleft(values)
    else:
        lst.extend(values)
    c.db.notify(notify.LIST, "lpush" if left else "rpush", key)
    return len(lst)


@GROUP.command(
    "lpush",
    -3,
    _F.WRITE | _F.DENYOOM | _F.FAST,
    keys=(_KEY_INSERT,),
    since="1.0.0",
    complexity=_PUSH_COMPLEXITY,
    usage="key element...",
)
def cmd_lpush(c: Client, argv: Argv) -> Reply:
    """Prepends one or more elements to a list. Creates the key if it doesn't exist."""
    return _push(c, argv, left=True, only_existing=False)


@GROUP.command(
    "rpush",
    -3,
    _F.WRITE | _F.DENYOOM | _F.FAST,
    keys=(_KEY_INSERT,),
    since="1.0.0",
    complexity=_PUSH_COMPLEXITY,
    usage="key element...",
)
def cmd_rpush(c: Client, argv: Argv) -> Reply:
    """Appends one or more elements to a list. Creates the key if it doesn't exist."""
    return _push(c, argv, left=False, only_existing=False)


@GROUP.command(
    "lpushx",
    -3,
    _F.WRITE | _F.DENYOOM | _F.FAST,
    keys=(_KEY_INSERT,),
    since="2.2.0",
    complexity=_PUSH_COMPLEXITY,
    usage="key element...",
)
def cmd_lpushx(c: Client, argv: Argv) -> Reply:
    """Prepends one or more elements to a list only when the list exists."""
    return _push(c, argv, left=True, only_existing=True)


@GROUP.command(
    "rpushx",
    -3,
    _F.WRITE | _F.DENYOOM | _F.FAST,
    keys=(_KEY_INSERT,),
    since="2.2.0",
    complexity=_PUSH_COMPLEXITY,
    usage="key element...",
)
def cmd_rpushx(c: Client, argv: Argv) -> Reply:
    """Appends an element to a list only when the list exists."""
    return _push(c, argv, left=False, only_existing=True)


# -- pop -----------------------------------------------------------------------------------------
def _pop(c: Client, argv: Argv, left: bool) -> Reply:
    """``popGenericCommand``: without a count a bulk string (null when missing); with one an
    array, the null array when the key is missing (``*-1`` in RESP2, ``_`` in RESP3)."""
    if len(argv) > 3:
        raise CommandError(errors.wrong_arity("lpop" if left else "rpop"))
    has_count = len(argv) == 3
    count = _positive(argv[2], errors.MUST_BE_POSITIVE) if has_count else 0
    key = argv[1]
    lst = write_list(c, key)
    if lst is None:
        return NULL_ARRAY if has_count else None
    if not has_count:
        return pop_reported(c.db, key, lst, 1, left)[0]
    if not count:
        return []
    return pop_reported(c.db, key, lst, count, left)


@GROUP.command(
    "lpop",
    -2,
    _F.WRITE | _F.FAST,
    keys=(_KEY_POP,),
    since="1.0.0",
    complexity="O(N) where N is the number of elements returned",
    usage="key [count]",
)
def cmd_lpop(c: Client, argv: Argv) -> Reply:
    """Returns the first elements in a list after removing it. Deletes the list if the last
    element was popped."""
    return _pop(c, argv, left=True)


@GROUP.command(
    "rpop",
    -2,
    _F.WRITE | _F.FAST,
    keys=(_KEY_POP,),
    since="1.0.0",
    complexity="O(N) where N is the number of elements returned",
    usage="key [count]",
)
def cmd_rpop(c: Client, argv: Argv) -> Reply:
    """Returns and removes the last elements of the list. Deletes the list if the last element
    was popped."""
    return _pop(c, argv, left=False)


@GROUP.command(
    "lmpop",
    -4,
    _F.WRITE | _F.MOVABLE_KEYS,
    keys=(_KEY_MPOP,),
    since="7.0.0",
    complexity=(
        "O(N+M) where N is the number of provided keys and M is the number of elements returned."
    ),
    usage="numkeys key... (LEFT|RIGHT) [COUNT count]",
)
def cmd_lmpop(c: Client, argv: Argv) -> Reply:
    """Returns multiple elements from a list after removing them. Deletes the list if the last
    element was popped."""
    # lmpopGenericCommand: numkeys, then LEFT|RIGHT after the keys, then an optional COUNT.
    numkeys = to_int(argv[1], errors.NUMKEYS_NOT_POSITIVE)
    if numkeys < 1:
        raise CommandError(errors.NUMKEYS_NOT_POSITIVE)
    where_at = 2 + numkeys
    if where_at >= len(argv):
        raise CommandError(errors.SYNTAX)
    left = parse_where(argv[where_at])
    count = -1
    index = where_at + 1
    while index < len(argv):
        if count == -1 and argv[index].lower() == b"count" and index + 1 < len(argv):
            count = to_int(argv[index + 1], errors.COUNT_NOT_POSITIVE)
            if count < 1:
                raise CommandError(errors.COUNT_NOT_POSITIVE)
            index += 2
        else:
            raise CommandError(errors.SYNTAX)
    count = max(count, 1)
    for key in argv[2:where_at]:
        lst = write_list(c, key)
        if not lst:
            continue
        return [key, pop_reported(c.db, key, lst, count, left)]
    return NULL_ARRAY


# -- read ----------------------------------------------------------------------------------------
@GROUP.command("llen", 2, _F.READONLY | _F.FAST, keys=(_KEY_RO_COUNT,), since="1.0.0", usage="key")
def cmd_llen(c: Client, argv: Argv) -> Reply:
    """Returns the length of a list."""
    lst = read_list(c, argv[1])
    return len(lst) if lst is not None else 0


@GROUP.command(
    "lrange",
    4,
    _F.READONLY,
    keys=(KEY_RO,),
    since="1.0.0",
    complexity=(
        "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest "
        "end (HEAD or TAIL) for large lists; and N is the number of elements in the specified "
        "range."
    ),
    usage="key start stop",
)
def cmd_lrange(c: Client, argv: Argv) -> Reply:
    """Returns a range of elements from a list."""
    start, end = to_int(argv[2]), to_int(argv[3])
    lst = read_list(c, argv[1])
    if lst is None:
        return []
    first, stop = _range(len(lst), start, end)
    return list(islice(lst, first, stop))


@GROUP.command(
    "lindex",
    3,
    _F.READONLY,
    keys=(KEY_RO,),
    since="1.0.0",
    complexity=(
        "O(N) where N is the number of elements to traverse to get to the element at index. "
        "This makes asking for the first or the last element of the list O(1)."
    ),
    usage="key index",
)
def cmd_lindex(c: Client, argv: Argv) -> Reply:
    """Returns an element from a list by its index."""
    lst = read_list(c, argv[1])
    if lst is None:
        return None
    index = to_int(argv[2])
    if not -len(lst) <= index < len(lst):
        return None
    return lst[index]


_LPOS_OPTIONS = (b"rank", b"count", b"maxlen")


@GROUP.command(
    "lpos",
    -3,
    _F.READONLY,
    keys=(KEY_RO,),
    since="6.0.6",
    complexity=(
        "O(N) where N is the number of elements in the list, for the average case. When "
        "searching for elements near the head or the tail of the list, or when the MAXLEN "
        "option is provided, the command may run in constant time."
    ),
    usage="key element [RANK rank] [COUNT num-matches] [MAXLEN len]",
)
def cmd_lpos(c: Client, argv: Argv) -> Reply:
    """Returns the index of matching elements in a list."""
    rank, count, maxlen = 1, -1, 0
    index = 3
    while index < len(argv):
        option = argv[index].lower()
        if option not in _LPOS_OPTIONS or index + 1 >= len(argv):
            raise CommandError(errors.SYNTAX)
        value = argv[index + 1]
        if option == b"rank":
            rank = to_int(value)
            if rank < -_LONG_MAX:
                raise CommandError(errors.out_of_range(-_LONG_MAX, _LONG_MAX))
            if rank == 0:
                raise CommandError(errors.LPOS_RANK_ZERO)
        elif option == b"count":
            count = _positive(value, errors.LPOS_COUNT_NEGATIVE)
        else:
            maxlen = _positive(value, errors.LPOS_MAXLEN_NEGATIVE)
        index += 2
    lst = read_list(c, argv[1])
    if lst is None:
        return [] if count != -1 else None
    element = argv[2]
    length = len(lst)
    items: Iterator[tuple[int, bytes]]
    if rank > 0:
        items = enumerate(lst)
    else:
        rank = -rank
        items = zip(range(length - 1, -1, -1), reversed(lst), strict=True)
    if maxlen:
        items = islice(items, maxlen)
    matches: list[Reply] = []
    wanted = count if count > 0 else (None if count == 0 else 1)
    for position, item in items:
        if item == element:
            rank -= 1
            if rank <= 0:
                matches.append(position)
                if wanted is not None and len(matches) >= wanted:
                    break
    if count == -1:
        return matches[0] if matches else None
    return matches


# -- in-place writes -----------------------------------------------------------------------------
@GROUP.command(
    "lset",
    4,
    _F.WRITE | _F.DENYOOM,
    keys=(_KEY_UPDATE,),
    since="1.0.0",
    complexity=(
        "O(N) where N is the length of the list. Setting either the first or the last element "
        "of the list is O(1)."
    ),
    usage="key index element",
)
def cmd_lset(c: Client, argv: Argv) -> Reply:
    """Sets the value of an element in a list by its index."""
    key = argv[1]
    lst = write_list(c, key)
    if lst is None:
        raise CommandError(errors.NO_SUCH_KEY)
    index = to_int(argv[2])
    if not -len(lst) <= index < len(lst):
        raise CommandError(errors.INDEX_OUT_OF_RANGE)
    lst[index] = argv[3]
    c.db.modified(key)
    c.db.notify(notify.LIST, "lset", key)
    return OK


@GROUP.command(
    "linsert",
    5,
    _F.WRITE | _F.DENYOOM,
    keys=(_KEY_INSERT,),
    since="2.2.0",
    complexity=(
        "O(N) where N is the number of elements to traverse before seeing the value pivot. This "
        "means that inserting somewhere on the left end on the list (head) can be considered "
        "O(1) and inserting somewhere on the right end (tail) is O(N)."
    ),
    usage="key (BEFORE|AFTER) pivot element",
)
def cmd_linsert(c: Client, argv: Argv) -> Reply:
    """Inserts an element before or after another element in a list."""
    where = argv[2].lower()
    if where not in (b"before", b"after"):
        raise CommandError(errors.SYNTAX)
    key = argv[1]
    lst = write_list(c, key)
    if lst is None:
        return 0
    try:
        position = lst.index(argv[3])
    except ValueError:
        return -1
    lst.insert(position if where == b"before" else position + 1, argv[4])
    c.db.modified(key)
    c.db.notify(notify.LIST, "linsert", key)
    return len(lst)


@GROUP.command(
    "lrem",
    4,
    _F.WRITE,
    keys=(_KEY_DELETE,),
    since="1.0.0",
    complexity="O(N+M) where N is the length of the list and M is the number of elements removed.",
    usage="key count element",
)
def cmd_lrem(c: Client, argv: Argv) -> Reply:
    """Removes elements from a list. Deletes the list if the last element was removed."""
    count = to_int(argv[2])
    key, element = argv[1], argv[3]
    lst = write_list(c, key)
    if lst is None:
        return 0
    limit = abs(count) if count else len(lst)
    kept: list[bytes] = []
    gone = 0
    source = reversed(lst) if count < 0 else iter(lst)
    for item in source:
        if gone < limit and item == element:
            gone += 1
        else:
            kept.append(item)
    if gone:
        if count < 0:
            kept.reverse()
        lst.clear()
        lst.extend(kept)
        removed(c.db, key, lst, gone, "lrem")
    return gone


@GROUP.command(
    "ltrim",
    4,
    _F.WRITE,
    keys=(_KEY_DELETE,),
    since="1.0.0",
    complexity="O(N) where N is the number of elements to be removed by the operation.",
    usage="key start stop",
)
def cmd_ltrim(c: Client, argv: Argv) -> Reply:
    """Removes elements from both ends a list. Deletes the list if all elements were trimmed."""
    start, end = to_int(argv[2]), to_int(argv[3])
    key = argv[1]
    lst = write_list(c, key)
    if lst is None:
        return OK
    length = len(lst)
    first, stop = _range(length, start, end)
    if first == stop:
        first = stop = length
    for _ in range(first):
        lst.popleft()
    for _ in range(length - stop):
        lst.pop()
    removed(c.db, key, lst, length - len(lst), "ltrim")
    return OK


# -- moves ---------------------------------------------------------------------------------------
def _move(c: Client, source: bytes, destination: bytes, left_from: bool, left_to: bool) -> Reply:
    """``lmoveGenericCommand``: both keys are type-checked before anything moves; the source
    and destination may be the same list (a rotation)."""
    src = write_list(c, source)
    if src is None:
        return None
    dst = write_list(c, destination)
    value = src.popleft() if left_from else src.pop()
    # Redis counts one change per move: the new destination's ``set`` or else the pop.
    created = dst is None
    if dst is None:
        dst = deque()
        store_new(c.db, destination, dst, 1)
    else:
        c.db.modified(destination, 0)
    if left_to:
        dst.appendleft(value)
    else:
        dst.append(value)
    c.db.notify(notify.LIST, "lpush" if left_to else "rpush", destination)
    removed(c.db, source, src, 0 if created else 1, "lpop" if left_from else "rpop")
    return value


@GROUP.command(
    "lmove",
    5,
    _F.WRITE | _F.DENYOOM,
    keys=_KEY_MOVE,
    since="6.2.0",
    complexity="O(1)",
    usage="source destination (LEFT|RIGHT) (LEFT|RIGHT)",
)
def cmd_lmove(c: Client, argv: Argv) -> Reply:
    """Returns an element after popping it from one list and pushing it to another. Deletes the
    list if the last element was moved."""
    left_from = parse_where(argv[3])
    left_to = parse_where(argv[4])
    return _move(c, argv[1], argv[2], left_from, left_to)


@GROUP.command(
    "rpoplpush",
    3,
    _F.WRITE | _F.DENYOOM,
    keys=_KEY_MOVE,
    since="1.2.0",
    complexity="O(1)",
    usage="source destination",
)
def cmd_rpoplpush(c: Client, argv: Argv) -> Reply:
    """Returns the last element of a list after removing and pushing it to another list.
    Deletes the list if the last element was popped."""
    return _move(c, argv[1], argv[2], left_from=False, left_to=True)
