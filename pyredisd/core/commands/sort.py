"""SORT and SORT_RO (``sort.c``): sort a list, set or sorted set, optionally by external keys
(``BY weight_*``, ``BY hash_*->field``), fetch external values (``GET``), and STORE the result
as a list.

Sorting is numeric by default (``strtod``; ties broken by comparing the elements as bytes) or
byte-wise with ALPHA. A BY pattern without ``*`` means "don't sort": lists and sorted sets keep
their own order (reversed by DESC), sets keep theirs unless STOREd, when Redis forces ALPHA so the
stored result is deterministic. Redis compares ALPHA strings with ``strcoll``; pyredisd always
compares bytes, which is what the C locale does (up to an embedded NUL).
"""

from __future__ import annotations

import math
import re
from collections import deque
from typing import TYPE_CHECKING, Any

from pyredisd.core import errors, notify
from pyredisd.core.commands import hashes
from pyredisd.core.commands.args import to_int
from pyredisd.core.commands.generic import type_name
from pyredisd.core.commands.spec import Argv, CmdFlag, CommandGroup, KeyFlag, KeySpec
from pyredisd.core.errors import CommandError
from pyredisd.core.replies import Reply

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("generic")
_F = CmdFlag
_KEY_SOURCE = KeySpec(KeyFlag.RO | KeyFlag.ACCESS)
_KEY_STORE = KeySpec(KeyFlag.OW | KeyFlag.UPDATE, begin=2, lastkey=-1)
_STRTOD = re.compile(
    rb"[ \t\n\v\f\r]*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?"
    rb"|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?)?",
    re.IGNORECASE,
)
_SORTABLE = ("list", "set", "zset")


def strtod_score(text: bytes) -> float | None:
    """The double ``strtod`` reads from all of ``text``, or None when SORT rejects it
    (trailing garbage, NaN, overflow or underflow). An empty string reads as 0."""
    match = _STRTOD.fullmatch(text)
    if match is None:
        return None
    body = text.strip(b" \t\n\v\f\r")
    if not body:
        return 0.0
    unsigned = body.lstrip(b"+-")
    hexadecimal = unsigned[:2].lower() == b"0x"
    mantissa = unsigned.lower().split(b"p" if hexadecimal else b"e")[0]
    try:
        if hexadecimal:
            value = float.fromhex(body.decode())
        else:
            value = float(body)
    except ValueError:
        return None
    if math.isinf(value) and not unsigned[:1].isalpha():
        return None  # ERANGE: overflow
    if value == 0 and mantissa.strip(b"0.x"):
        return None  # ERANGE: underflow to zero
    if value != 0 and abs(value) < 2.2250738585072014e-308:
        return None  # ERANGE: a subnormal result
    return value


def lookup_by_pattern(c: Client, pattern: bytes, element: bytes) -> bytes | None:
    """``lookupKeyByPattern``: ``#`` is the element; otherwise the first ``*`` is replaced by
    it and the key read as a string, or with ``->field`` as a hash field."""
    if pattern == b"#":
        return element
    star = pattern.find(b"*")
    if star < 0:
        return None
    arrow = pattern.find(b"->", star + 1)
    field = None
    if arrow >= 0 and arrow + 2 < len(pattern):
        field = pattern[arrow + 2 :]
        pattern = pattern[:arrow]
    key = pattern[:star] + element + pattern[star + 1 :]
    value = c.db.lookup_read(key, c.server.now_ms)
    if value is None:
        return None
    if field is not None:
        if type_name(value) != "hash":
            return None
        found = hashes.get_field(c, key, value, field)  # an expired field is gone
        return found if isinstance(found, bytes) else None
    return value if type(value) is bytes else None


def _elements(value: Any, kind: str) -> list[bytes]:
    if kind == "zset":
        return [member for _, member in value]
    return list(value)


