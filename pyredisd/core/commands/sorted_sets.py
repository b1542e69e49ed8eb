"""Sorted-set commands (Redis's ``sorted-set`` group, cf. ``t_zset.c``).

A sorted set is a :class:`pyredisd.core.zset.ZSet`. The range commands live in
:mod:`.sorted_sets_range`, which owns :data:`GROUP`; importing this module declares the whole
family. Scores are :class:`Double` replies: bulk strings in RESP2, doubles in RESP3. Keys that
become empty are deleted; in-place changes go through ``Database.modified``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pyredisd.core import errors, notify
from pyredisd.core.commands.args import to_int
from pyredisd.core.commands.generic import parse_cursor
from pyredisd.core.commands.sets import (
    parse_numkeys,
    scan_reply,
    to_positive_long,
    to_range_long,
)
from pyredisd.core.commands.sorted_sets_range import (
    GROUP,
    get_zset,
    scored,
    store,
    to_score,
)
from pyredisd.core.commands.spec import KEY_RO, Argv, CmdFlag, KeyFlag, KeySpec
from pyredisd.core.errors import CommandError
from pyredisd.core.replies import NULL_ARRAY, Double, Reply
from pyredisd.core.resp import format_double
from pyredisd.core.zset import ZSet

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

__all__ = ["GROUP"]

_F = CmdFlag
_LONG_MAX = (1 << 63) - 1
_KEY_RW_UPDATE = KeySpec(KeyFlag.RW | KeyFlag.UPDATE)
_KEY_RO_ONLY = KeySpec(KeyFlag.RO)
_KEY_RW_ACCESS_DELETE = KeySpec(KeyFlag.RW | KeyFlag.ACCESS | KeyFlag.DELETE)
_KEY_RW_DELETE = KeySpec(KeyFlag.RW | KeyFlag.DELETE)
_KEY_OW = KeySpec(KeyFlag.OW | KeyFlag.UPDATE)
_KEY_RO_NUMKEYS = KeySpec(KeyFlag.RO | KeyFlag.ACCESS, begin=1, keynum=True)
_KEY_RO_NUMKEYS_2 = KeySpec(KeyFlag.RO | KeyFlag.ACCESS, begin=2, keynum=True)
_KEY_RW_NUMKEYS = KeySpec(KeyFlag.RW | KeyFlag.ACCESS | KeyFlag.DELETE, begin=1, keynum=True)
_ZADD_FLAGS = {b"nx", b"xx", b"ch", b"incr", b"gt", b"lt"}


# -- ZADD, ZINCRBY -----------------------------------------------------------------------------
def zadd_generic(c: Client, argv: Argv, flags: set[bytes]) -> Reply:
    """``zaddGenericCommand``: options, then score/member pairs, all parsed before any change.
    A new key is built in one sort (``ZSet.from_scores``) rather than member by member."""
    index = 2
    while index < len(argv) and argv[index].lower() in _ZADD_FLAGS:
        flags.add(argv[index].lower())
        index += 1
    pairs = len(argv) - index
    if pairs % 2 or not pairs:
        raise CommandError(errors.SYNTAX)
    nx, xx, gt, lt = b"nx" in flags, b"xx" in flags, b"gt" in flags, b"lt" in flags
    incr = b"incr" in flags
    if nx and xx:
        raise CommandError(errors.ZADD_XX_NX)
    if (gt and nx) or (lt and nx) or (gt and lt):
        raise CommandError(errors.ZADD_GT_LT_NX)
    if incr and pairs > 2:
        raise CommandError(errors.ZADD_INCR_PAIRS)
    scores = [to_score(argv[i]) for i in range(index, len(argv), 2)]
    key = argv[1]
    zset = get_zset(c, key, write=True)
    if zset is None and xx:
        return None if incr else 0
    pending: dict[bytes, float] = {}
    get = pending.get if zset is None else zset.scores.get
    put = pending.__setitem__ if zset is None else zset.add
    added = updated = processed = 0
    score = 0.0
    for offset, score in enumerate(scores):  # the last score is INCR's reply
        member = argv[index + 1 + 2 * offset]
        current = get(member)
        if current is None:
            if xx:
                continue
            put(member, score)
            added += 1
        else:
            if nx:
                continue
            if incr:
                score += current
                if math.isnan(score):
                    raise CommandError(errors.SCORE_NAN)
            if (lt and score >= current) or (gt and score <= current):
                continue
            if score != current:
                put(member, score)
                updated += 1
        processed += 1
    if zset is None:
        c.db.set(key, ZSet.from_scores(pending, c.server.zset_limits, len(scores)))
    elif added + updated:
        c.db.modified(key, added + updated)
    if added + updated:
        c.db.notify(notify.ZSET, "zincr" if incr else "zadd", key)
    if incr:
        return Double(score) if processed else None
    return added + updated if b"ch" in flags else added


@GROUP.command(
    "zadd",
    -4,
    _F.WRITE | _F.DENYOOM | _F.FAST,
    keys=(_KEY_RW_UPDATE,),
    since="1.2.0",
    complexity="O(log(N))",
    usage="key [NX|XX] [GT|LT] [CH] [INCR] (score@double member)...",
)
def cmd_zadd(c: Client, argv: Argv) -> Reply:
    """Adds one or more members to a sorted set, or updates their scores. Creates the key if it
    doesn't exist."""
    return zadd_generic(c, argv, set())


