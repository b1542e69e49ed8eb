"""Hash commands (``t_hash.c``); HEXPIRE and its family are in
:mod:`pyredisd.core.commands.hash_expiry`.

A hash is a ``dict[bytes, bytes]``; its insertion order is the order Redis's listpack encoding
keeps, so HGETALL, HKEYS and HSCAN of a small hash match Redis byte for byte. The rules of
:mod:`pyredisd.core.commands.lists` apply: WRONGTYPE for other types, an emptied hash is deleted,
new keys go through ``db.set`` and in-place changes through ``db.modified``. Each write reports
its keyspace notification (``hset``, ``hdel``, ``hincrby``, ...) where Redis does.

A hash that was given field TTLs is a :class:`~pyredisd.core.hashttl.HashEx` (a ``dict``):
each command has a branch for it, taken only by such hashes, that hides expired fields and
deletes them on lookup as Redis does (see :mod:`pyredisd.core.hashttl` for the rules).

HINCRBYFLOAT computes in x87 80-bit ``long double`` as Redis does, emulated exactly with
integers (:mod:`pyredisd.core.longdouble`, shared with INCRBYFLOAT), because its replies show it:
``HINCRBYFLOAT h f 1e30`` is ``1000000000000000000024696061952``.

HSCAN's guarantee is Redis's: every field present from the start to the end of a full iteration
is returned at least once; fields added or removed meanwhile may or may not be. See
:mod:`pyredisd.core.scan` for how, without any state between calls.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import TYPE_CHECKING

from pyredisd.core import errors, longdouble, notify
from pyredisd.core.commands.args import to_int
from pyredisd.core.commands.generic import parse_cursor
from pyredisd.core.commands.lists import store_new
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
from pyredisd.core.hashttl import HashEx
from pyredisd.core.replies import OK, Map, Reply
from pyredisd.core.request import string2ll
from pyredisd.core.scan import scan_batch

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("hash")
_F = CmdFlag
_LONG_MAX = (1 << 63) - 1
_LONG_MIN = -(1 << 63)

HashValue = dict[bytes, bytes]  # the stored representation, shared with the other families

_KEY_RO_COUNT = KeySpec(KeyFlag.RO)
_KEY_UPDATE = KeySpec(KeyFlag.RW | KeyFlag.UPDATE)
_KEY_INSERT = KeySpec(KeyFlag.RW | KeyFlag.INSERT)
_KEY_DELETE = KeySpec(KeyFlag.RW | KeyFlag.DELETE)
_KEY_INCR = KeySpec(KeyFlag.RW | KeyFlag.ACCESS | KeyFlag.UPDATE)

# HRANDFIELD with a negative count repeats fields, so its reply is not bounded by the hash. Redis
# streams it into the output buffer; we build it, so we refuse replies longer than this.
_RANDOM_REPLY_LIMIT = 1 << 22


# -- helpers -------------------------------------------------------------------------------------
def read_hash(c: Client, key: bytes) -> HashValue | None:
    """The hash at ``key`` for a read command (counts a hit or miss), or None."""
    value = c.db.lookup_read(key, c.server.now_ms)
    if value is not None and type(value) is not dict and type(value) is not HashEx:
        raise CommandError(errors.WRONGTYPE)
    return value


def write_hash(c: Client, key: bytes) -> HashValue | None:
    """The hash at ``key`` for a write command, or None."""
    value = c.db.lookup(key, c.server.now_ms)
    if value is not None and type(value) is not dict and type(value) is not HashEx:
        raise CommandError(errors.WRONGTYPE)
    return value


def lookup_field(c: Client, key: bytes, value: HashEx, field: bytes) -> bytes | None:
    """``hashTypeGetValue`` with lazy expiry: the value of ``field``, or None; a field past
    its deadline is deleted (``hexpired``, and the hash with ``del`` if it was the last)."""
    found = value.get(field)
    if found is not None and value.is_expired(field, c.server.now_ms):
        c.server.field_expiry.delete_fields(c.db, key, value, [field], True)
        return None
    return found


def get_field(c: Client, key: bytes, value: HashValue, field: bytes) -> bytes | None:
    """The value of ``field`` in the hash ``value`` stored at ``key`` (SORT's ``->field``)."""
    if type(value) is HashEx:
        return lookup_field(c, key, value, field)
    return value.get(field)


def _write_or_create(c: Client, key: bytes, changes: int) -> HashValue:
    """``hashTypeLookupWriteOrCreate``, reporting ``changes`` writes to the hash."""
    value = write_hash(c, key)
    if value is None:
        value = {}
        store_new(c.db, key, value, changes)
    else:
        c.db.modified(key, changes)
    return value


# -- writes --------------------------------------------------------------------------------------
def _set_pairs(c: Client, argv: Argv, name: str) -> int:
    """``hsetCommand`` (HSET and HMSET): the number of new fields."""
    if len(argv) % 2:
        raise CommandError(errors.wrong_arity(name))
    pairs = (len(argv) - 2) // 2
    value = _write_or_create(c, argv[1], pairs)
    before = len(value)
    if type(value) is HashEx and value.ttls:
        ttls = value.ttls
        for index in range(2, len(argv), 2):
            if argv[index] in ttls:  # a rewritten field loses its TTL
                value.persist(argv[index], argv[index + 1])
            else:
                value[argv[index]] = argv[index + 1]
    else:
        shared = c.server.field_names.share
        for index in range(2, len(argv), 2):
            value[shared(argv[index])] = argv[index + 1]
    c.db.notify(notify.HASH, "hset", argv[1])
    return len(value) - before


_HSET_COMPLEXITY = (
    "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command "
    "is called with multiple field/value pairs."
)


@GROUP.command(
    "hset",
    -4,
    _F.WRITE | _F.DENYOOM | _F.FAST,
    keys=(_KEY_UPDATE,),
    since="2.0.0",
    complexity=_HSET_COMPLEXITY,
    usage="key (field value)...",
)
def cmd_hset(c: Client, argv: Argv) -> Reply:
    """Creates or modifies the value of a field in a hash."""
    return _set_pairs(c, argv, "hset")


@GROUP.command(
    "hmset",
    -4,
    _F.WRITE | _F.DENYOOM | _F.FAST,
    keys=(_KEY_UPDATE,),
    since="2.0.0",
    complexity="O(N) where N is the number of fields being set.",
    usage="key (field value)...",
)
def cmd_hmset(c: Client, argv: Argv) -> Reply:
    """Sets the values of multiple fields."""
    _set_pairs(c, argv, "hmset")
    return OK


@GROUP.command(
    "hsetnx",
    4,
    _F.WRITE | _F.DENYOOM | _F.FAST,
    keys=(_KEY_INSERT,),
    since="2.0.0",
    usage="key field value",
)
def cmd_hsetnx(c: Client, argv: Argv) -> Reply:
    """Sets the value of a field in a hash only when the field doesn't exist."""
    key, field = argv[1], argv[2]
    value = write_hash(c, key)
    if value is not None and get_field(c, key, value, field) is not None:
        return 0
    _write_or_create(c, key, 1)[field] = argv[3]
    c.db.notify(notify.HASH, "hset", key)
    return 1


@GROUP.command(
    "hdel",
    -3,
    _F.WRITE | _F.FAST,
    keys=(_KEY_DELETE,),
    since="2.0.0",
    complexity="O(N) where N is the number of fields to be removed.",
    usage="key field...",
)
def cmd_hdel(c: Client, argv: Argv) -> Reply:
    """Deletes one or more fields and their values from a hash. Deletes the hash if no fields
    remain."""
    key = argv[1]
    value = write_hash(c, key)
    if value is None:
        return 0
    deleted = 0
    ttls = value.ttls if type(value) is HashEx else None
    for field in argv[2:]:
        if value.pop(field, None) is not None:
            deleted += 1
            if ttls:
                ttls.pop(field, None)
            if not value:
                break
    if deleted:
        if value:
            c.db.modified(key, deleted)
            c.db.notify(notify.HASH, "hdel", key)
        else:
            c.db.delete(key)
            c.db.modified(key, deleted - 1)
            c.db.notify(notify.HASH, "hdel", key)
            c.db.notify(notify.GENERIC, "del", key)
    return deleted


@GROUP.command(
    "hincrby",
    4,
    _F.WRITE | _F.DENYOOM | _F.FAST,
    keys=(_KEY_INCR,),
    since="2.0.0",
    usage="key field increment",
)
def cmd_hincrby(c: Client, argv: Argv) -> Reply:
    """Increments the integer value of a field in a hash by a number. Uses 0 as initial value
    if the field doesn't exist."""
    increment = to_int(argv[3])
    key, field = argv[1], argv[2]
    value = write_hash(c, key)
    current = 0
    found = None if value is None else get_field(c, key, value, field)
    if found is not None:
        parsed = string2ll(found)
        if parsed is None:
            raise CommandError(errors.HASH_NOT_INTEGER)
        current = parsed
    result = current + increment
    if not _LONG_MIN <= result <= _LONG_MAX:
        raise CommandError(errors.OVERFLOW)
    _write_or_create(c, key, 1)[field] = b"%d" % result  # in place: a TTL is kept
    c.db.notify(notify.HASH, "hincrby", key)
    return result


@GROUP.command(
    "hincrbyfloat",
    4,
    _F.WRITE | _F.DENYOOM | _F.FAST,
    keys=(_KEY_INCR,),
    since="2.6.0",
    usage="key field increment@double",
)
def cmd_hincrbyfloat(c: Client, argv: Argv) -> Reply:
    """Increments the floating point value of a field by a number. Uses 0 as initial value if
    the field doesn't exist."""
    increment = longdouble.parse(argv[3])
    if increment is None:
        raise CommandError(errors.NOT_FLOAT)
    if not isinstance(increment, Fraction):
        raise CommandError(errors.NAN_OR_INFINITY)
    key, field = argv[1], argv[2]
    value = write_hash(c, key)
    current: Fraction | float = Fraction(0)
    found = None if value is None else get_field(c, key, value, field)
    if found is not None:
        parsed = longdouble.parse(found)
        if parsed is None:
            raise CommandError(errors.HASH_NOT_FLOAT)
        current = parsed
    if not isinstance(current, Fraction):  # a stored "inf": inf + finite is still inf
        raise CommandError(errors.INCR_NAN_OR_INFINITY)
    result = longdouble.add(current, increment)
    if result is None:
        raise CommandError(errors.INCR_NAN_OR_INFINITY)
    text = longdouble.format_human(result)
    _write_or_create(c, key, 1)[field] = text  # in place: a TTL is kept
    c.db.notify(notify.HASH, "hincrbyfloat", key)
    return text


# -- reads ---------------------------------------------------------------------------------------
@GROUP.command("hget", 3, _F.READONLY | _F.FAST, keys=(KEY_RO,), since="2.0.0", usage="key field")
def cmd_hget(c: Client, argv: Argv) -> Reply:
    """Returns the value of a field in a hash."""
    value = read_hash(c, argv[1])
    if type(value) is dict:
        return value.get(argv[2])
    return None if value is None else get_field(c, argv[1], value, argv[2])


@GROUP.command(
    "hmget",
    -3,
    _F.READONLY | _F.FAST,
    keys=(KEY_RO,),
    since="2.0.0",
    complexity="O(N) where N is the number of fields being requested.",
    usage="key field...",
)
def cmd_hmget(c: Client, argv: Argv) -> Reply:
    """Returns the values of all fields in a hash."""
    value = read_hash(c, argv[1]) or {}
    if type(value) is HashEx and value.ttls:
        return _hmget_expiring(c, argv[1], value, argv[2:])
    return [value.get(field) for field in argv[2:]]


def _hmget_expiring(c: Client, key: bytes, value: HashEx, fields: Argv) -> list[Reply]:
    """HMGET of a hash with TTLs: expired fields are deleted on the way, announced once."""
    now_ms, expiry = c.server.now_ms, c.server.field_expiry
    out: list[Reply] = []
    expired = deleted = False
    for field in fields:
        found = None if deleted else value.get(field)
        if found is not None and value.is_expired(field, now_ms):
            expired, found = True, None
            deleted = expiry.delete_fields(c.db, key, value, [field], False)
        out.append(found)
    if expired:
        c.db.notify(notify.HASH, "hexpired", key)
        if deleted:
            c.db.notify(notify.GENERIC, "del", key)
    return out


@GROUP.command("hlen", 2, _F.READONLY | _F.FAST, keys=(_KEY_RO_COUNT,), since="2.0.0", usage="key")
def cmd_hlen(c: Client, argv: Argv) -> Reply:
    """Returns the number of fields in a hash."""
    value = read_hash(c, argv[1])
    return len(value) if value is not None else 0


@GROUP.command(
    "hstrlen", 3, _F.READONLY | _F.FAST, keys=(_KEY_RO_COUNT,), since="3.2.0", usage="key field"
)
def cmd_hstrlen(c: Client, argv: Argv) -> Reply:
    """Returns the length of the value of a field."""
    value = read_hash(c, argv[1])
    return len(get_field(c, argv[1], value, argv[2]) or b"") if value is not None else 0


@GROUP.command(
    "hexists", 3, _F.READONLY | _F.FAST, keys=(_KEY_RO_COUNT,), since="2.0.0", usage="key field"
)
def cmd_hexists(c: Client, argv: Argv) -> Reply:
    """Determines whether a field exists in a hash."""
    value = read_hash(c, argv[1])
    return int(value is not None and get_field(c, argv[1], value, argv[2]) is not None)


_ALL_COMPLEXITY = "O(N) where N is the size of the hash."


@GROUP.command(
    "hkeys", 2, _F.READONLY, keys=(KEY_RO,), since="2.0.0", complexity=_ALL_COMPLEXITY, usage="key"
)
def cmd_hkeys(c: Client, argv: Argv) -> Reply:
    """Returns all fields in a hash."""
    value = read_hash(c, argv[1])
    if type(value) is HashEx and value.ttls:
        return [field for field, _ in value.live_items(c.server.now_ms)]
    return list(value) if value is not None else []


@GROUP.command(
    "hvals", 2, _F.READONLY, keys=(KEY_RO,), since="2.0.0", complexity=_ALL_COMPLEXITY, usage="key"
)
def cmd_hvals(c: Client, argv: Argv) -> Reply:
    """Returns all values in a hash."""
    value = read_hash(c, argv[1])
    if type(value) is HashEx and value.ttls:
        return [item for _, item in value.live_items(c.server.now_ms)]
    return list(value.values()) if value is not None else []


@GROUP.command(
    "hgetall",
    2,
    _F.READONLY,
    keys=(KEY_RO,),
    since="2.0.0",
    complexity=_ALL_COMPLEXITY,
    usage="key",
)
def cmd_hgetall(c: Client, argv: Argv) -> Reply:
    """Returns all fields and values in a hash."""
    value = read_hash(c, argv[1])
    if type(value) is HashEx and value.ttls:
        return Map(list(value.live_items(c.server.now_ms)))
    return Map(value.items() if value is not None else ())


def _pairs(items: list[tuple[bytes, bytes]], resp: int) -> list[Reply]:
    """Field/value pairs as HRANDFIELD WITHVALUES sends them: flat in RESP2, nested in RESP3."""
    if resp == 2:
        return [part for pair in items for part in pair]
    return [list(pair) for pair in items]


@GROUP.command(
    "hrandfield",
    -2,
    _F.READONLY,
    keys=(KEY_RO,),
    since="6.2.0",
    complexity="O(N) where N is the number of fields returned",
    usage="key [count [WITHVALUES]]",
)
def cmd_hrandfield(c: Client, argv: Argv) -> Reply:
    """Returns one or more random fields from a hash."""
    if len(argv) == 2:
        value = read_hash(c, argv[1])
        if value is None or _expire_all(c, argv[1], value):
            return None
        return random.choice(list(value))
    count = to_int(argv[2])
    if count < -_LONG_MAX:
        raise CommandError(errors.out_of_range(-_LONG_MAX, _LONG_MAX))
    if len(argv) > 4 or (len(argv) == 4 and argv[3].lower() != b"withvalues"):
        raise CommandError(errors.SYNTAX)
    with_values = len(argv) == 4
    if with_values and not -(_LONG_MAX // 2) <= count <= _LONG_MAX // 2:
        raise CommandError(errors.RANDOM_COUNT_RANGE)
    value = read_hash(c, argv[1])
    if value is None or _expire_all(c, argv[1], value) or count == 0:
        return []
    if count < 0 or count == 1:
        # Sampling with repetition (hrandfieldWithCountCommand CASE 1), in random order.
        if -count > _RANDOM_REPLY_LIMIT:
            raise CommandError(errors.RANDOM_COUNT_RANGE)
        if not with_values:
            return list(random.choices(list(value), k=abs(count)))
        return _pairs(random.choices(list(value.items()), k=abs(count)), c.resp)
    if count >= len(value):  # CASE 2: the whole hash, in its order
        if not with_values:
            return list(value)
        return _pairs(list(value.items()), c.resp)
    if not with_values:
        return list(random.sample(list(value), count))
    return _pairs(random.sample(list(value.items()), count), c.resp)


def _expire_all(c: Client, key: bytes, value: HashValue) -> bool:
    """``hashTypeExpireIfNeeded`` (HRANDFIELD): delete every field past its deadline first;
    True if that deleted the hash."""
    if type(value) is not HashEx:
        return False
    now_ms = c.server.now_ms
    earliest = value.earliest()
    if earliest is None or earliest >= now_ms:
        return False
    fields = value.due(now_ms, len(value))
    return c.server.field_expiry.delete_fields(c.db, key, value, fields, True)


def is_compact(c: Client, value: HashValue) -> bool:
    """Whether Redis would still hold this hash as a listpack, so HSCAN returns it whole
    (``hash-max-listpack-entries`` / ``-value``; ignoring that Redis never converts a hash
    back after it grew: that history is not kept here)."""
    config = c.server.config
    if len(value) > config["hash-max-listpack-entries"]:
        return False
    limit = config["hash-max-listpack-value"]
    return all(len(field) <= limit and len(item) <= limit for field, item in value.items())


@GROUP.command(
    "hscan",
    -3,
    _F.READONLY,
    keys=(KEY_RO,),
    since="2.8.0",
    complexity=(
        "O(1) for every call. O(N) for a complete iteration, including enough command calls "
        "for the cursor to return back to 0. N is the number of elements inside the "
        "collection."
    ),
    usage="key cursor [MATCH pattern] [COUNT count] [NOVALUES]",
)
def cmd_hscan(c: Client, argv: Argv) -> Reply:
    """Iterates over fields and values of a hash."""
    cursor = parse_cursor(argv[2])
    value = read_hash(c, argv[1])
    if value is None:
        return [b"0", []]
    # scanGenericCommand parses the options only once the key was found.
    count, pattern, with_values = 10, None, True
    index = 3
    while index < len(argv):
        option = argv[index].lower()
        if option == b"novalues":
            with_values = False
            index += 1
            continue
        if option not in (b"count", b"match") or index + 1 >= len(argv):
            raise CommandError(errors.SYNTAX)
        if option == b"count":
            count = to_int(argv[index + 1])
            if count < 1:
                raise CommandError(errors.SYNTAX)
        else:
            pattern = None if argv[index + 1] == b"*" else argv[index + 1]
        index += 2
    if is_compact(c, value):
        next_cursor, batch = 0, list(value)
    else:
        next_cursor, batch = scan_batch(value.keys(), cursor, count)
    out: list[Reply] = []
    expiring = value if type(value) is HashEx and value.ttls else None
    for field in batch:
        if pattern is not None and not stringmatch(pattern, field):
            continue
        if expiring is not None and expiring.is_expired(field, c.server.now_ms):
            continue
        out.append(field)
        if with_values:
            out.append(value[field])
    return [b"%d" % next_cursor, out]