def sort_generic(c: Client, argv: Argv, read_only: bool) -> Reply:
    """SORT and SORT_RO (cf. ``sortCommandGeneric``)."""
    desc = alpha = dont_sort = False
    limit_start, limit_count = 0, -1
    by: bytes | None = None
    store: bytes | None = None
    gets: list[bytes] = []
    index = 2
    while index < len(argv):
        option = argv[index].lower()
        left = len(argv) - index - 1
        if option == b"asc":
            desc = False
        elif option == b"desc":
            desc = True
        elif option == b"alpha":
            alpha = True
        elif option == b"limit" and left >= 2:
            limit_start, limit_count = to_int(argv[index + 1]), to_int(argv[index + 2])
            index += 2
        elif option == b"store" and left >= 1 and not read_only:
            store = argv[index + 1]
            index += 1
        elif option == b"by" and left >= 1:
            by = argv[index + 1]
            dont_sort = b"*" not in by
            index += 1
        elif option == b"get" and left >= 1:
            gets.append(argv[index + 1])
            index += 1
        else:
            raise CommandError(errors.SYNTAX)
        index += 1
    value = c.db.lookup_read(argv[1], c.server.now_ms)
    kind = "list" if value is None else type_name(value)
    if kind not in _SORTABLE:
        raise CommandError(errors.WRONGTYPE)
    elements = [] if value is None else _elements(value, kind)
    if dont_sort and kind == "set" and store is not None:
        dont_sort, alpha, by = False, True, None  # a stored result must be deterministic
    size = len(elements)
    start = min(max(limit_start, 0), size)
    count = min(max(limit_count, -1), size)
    end = size - 1 if count < 0 else start + count - 1
    if start >= size:
        start, end = size - 1, size - 2
    end = min(end, size - 1)
    if dont_sort:
        if desc and kind in ("list", "zset"):
            elements.reverse()
    else:
        elements = _sorted(c, elements, by, alpha, desc)
    chosen = elements[start : end + 1] if end >= start else []
    if gets:
        rows: list[bytes | None] = [
            lookup_by_pattern(c, pattern, element) for element in chosen for pattern in gets
        ]
    else:
        rows = list(chosen)
    if store is None:
        return list(rows)
    if rows:
        c.db.set(store, deque(row if row is not None else b"" for row in rows))
        c.db.notify(notify.LIST, "sortstore", store)
    elif c.db.delete(store):
        c.db.notify(notify.GENERIC, "del", store)
    return len(rows)


def _sorted(
    c: Client, elements: list[bytes], by: bytes | None, alpha: bool, desc: bool
) -> list[bytes]:
    """The elements ordered as ``sortCompare`` orders them (a stable sort, as glibc's is)."""
    keyed: list[tuple[tuple[Any, ...], bytes]] = []
    for element in elements:
        weight = element if by is None else lookup_by_pattern(c, by, element)
        if alpha:
            # A missing BY value sorts before any string, as a NULL compare object does.
            keyed.append(((0,) if weight is None else (1, weight), element))
            continue
        score = 0.0 if weight is None else strtod_score(weight)
        if score is None:
            raise CommandError(errors.SORT_NOT_DOUBLE)
        keyed.append(((score, element), element))
    keyed.sort(key=lambda pair: pair[0], reverse=desc)
    return [element for _, element in keyed]


_SORT_USAGE = (
    "key [BY pattern] [LIMIT offset count] [GET pattern]... [ASC|DESC] [ALPHA] [STORE destination]"
)


@GROUP.command(
    "sort",
    -2,
    _F.WRITE | _F.DENYOOM,
    keys=(_KEY_SOURCE, _KEY_STORE),
    since="1.0.0",
    complexity="O(N+M*log(M))",
    usage=_SORT_USAGE,
)
def cmd_sort(c: Client, argv: Argv) -> Reply:
    """Sorts the elements in a list, a set, or a sorted set, optionally storing the result."""
    return sort_generic(c, argv, read_only=False)


@GROUP.command(
    "sort_ro",
    -2,
    _F.READONLY,
    keys=(_KEY_SOURCE,),
    since="7.0.0",
    complexity="O(N+M*log(M))",
    usage="key [BY pattern] [LIMIT offset count] [GET pattern]... [ASC|DESC] [ALPHA]",
)
def cmd_sort_ro(c: Client, argv: Argv) -> Reply:
    """Returns the sorted elements of a list, a set, or a sorted set."""
    return sort_generic(c, argv, read_only=True)