@GROUP.command(
    "zincrby",
    4,
    _F.WRITE | _F.DENYOOM | _F.FAST,
    keys=(KeySpec(KeyFlag.RW | KeyFlag.ACCESS | KeyFlag.UPDATE),),
    since="1.2.0",
    complexity="O(log(N))",
    usage="key increment member",
)
def cmd_zincrby(c: Client, argv: Argv) -> Reply:
    """Increments the score of a member in a sorted set."""
    return zadd_generic(c, argv, {b"incr"})


# -- single members ----------------------------------------------------------------------------
@GROUP.command(
    "zrem",
    -3,
    _F.WRITE | _F.FAST,
    keys=(_KEY_RW_DELETE,),
    since="1.2.0",
    complexity="O(M*log(N))",
    usage="key member...",
)
def cmd_zrem(c: Client, argv: Argv) -> Reply:
    """Removes one or more members from a sorted set. Deletes the sorted set if all members were
    removed."""
    key = argv[1]
    zset = get_zset(c, key, write=True)
    if zset is None:
        return 0
    removed = sum(1 for member in argv[2:] if zset.remove(member))
    if not zset:
        c.db.delete(key)
    elif removed:
        c.db.modified(key, removed)
    if removed:
        c.db.notify(notify.ZSET, "zrem", key)
        if not zset:
            c.db.notify(notify.GENERIC, "del", key)
    return removed


@GROUP.command(
    "zcard", 2, _F.READONLY | _F.FAST, keys=(KeySpec(KeyFlag.RO),), since="1.2.0", usage="key"
)
def cmd_zcard(c: Client, argv: Argv) -> Reply:
    """Returns the number of members in a sorted set."""
    zset = get_zset(c, argv[1])
    return 0 if zset is None else len(zset)


@GROUP.command(
    "zscore", 3, _F.READONLY | _F.FAST, keys=(KEY_RO,), since="1.2.0", usage="key member"
)
def cmd_zscore(c: Client, argv: Argv) -> Reply:
    """Returns the score of a member in a sorted set."""
    zset = get_zset(c, argv[1])
    score = None if zset is None else zset.score(argv[2])
    return None if score is None else Double(score)


@GROUP.command(
    "zmscore",
    -3,
    _F.READONLY | _F.FAST,
    keys=(KEY_RO,),
    since="6.2.0",
    complexity="O(N)",
    usage="key member...",
)
def cmd_zmscore(c: Client, argv: Argv) -> Reply:
    """Returns the score of one or more members in a sorted set."""
    zset = get_zset(c, argv[1])
    scores = [None if zset is None else zset.score(member) for member in argv[2:]]
    return [None if score is None else Double(score) for score in scores]


def zrank_generic(c: Client, argv: Argv, reverse: bool) -> Reply:
    """ZRANK/ZREVRANK with WITHSCORE (cf. ``zrankGenericCommand``)."""
    if len(argv) > 4:
        raise CommandError(errors.wrong_arity(argv[0].lower().decode()))
    withscore = len(argv) == 4
    if withscore and argv[3].lower() != b"withscore":
        raise CommandError(errors.SYNTAX)
    zset = get_zset(c, argv[1])
    rank = None if zset is None else zset.rank(argv[2], reverse)
    if rank is None:
        return NULL_ARRAY if withscore else None
    if withscore:
        assert zset is not None
        return [rank, Double(zset.scores[argv[2]])]
    return rank


