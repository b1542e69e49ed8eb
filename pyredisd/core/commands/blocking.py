"""Blocking list and sorted-set commands (``t_list.c``, ``t_zset.c``): BLPOP, BRPOP, BLMOVE,
BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP.

Each parses its arguments in Redis's order (the timeout last for the multi-key pops), then runs
the non-blocking command (LPOP, LMOVE, LMPOP, ZPOPMIN, ZMPOP, ...) on the first key that has
something, so replies, keyspace effects and notifications are exactly that command's. When no key
has anything the client blocks (:mod:`pyredisd.core.blocking`), and the same handler runs again
once a key it waits on is ready. Inside MULTI/EXEC nothing blocks: the answer is what a timeout
would give, at once (a null bulk string for BLMOVE and BRPOPLPUSH, as Redis).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyredisd.core import errors
from pyredisd.core.blocking import LIST, ZSET, parse_timeout
from pyredisd.core.commands import lists, sorted_sets
from pyredisd.core.commands.lists import parse_where, write_list
from pyredisd.core.commands.sets import parse_numkeys, to_range_long
from pyredisd.core.commands.sorted_sets_range import get_zset
from pyredisd.core.commands.spec import Argv, CmdFlag, CommandGroup, Handler, KeyFlag, KeySpec
from pyredisd.core.errors import CommandError
from pyredisd.core.replies import NULL_ARRAY, Reply

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("list")
ZSET_GROUP = CommandGroup("sorted-set")
_F = CmdFlag
_LONG_MAX = (1 << 63) - 1

_BLOCKING = _F.WRITE | _F.NOSCRIPT | _F.BLOCKING
_KEY_POP = KeySpec(KeyFlag.RW | KeyFlag.ACCESS | KeyFlag.DELETE)
_KEYS_POP = KeySpec(KeyFlag.RW | KeyFlag.ACCESS | KeyFlag.DELETE, lastkey=-2)
_KEY_MOVE = (_KEY_POP, KeySpec(KeyFlag.RW | KeyFlag.INSERT, begin=2))
_KEY_MPOP = KeySpec(KeyFlag.RW | KeyFlag.ACCESS | KeyFlag.DELETE, begin=2, keynum=True)


def _block(c: Client, argv: Argv, wants: type, keys: list[bytes], deadline_ms: int) -> Reply:
    return c.server.blocking.block(c, argv, wants, keys, deadline_ms)


def _bmpop(c: Client, argv: Argv, sides: tuple[bytes, bytes], mpop: Handler, wants: type) -> Reply:
    """BLMPOP / BZMPOP: LMPOP / ZMPOP (``argv`` without the timeout) once their arguments and
    then the timeout have been checked; nothing to pop blocks on all the keys."""
    _parse_mpop(argv, sides)
    deadline = parse_timeout(argv[1], c.server.now_ms)
    reply = mpop(c, argv[1:])  # [LZ]MPOP numkeys key... side [COUNT n]
    if reply is not NULL_ARRAY or c.multi is not None:
        return reply
    return _block(c, argv, wants, argv[3 : 3 + int(argv[2])], deadline)


def _parse_mpop(argv: Argv, sides: tuple[bytes, bytes]) -> None:
    """``lmpopGenericCommand`` / ``zmpopGenericCommand`` from argument 2 on: numkeys, the side
    after the keys, an optional COUNT; every error before the timeout's."""
    numkeys = parse_numkeys(argv, 2)
    where = 3 + numkeys
    if where >= len(argv) or argv[where].lower() not in sides:
        raise CommandError(errors.SYNTAX)
    index = where + 1
    counted = False
    while index < len(argv):
        if not counted and argv[index].lower() == b"count" and index + 1 < len(argv):
            to_range_long(argv[index + 1], 1, _LONG_MAX, errors.COUNT_NOT_POSITIVE)
            counted = True
            index += 2
        else:
            raise CommandError(errors.SYNTAX)


# -- lists ---------------------------------------------------------------------------------------
def _bpop(c: Client, argv: Argv, left: bool) -> Reply:
    """``blockingPopGenericCommand`` for BLPOP/BRPOP: ``[key, element]`` from the first non-empty
    list, WRONGTYPE at the first key of another type."""
    deadline = parse_timeout(argv[-1], c.server.now_ms)
    keys = argv[1:-1]
    pop = lists.cmd_lpop if left else lists.cmd_rpop
    for key in keys:
        if write_list(c, key):
            return [key, pop(c, [b"lpop" if left else b"rpop", key])]
    if c.multi is not None:
        return NULL_ARRAY
    return _block(c, argv, LIST, keys, deadline)


@GROUP.command(
    "blpop",
    -3,
    _BLOCKING,
    keys=(_KEYS_POP,),
    since="2.0.0",
    complexity="O(N) where N is the number of provided keys.",
    summary=(
        "Removes and returns the first element in a list. Blocks until an element is available "
        "otherwise. Deletes the list if the last element was popped."
    ),
    usage="key... timeout",
)
def cmd_blpop(c: Client, argv: Argv) -> Reply:
    """BLPOP key [key ...] timeout."""
    return _bpop(c, argv, left=True)


@GROUP.command(
    "brpop",
    -3,
    _BLOCKING,
    keys=(_KEYS_POP,),
    since="2.0.0",
    complexity="O(N) where N is the number of provided keys.",
    summary=(
        "Removes and returns the last element in a list. Blocks until an element is available "
        "otherwise. Deletes the list if the last element was popped."
    ),
    usage="key... timeout",
)
def cmd_brpop(c: Client, argv: Argv) -> Reply:
    """BRPOP key [key ...] timeout."""
    return _bpop(c, argv, left=False)


