"""Sorted-set ranges: score and lex range parsing, and the ZRANGE family (cf. ``t_zset.c``).

This module owns the ``sorted-set`` :class:`CommandGroup`; :mod:`.sorted_sets` imports it and
declares the rest of the family on the same group, so ``sorted_sets.GROUP`` is the whole family.
Ranges are parsed before the key is looked up, so a bad range is an error even on a missing key.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable
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
from pyredisd.core.replies import Double, Reply
from pyredisd.core.zset import LexRange, ScoreRange, ZSet

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("sorted-set")
_F = CmdFlag
_KEY_RW_DELETE = KeySpec(KeyFlag.RW | KeyFlag.DELETE)
_KEY_OW = KeySpec(KeyFlag.OW | KeyFlag.UPDATE)
_KEY_RO_2 = KeySpec(KeyFlag.RO | KeyFlag.ACCESS, begin=2)
_INF = math.inf

# -- number parsing ----------------------------------------------------------------------------
# glibc strtod's grammar (what Redis parses scores with): decimal, hex, inf/infinity, nan.
_DECIMAL = re.compile(rb"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX = re.compile(rb"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?")
_SPECIAL = re.compile(rb"[+-]?(?:inf|infinity|nan)", re.IGNORECASE)


def strtod(text: bytes) -> tuple[float, bool] | None:
    """The double ``text`` spells in full, and whether it over- or underflowed (``ERANGE``);
    None if ``text`` is not entirely a number."""
    if _DECIMAL.fullmatch(text):
        value = float(text)
        mantissa = text.split(b"e")[0].split(b"E")[0]
        underflow = value == 0 and any(48 < ch <= 57 for ch in mantissa)
        return value, math.isinf(value) or underflow
    if _HEX.fullmatch(text):
        hex_text = text.decode()
        if "p" not in hex_text.lower():
            hex_text += "p0"
        try:
            value = float.fromhex(hex_text)
        except OverflowError:
            return (-math.inf if text[:1] == b"-" else math.inf), True
        return value, False
    if _SPECIAL.fullmatch(text):
        return float(text), False
    return None


def to_score(arg: bytes, message: str = errors.NOT_FLOAT) -> float:
    """``getDoubleFromObjectOrReply``: a whole number, no leading space, no overflow, no NaN.

    Python's ``float`` reads the common spellings fast; what it accepts beyond strtod
    (underscores, surrounding spaces, ``1e999`` as inf) is refused here, and what it lacks
    (hex) goes through :func:`strtod`."""
    try:
        value = float(arg)
    except ValueError:
        pass
    else:
        if b"_" in arg or arg[:1].isspace() or arg[-1:].isspace() or value != value:
            raise CommandError(message)
        if (value == _INF or value == -_INF) and arg.lstrip(b"+-")[:1] not in (b"i", b"I"):
            raise CommandError(message)  # overflow (ERANGE)
        if value == 0 and any(48 < ch <= 57 for ch in arg.split(b"e")[0].split(b"E")[0]):
            raise CommandError(message)  # underflow to zero (ERANGE)
        return value
    parsed = strtod(arg)
    if parsed is None or parsed[1] or math.isnan(parsed[0]):
        raise CommandError(message)
    return parsed[0]


def _range_bound(arg: bytes) -> tuple[float, bool] | None:
    """One ``zslParseRange`` item: ``(`` makes it exclusive; strtod skips leading spaces and
    accepts overflow (``1e999`` is inf); an empty string is 0."""
    exclusive = arg[:1] == b"("
    text = (arg[1:] if exclusive else arg).lstrip(b" \t\n\v\f\r")
    if not text:
        return 0.0, exclusive
    parsed = strtod(text)
    if parsed is None or math.isnan(parsed[0]):
        return None
    return parsed[0], exclusive


def parse_score_range(low: bytes, high: bytes) -> ScoreRange:
    """``zslParseRange``: ``min``/``max`` with ``(`` for exclusive and ``-inf``/``+inf``."""
    low_bound, high_bound = _range_bound(low), _range_bound(high)
    if low_bound is None or high_bound is None:
        raise CommandError(errors.MIN_MAX_NOT_FLOAT)
    return ScoreRange(low_bound[0], high_bound[0], low_bound[1], high_bound[1])


def _lex_bound(arg: bytes) -> tuple[str, bytes, bool]:
    """One ``zslParseLexRangeItem``: ``-``, ``+``, ``[x`` or ``(x``."""
    if arg in (b"-", b"+"):
        return arg.decode(), b"", False
    if arg[:1] in (b"[", b"("):
        return "", arg[1:], arg[:1] == b"("
    raise CommandError(errors.MIN_MAX_NOT_LEX)


_NOTHING = LexRange(b"", b"", True, True)


def parse_lex_range(low: bytes, high: bytes) -> LexRange:
    """``zslParseLexRange``: ``-`` and ``+`` are the infinite ends; ``+`` as minimum or ``-`` as
    maximum is an empty range."""
    low_kind, low_value, low_ex = _lex_bound(low)
    high_kind, high_value, high_ex = _lex_bound(high)
    if low_kind == "+" or high_kind == "-":
        return _NOTHING
    return LexRange(
        None if low_kind else low_value, None if high_kind else high_value, low_ex, high_ex
    )


# -- shared helpers ----------------------------------------------------------------------------
def get_zset(c: Client, key: bytes, write: bool = False) -> ZSet | None:
    """The sorted set at ``key`` or None; raises WRONGTYPE for other types."""
    db = c.db
    value = db.lookup(key, c.server.now_ms) if write else db.lookup_read(key, c.server.now_ms)
    if value is not None and type(value) is not ZSet:
        raise CommandError(errors.WRONGTYPE)
    return value


def scored(c: Client, items: Iterable[tuple[float, bytes]], withscores: bool) -> Reply:
    """Members, or with scores: a flat ``member, score`` array in RESP2, ``[member, score]``
    pairs in RESP3 (cf. ``zrangeResultEmitCBufferForClient``)."""
    if not withscores:
        return [member for _, member in items]
    if c.resp == 3:
        return [[member, Double(score)] for score, member in items]
    out: list[Reply] = []
    for score, member in items:
        out.append(member)
        out.append(Double(score))
    return out


def rank_span(length: int, start: int, end: int) -> tuple[int, int] | None:
    """Positions ``[first, stop)`` of the inclusive rank range, negative ranks counting from
    the end (cf. ``genericZrangebyrankCommand``); None when empty."""
    if start < 0:
        start += length
    if end < 0:
        end += length
    start = max(start, 0)
    if start > end or start >= length:
        return None
    return start, min(end, length - 1) + 1


def limited(
    start: int, stop: int, offset: int, limit: int, reverse: bool
) -> tuple[int, int] | None:
    """Apply LIMIT ``offset count`` (negative count: all) to positions ``[start, stop)``,
    counting from ``stop`` when ``reverse``."""
    available = stop - start
    if offset < 0 or offset >= available:
        return None
    count = available - offset if limit < 0 else min(limit, available - offset)
    if count == 0:
        return None
    if reverse:
        return stop - offset - count, stop - offset
    return start + offset, start + offset + count


def store(c: Client, dest: bytes, scores: dict[bytes, float], event: str) -> int:
    """Replace ``dest`` with a sorted set of ``scores`` and report ``event`` (``zunionstore``,
    ``zrangestore``, ...); deleted when empty, with a ``del`` event (the STOREs)."""
    if scores:
        c.db.set(dest, ZSet.from_scores(scores, c.server.zset_limits))
        c.db.notify(notify.ZSET, event, dest)
    else:
        if c.db.delete(dest):
            c.db.notify(notify.GENERIC, "del", dest)
        c.db.modified(dest)
    return len(scores)


# -- ZRANGE and friends ------------------------------------------------------------------------
class RangeType(enum.Enum):
    """What ZRANGE's ``start``/``stop`` mean."""

    AUTO = 0
    RANK = 1
    SCORE = 2
    LEX = 3


def zrange_generic(
    c: Client,
    argv: Argv,
    key_index: int,
    range_type: RangeType = RangeType.AUTO,
    reverse: bool | None = None,
    dest: bytes | None = None,
) -> Reply:
    """``zrangeGenericCommand``: options after ``key min max``, conflict checks, range parsing,
    then the key. ``reverse`` None means "REV may be given"; ``dest`` makes it ZRANGESTORE."""
    withscores = False
    offset, limit = 0, -1
    index = key_index + 3
    while index < len(argv):
        option = argv[index].lower()
        left = len(argv) - index - 1
        if dest is None and option == b"withscores":
            withscores = True
        elif option == b"limit" and left >= 2:
            offset, limit = to_int(argv[index + 1]), to_int(argv[index + 2])
            index += 2
        elif reverse is None and option == b"rev":
            reverse = True
        elif range_type is RangeType.AUTO and option == b"bylex":
            range_type = RangeType.LEX
        elif range_type is RangeType.AUTO and option == b"byscore":
            range_type = RangeType.SCORE
        else:
            raise CommandError(errors.SYNTAX)
        index += 1
    reverse = bool(reverse)
    if range_type is RangeType.AUTO:
        range_type = RangeType.RANK
    if limit != -1 and range_type is RangeType.RANK:
        raise CommandError(errors.ZRANGE_LIMIT)
    if withscores and range_type is RangeType.LEX:
        raise CommandError(errors.ZRANGE_BYLEX_WITHSCORES)
    low, high = argv[key_index + 1], argv[key_index + 2]
    if reverse and range_type is not RangeType.RANK:
        low, high = high, low
    zset_range: ScoreRange | LexRange | None = None
    start = end = 0
    if range_type is RangeType.RANK:
        start, end = to_int(low), to_int(high)
    elif range_type is RangeType.SCORE:
        zset_range = parse_score_range(low, high)
    else:
        zset_range = parse_lex_range(low, high)
    zset = get_zset(c, argv[key_index])  # a read, ZRANGESTORE's too (lookupKeyRead)
    items: list[tuple[float, bytes]] = []
    if zset is not None:
        if zset_range is None:
            span = rank_span(len(zset), start, end)
            if span is not None and reverse:
                length = len(zset)
                span = (length - span[1], length - span[0])
        else:
            if isinstance(zset_range, ScoreRange):
                first, stop = zset.score_span(zset_range)
            else:
                first, stop = zset.lex_span(zset_range)
            span = limited(first, stop, offset, limit, reverse)
        if span is not None:
            items = list(zset.slice(span[0], span[1], reverse))
    if dest is not None:
        return store(c, dest, {member: score for score, member in items}, "zrangestore")
    return scored(c, items, withscores)


@GROUP.command(
    "zrange",
    -4,
    _F.READONLY,
    keys=(KEY_RO,),
    since="1.2.0",
    complexity="O(log(N)+M)",
    usage="key start@string stop@string [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]",
)
def cmd_zrange(c: Client, argv: Argv) -> Reply:
    """Returns members in a sorted set within a range of indexes."""
    return zrange_generic(c, argv, 1)


@GROUP.command(
    "zrangestore",
    -5,
    _F.WRITE | _F.DENYOOM,
    keys=(_KEY_OW, _KEY_RO_2),
    since="6.2.0",
    complexity="O(log(N)+M)",
    usage="dst@key src@key min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]",
)
def cmd_zrangestore(c: Client, argv: Argv) -> Reply:
    """Stores a range of members from sorted set in a key."""
    return zrange_generic(c, argv, 2, dest=argv[1])


def _declare_range(name: str, range_type: RangeType, reverse: bool, since: str, usage: str) -> None:
    def handler(c: Client, argv: Argv) -> Reply:
        return zrange_generic(c, argv, 1, range_type, reverse)

    handler.__name__ = f"cmd_{name}"
    what = {RangeType.RANK: "indexes", RangeType.SCORE: "scores", RangeType.LEX: "lexicographical"}
    order = " in reverse order" if reverse else ""
    GROUP.command(
        name,
        -4,
        _F.READONLY,
        keys=(KEY_RO,),
        since=since,
        complexity="O(log(N)+M)",
        summary=f"Returns members in a sorted set within a range of {what[range_type]}{order}.",
        usage=usage,
    )(handler)


_BY_SCORE = "key {}@double {}@double [WITHSCORES] [LIMIT offset count]"
_declare_range("zrangebyscore", RangeType.SCORE, False, "1.0.5", _BY_SCORE.format("min", "max"))
_declare_range("zrevrangebyscore", RangeType.SCORE, True, "2.2.0", _BY_SCORE.format("max", "min"))
_declare_range("zrangebylex", RangeType.LEX, False, "2.8.9", "key min max [LIMIT offset count]")
_declare_range("zrevrangebylex", RangeType.LEX, True, "2.8.9", "key max min [LIMIT offset count]")
_declare_range("zrevrange", RangeType.RANK, True, "1.2.0", "key start stop [WITHSCORES]")


@GROUP.command(
    "zcount",
    4,
    _F.READONLY | _F.FAST,
    keys=(KEY_RO,),
    since="2.0.0",
    complexity="O(log(N))",
    usage="key min@double max@double",
)
def cmd_zcount(c: Client, argv: Argv) -> Reply:
    """Returns the count of members in a sorted set that have scores within a range."""
    spec = parse_score_range(argv[2], argv[3])
    zset = get_zset(c, argv[1])
    if zset is None:
        return 0
    start, stop = zset.score_span(spec)
    return stop - start


@GROUP.command(
    "zlexcount",
    4,
    _F.READONLY | _F.FAST,
    keys=(KEY_RO,),
    since="2.8.9",
    complexity="O(log(N))",
    usage="key min max",
)
def cmd_zlexcount(c: Client, argv: Argv) -> Reply:
    """Returns the number of members in a sorted set within a lexicographical range."""
    spec = parse_lex_range(argv[2], argv[3])
    zset = get_zset(c, argv[1])
    if zset is None:
        return 0
    start, stop = zset.lex_span(spec)
    return stop - start


def _remove_span(
    c: Client, key: bytes, zset: ZSet, span: tuple[int, int] | None, event: str
) -> int:
    if span is None:
        return 0
    removed = zset.delete_span(*span)
    if not zset:
        c.db.delete(key)
    elif removed:
        c.db.modified(key, removed)
    if removed:
        c.db.notify(notify.ZSET, event, key)
        if not zset:
            c.db.notify(notify.GENERIC, "del", key)
    return removed


@GROUP.command(
    "zremrangebyrank",
    4,
    _F.WRITE,
    keys=(_KEY_RW_DELETE,),
    since="2.0.0",
    complexity="O(log(N)+M)",
    usage="key start stop",
)
def cmd_zremrangebyrank(c: Client, argv: Argv) -> Reply:
    """Removes members in a sorted set within a range of indexes. Deletes the sorted set if all
    members were removed."""
    start, end = to_int(argv[2]), to_int(argv[3])
    zset = get_zset(c, argv[1], write=True)
    if zset is None:
        return 0
    return _remove_span(c, argv[1], zset, rank_span(len(zset), start, end), "zremrangebyrank")


@GROUP.command(
    "zremrangebyscore",
    4,
    _F.WRITE,
    keys=(_KEY_RW_DELETE,),
    since="1.2.0",
    complexity="O(log(N)+M)",
    usage="key min@double max@double",
)
def cmd_zremrangebyscore(c: Client, argv: Argv) -> Reply:
    """Removes members in a sorted set within a range of scores. Deletes the sorted set if all
    members were removed."""
    spec = parse_score_range(argv[2], argv[3])
    zset = get_zset(c, argv[1], write=True)
    if zset is None:
        return 0
    return _remove_span(c, argv[1], zset, zset.score_span(spec), "zremrangebyscore")


@GROUP.command(
    "zremrangebylex",
    4,
    _F.WRITE,
    keys=(_KEY_RW_DELETE,),
    since="2.8.9",
    complexity="O(log(N)+M)",
    usage="key min max",
)
def cmd_zremrangebylex(c: Client, argv: Argv) -> Reply:
    """Removes members in a sorted set within a lexicographical range. Deletes the sorted set if
    all members were removed."""
    spec = parse_lex_range(argv[2], argv[3])
    zset = get_zset(c, argv[1], write=True)
    if zset is None:
        return 0
    return _remove_span(c, argv[1], zset, zset.lex_span(spec), "zremrangebylex")