@GROUP.command(
    "zrank",
    -3,
    _F.READONLY | _F.FAST,
    keys=(KEY_RO,),
    since="2.0.0",
    complexity="O(log(N))",
    usage="key member [WITHSCORE]",
)
def cmd_zrank(c: Client, argv: Argv) -> Reply:
    """Returns the index of a member in a sorted set ordered by ascending scores."""
    return zrank_generic(c, argv, False)


@GROUP.command(
    "zrevrank",
    -3,
    _F.READONLY | _F.FAST,
    keys=(KEY_RO,),
    since="2.0.0",
    complexity="O(log(N))",
    usage="key member [WITHSCORE]",
)
def cmd_zrevrank(c: Client, argv: Argv) -> Reply:
    """Returns the index of a member in a sorted set ordered by descending scores."""
    return zrank_generic(c, argv, True)


# -- popping -----------------------------------------------------------------------------------
def pop_generic(
    c: Client, keys: Iterable[bytes], highest: bool, count: int | None, nested: bool
) -> Reply:
    """``genericZpopCommand``: pop from the first existing key. ``count`` None is "not given";
    ``nested`` is ZMPOP's ``[key, [[member, score], ...]]`` shape (null when nothing exists)."""
    for key in keys:
        zset = get_zset(c, key, write=True)
        if zset is not None:
            break
    else:
        return NULL_ARRAY if nested else []
    if count == 0:
        return []
    popped = [zset.pop(highest) for _ in range(min(count or 1, len(zset)))]
    c.db.notify(notify.ZSET, "zpopmax" if highest else "zpopmin", key)
    if not zset:
        c.db.delete(key)
        c.db.notify(notify.GENERIC, "del", key)
    else:
        c.db.modified(key, len(popped))
    if nested:
        return [key, [[member, Double(score)] for score, member in popped]]
    if c.resp == 3 and count is not None:
        return scored(c, popped, True)
    flat: list[Reply] = []
    for score, member in popped:
        flat.extend((member, Double(score)))
    return flat


def _zpop(c: Client, argv: Argv, highest: bool) -> Reply:
    if len(argv) > 3:
        raise CommandError(errors.SYNTAX)
    count = to_positive_long(argv[2]) if len(argv) == 3 else None
    return pop_generic(c, argv[1:2], highest, count, nested=False)


@GROUP.command(
    "zpopmin",
    -2,
    _F.WRITE | _F.FAST,
    keys=(_KEY_RW_ACCESS_DELETE,),
    since="5.0.0",
    complexity="O(log(N)*M)",
    usage="key [count]",
)
def cmd_zpopmin(c: Client, argv: Argv) -> Reply:
    """Returns the lowest-scoring members from a sorted set after removing them. Deletes the
    sorted set if the last member was popped."""
    return _zpop(c, argv, False)


@GROUP.command(
    "zpopmax",
    -2,
    _F.WRITE | _F.FAST,
    keys=(_KEY_RW_ACCESS_DELETE,),
    since="5.0.0",
    complexity="O(log(N)*M)",
    usage="key [count]",
)
def cmd_zpopmax(c: Client, argv: Argv) -> Reply:
    """Returns the highest-scoring members from a sorted set after removing them. Deletes the
    sorted set if the last member was popped."""
    return _zpop(c, argv, True)


@GROUP.command(
    "zmpop",
    -4,
    _F.WRITE | _F.MOVABLE_KEYS,
    keys=(_KEY_RW_NUMKEYS,),
    since="7.0.0",
    complexity="O(K) + O(M*log(N))",
    usage="numkeys key... (MIN|MAX) [COUNT count]",
)
def cmd_zmpop(c: Client, argv: Argv) -> Reply:
    """Returns the highest- or lowest-scoring members from one or more sorted sets after removing
    them. Deletes the sorted set if the last member was popped."""
    numkeys = parse_numkeys(argv, 1)
    where = 2 + numkeys
    if where >= len(argv):
        raise CommandError(errors.SYNTAX)
    side = argv[where].lower()
    if side not in (b"min", b"max"):
        raise CommandError(errors.SYNTAX)
    count: int | None = None
    index = where + 1
    while index < len(argv):
        if count is None and argv[index].lower() == b"count" and index + 1 < len(argv):
            count = to_range_long(argv[index + 1], 1, _LONG_MAX, errors.COUNT_NOT_POSITIVE)
            index += 2
        else:
            raise CommandError(errors.SYNTAX)
    return pop_generic(c, argv[2:where], side == b"max", count or 1, nested=True)