def _bmove(c: Client, argv: Argv, deadline: int, move: Handler, move_argv: Argv) -> Reply:
    """``blmoveGenericCommand``: LMOVE (or RPOPLPUSH) once the source exists (the
    destination's type is checked only then); a missing source blocks."""
    if write_list(c, argv[1]) is not None:
        return move(c, move_argv)
    if c.multi is not None:
        return None
    return _block(c, argv, LIST, [argv[1]], deadline)


@GROUP.command(
    "blmove",
    6,
    _BLOCKING | _F.DENYOOM,
    keys=_KEY_MOVE,
    since="6.2.0",
    summary=(
        "Pops an element from a list, pushes it to another list and returns it. Blocks until "
        "an element is available otherwise. Deletes the list if the last element was moved."
    ),
    usage="source destination (LEFT|RIGHT) (LEFT|RIGHT) timeout",
)
def cmd_blmove(c: Client, argv: Argv) -> Reply:
    """BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout."""
    parse_where(argv[3])
    parse_where(argv[4])
    deadline = parse_timeout(argv[5], c.server.now_ms)
    return _bmove(c, argv, deadline, lists.cmd_lmove, [b"lmove", *argv[1:5]])


@GROUP.command(
    "brpoplpush",
    4,
    _BLOCKING | _F.DENYOOM,
    keys=_KEY_MOVE,
    since="2.2.0",
    summary=(
        "Pops an element from a list, pushes it to another list and returns it. Block until an "
        "element is available otherwise. Deletes the list if the last element was popped."
    ),
    usage="source destination timeout",
)
def cmd_brpoplpush(c: Client, argv: Argv) -> Reply:
    """BRPOPLPUSH source destination timeout."""
    deadline = parse_timeout(argv[3], c.server.now_ms)
    return _bmove(c, argv, deadline, lists.cmd_rpoplpush, [b"rpoplpush", *argv[1:3]])


@GROUP.command(
    "blmpop",
    -5,
    _F.WRITE | _F.BLOCKING | _F.MOVABLE_KEYS,
    keys=(_KEY_MPOP,),
    since="7.0.0",
    complexity=(
        "O(N+M) where N is the number of provided keys and M is the number of elements returned."
    ),
    summary=(
        "Pops the first element from one of multiple lists. Blocks until an element is "
        "available otherwise. Deletes the list if the last element was popped."
    ),
    usage="timeout numkeys key... (LEFT|RIGHT) [COUNT count]",
)
def cmd_blmpop(c: Client, argv: Argv) -> Reply:
    """BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]."""
    return _bmpop(c, argv, (b"left", b"right"), lists.cmd_lmpop, LIST)


# -- sorted sets ---------------------------------------------------------------------------------
def _bzpop(c: Client, argv: Argv, highest: bool) -> Reply:
    """``blockingGenericZpopCommand`` for BZPOPMIN/BZPOPMAX: ``[key, member, score]`` from the
    first non-empty sorted set."""
    deadline = parse_timeout(argv[-1], c.server.now_ms)
    keys = argv[1:-1]
    pop = sorted_sets.cmd_zpopmax if highest else sorted_sets.cmd_zpopmin
    for key in keys:
        if get_zset(c, key, write=True) is not None:
            popped = pop(c, [b"zpopmax" if highest else b"zpopmin", key])
            assert isinstance(popped, list)
            return [key, *popped]
    if c.multi is not None:
        return NULL_ARRAY
    return _block(c, argv, ZSET, keys, deadline)


@ZSET_GROUP.command(
    "bzpopmin",
    -3,
    _BLOCKING | _F.FAST,
    keys=(_KEYS_POP,),
    since="5.0.0",
    complexity="O(log(N)) with N being the number of elements in the sorted set.",
    summary=(
        "Removes and returns the member with the lowest score from one or more sorted sets. "
        "Blocks until a member is available otherwise. Deletes the sorted set if the last "
        "element was popped."
    ),
    usage="key... timeout",
)
def cmd_bzpopmin(c: Client, argv: Argv) -> Reply:
    """BZPOPMIN key [key ...] timeout."""
    return _bzpop(c, argv, highest=False)


@ZSET_GROUP.command(
    "bzpopmax",
    -3,
    _BLOCKING | _F.FAST,
    keys=(_KEYS_POP,),
    since="5.0.0",
    complexity="O(log(N)) with N being the number of elements in the sorted set.",
    summary=(
        "Removes and returns the member with the highest score from one or more sorted sets. "
        "Blocks until a member available otherwise.  Deletes the sorted set if the last "
        "element was popped."
    ),
    usage="key... timeout",
)
def cmd_bzpopmax(c: Client, argv: Argv) -> Reply:
    """BZPOPMAX key [key ...] timeout."""
    return _bzpop(c, argv, highest=True)


@ZSET_GROUP.command(
    "bzmpop",
    -5,
    _F.WRITE | _F.BLOCKING | _F.MOVABLE_KEYS,
    keys=(_KEY_MPOP,),
    since="7.0.0",
    complexity=(
        "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
        "elements in the sorted set, and M being the number of elements popped."
    ),
    summary=(
        "Removes and returns a member by score from one or more sorted sets. Blocks until a "
        "member is available otherwise. Deletes the sorted set if the last element was popped."
    ),
    usage="timeout numkeys key... (MIN|MAX) [COUNT count]",
)
def cmd_bzmpop(c: Client, argv: Argv) -> Reply:
    """BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]."""
    return _bmpop(c, argv, (b"min", b"max"), sorted_sets.cmd_zmpop, ZSET)