# -- random members, scanning ------------------------------------------------------------------
@GROUP.command(
    "zrandmember",
    -2,
    _F.READONLY,
    keys=(KEY_RO,),
    since="6.2.0",
    complexity="O(N)",
    usage="key [count [WITHSCORES]]",
)
def cmd_zrandmember(c: Client, argv: Argv) -> Reply:
    """Returns one or more random members from a sorted set."""
    if len(argv) == 2:
        zset = get_zset(c, argv[1])
        return None if zset is None else zset.at(random.randrange(len(zset)))[1]
    count = to_range_long(argv[2], -_LONG_MAX, _LONG_MAX)
    if len(argv) > 4 or (len(argv) == 4 and argv[3].lower() != b"withscores"):
        raise CommandError(errors.SYNTAX)
    withscores = len(argv) == 4
    if withscores and not -(_LONG_MAX // 2) <= count <= _LONG_MAX // 2:
        raise CommandError(errors.RANDOM_COUNT_RANGE)
    zset = get_zset(c, argv[1])
    if zset is None or count == 0:
        return []
    size = len(zset)
    if count < 0 or count == 1:
        picks = [zset.at(random.randrange(size)) for _ in range(abs(count))]
    elif count >= size:
        picks = list(zset)
    else:
        picks = [zset.at(rank) for rank in random.sample(range(size), count)]
    return scored(c, picks, withscores)


@GROUP.command(
    "zscan",
    -3,
    _F.READONLY,
    keys=(KEY_RO,),
    since="2.8.0",
    complexity="O(1)",
    usage="key cursor [MATCH pattern] [COUNT count]",
)
def cmd_zscan(c: Client, argv: Argv) -> Reply:
    """Iterates over members and scores of a sorted set."""
    cursor = parse_cursor(argv[2])
    zset = get_zset(c, argv[1])
    if zset is None:
        return [b"0", []]
    scores = zset.scores
    members = [member for _, member in zset] if zset.compact else scores.keys()
    return scan_reply(
        argv, cursor, members, lambda m: (format_double(scores[m]),), whole=zset.compact
    )


# -- ZUNION, ZINTER, ZDIFF and their STOREs ----------------------------------------------------
Source = dict[bytes, float] | set[bytes] | None


def _source(c: Client, key: bytes) -> Source:
    """A ZUNION input: a sorted set's scores, a set (every score 1), or None if missing."""
    db = c.db
    value = db.lookup_read(key, c.server.now_ms)
    if value is None:
        return None
    if type(value) is ZSet:
        return value.scores
    if type(value) is set:
        return value
    raise CommandError(errors.WRONGTYPE)


def _score(source: dict[bytes, float] | set[bytes], member: bytes) -> float:
    return source[member] if type(source) is dict else 1.0


def _aggregate(how: bytes, current: float, value: float) -> float:
    """``zunionInterAggregate``: inf + -inf is 0, not NaN."""
    if how == b"sum":
        total = current + value
        return 0.0 if math.isnan(total) else total
    if how == b"min":
        return value if value < current else current
    return value if value > current else current


def _weighted(score: float, weight: float) -> float:
    value = score * weight
    return 0.0 if math.isnan(value) else value


def _size(pair: tuple[Source, float]) -> int:
    return len(pair[0] or ())


def _union(sources: list[Source], weights: list[float], how: bytes) -> dict[bytes, float]:
    result: dict[bytes, float] = {}
    for source, weight in sorted(zip(sources, weights, strict=True), key=_size):
        for member in source or ():
            value = _weighted(_score(source, member), weight)  # type: ignore[arg-type]
            current = result.get(member)
            result[member] = value if current is None else _aggregate(how, current, value)
    return result


def _inter(
    sources: list[Source], weights: list[float], how: bytes, limit: int = 0
) -> dict[bytes, float]:
    if any(not source for source in sources):
        return {}
    ordered = sorted(zip(sources, weights, strict=True), key=_size)
    (first, first_weight), rest = ordered[0], ordered[1:]
    assert first is not None
    result: dict[bytes, float] = {}
    for member in first:
        value = _weighted(_score(first, member), first_weight)
        for other, weight in rest:
            assert other is not None
            if member not in other:
                break
            # Only the first (smallest) input's product is cleaned of NaN (inf * 0): a NaN here
            # makes SUM 0 and leaves MIN/MAX unchanged, as C's comparisons do.
            value = _aggregate(how, value, _score(other, member) * weight)
        else:
            result[member] = value
            if limit and len(result) >= limit:
                break
    return result


def _diff(sources: list[Source]) -> dict[bytes, float]:
    first = sources[0]
    if not first:
        return {}
    others = [source for source in sources[1:] if source]
    return {
        member: _score(first, member)
        for member in first
        if not any(member in other for other in others)
    }


def setop_generic(c: Client, argv: Argv, op: str, dest: bytes | None = None) -> Reply:
    """``zunionInterDiffGenericCommand``: numkeys and every key's type are checked before the
    options (WEIGHTS, AGGREGATE, WITHSCORES, LIMIT for ZINTERCARD)."""
    numkeys_at = 1 if dest is None else 2
    numkeys = to_int(argv[numkeys_at])
    if numkeys < 1:
        name = c.last_cmd.fullname if c.last_cmd is not None else argv[0].lower().decode()
        raise CommandError(errors.zset_no_keys(name))
    if numkeys > len(argv) - numkeys_at - 1:
        raise CommandError(errors.SYNTAX)
    first_key = numkeys_at + 1
    # Read lookups with or without STORE (lookupKeyRead: hits, misses, ``keymiss``).
    sources = [_source(c, key) for key in argv[first_key : first_key + numkeys]]
    weights = [1.0] * numkeys
    how, withscores, limit = b"sum", False, 0
    cardinality = op == "card"
    index = first_key + numkeys
    while index < len(argv):
        option = argv[index].lower()
        left = len(argv) - index
        if op in ("union", "inter") and option == b"weights" and left > numkeys:
            weights = [
                to_score(arg, errors.WEIGHT_NOT_FLOAT) for arg in argv[index + 1 :][:numkeys]
            ]
            index += numkeys + 1
        elif op in ("union", "inter") and option == b"aggregate" and left >= 2:
            how = argv[index + 1].lower()
            if how not in (b"sum", b"min", b"max"):
                raise CommandError(errors.SYNTAX)
            index += 2
        elif dest is None and not cardinality and option == b"withscores":
            withscores = True
            index += 1
        elif cardinality and option == b"limit" and left >= 2:
            limit = to_positive_long(argv[index + 1], errors.LIMIT_NEGATIVE)
            index += 2
        else:
            raise CommandError(errors.SYNTAX)
    if cardinality:
        return len(_inter(sources, weights, how, limit))
    if op == "union":
        result = _union(sources, weights, how)
    elif op == "inter":
        result = _inter(sources, weights, how)
    else:
        result = _diff(sources)
    if dest is not None:
        return store(c, dest, result, f"z{op}store")
    ordered = sorted((score, member) for member, score in result.items())
    return scored(c, ordered, withscores)


def _declare_setop(op: str, since: str, summary: str) -> None:
    name = "z" + op

    def handler(c: Client, argv: Argv) -> Reply:
        return setop_generic(c, argv, op)

    def store_handler(c: Client, argv: Argv) -> Reply:
        return setop_generic(c, argv, op, dest=argv[1])

    handler.__name__ = f"cmd_{name}"
    store_handler.__name__ = f"cmd_{name}store"
    options = "" if op == "diff" else " [WEIGHTS weight...] [AGGREGATE (SUM|MIN|MAX)]"
    GROUP.command(
        name,
        -3,
        _F.READONLY | _F.MOVABLE_KEYS,
        keys=(_KEY_RO_NUMKEYS,),
        since="6.2.0",
        complexity="O(N)+O(M*log(M))",
        summary=f"Returns the {summary} of multiple sorted sets.",
        usage=f"numkeys key...{options} [WITHSCORES]",
    )(handler)
    GROUP.command(
        name + "store",
        -4,
        _F.WRITE | _F.DENYOOM | _F.MOVABLE_KEYS,
        keys=(_KEY_OW, _KEY_RO_NUMKEYS_2),
        since=since,
        complexity="O(N)+O(M*log(M))",
        summary=f"Stores the {summary} of multiple sorted sets in a key.",
        usage=f"destination numkeys key...{options}",
    )(store_handler)


_declare_setop("union", "2.0.0", "union")
_declare_setop("inter", "2.0.0", "intersect")
_declare_setop("diff", "6.2.0", "difference")


@GROUP.command(
    "zintercard",
    -3,
    _F.READONLY | _F.MOVABLE_KEYS,
    keys=(_KEY_RO_NUMKEYS,),
    since="7.0.0",
    complexity="O(N*K)",
    usage="numkeys key... [LIMIT limit]",
)
def cmd_zintercard(c: Client, argv: Argv) -> Reply:
    """Returns the number of members of the intersect of multiple sorted sets."""
    return setop_generic(c, argv, "card")
